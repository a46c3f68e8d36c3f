"""accounts_cached(): one read of each channel account inside the block, a fresh read outside,
so a transport switched in the admin takes effect at the next action."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from como.channels.models import ChannelAccount, TransportKind
from como.channels.transports import accounts_cached, channel_account
from como.workspaces.models import Workspace


def test_each_account_is_read_once_inside_the_block(workspace: Workspace, db: Any) -> None:
    ChannelAccount.objects.create(workspace=workspace, channel="paid_social", account_id="act_1")
    with CaptureQueriesContext(connection) as queries, accounts_cached():
        first = [channel_account(workspace.pk, "paid_social") for _ in range(5)]
        missing = [channel_account(workspace.pk, "paid_search") for _ in range(3)]
        with accounts_cached():  # nested: the enclosing cache serves
            again = channel_account(workspace.pk, "paid_social")
    assert len(queries) == 2
    assert {a.account_id for a in first if a is not None} == {"act_1"}
    assert again is first[0]
    assert missing == [None, None, None]

    # Outside, a change is seen at once.
    ChannelAccount.objects.filter(workspace=workspace).update(transport=TransportKind.HTTP)
    account = channel_account(workspace.pk, "paid_social")
    assert account is not None
    assert account.transport == TransportKind.HTTP
