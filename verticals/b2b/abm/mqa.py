"""The MQA trigger: an account's move to MQA proposes its play in the mover's transaction (the
ingest transaction when events made the move), so the play commits or rolls back with it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..accounts.models import AccountStage
from .proposals import propose_account_plays

if TYPE_CHECKING:
    from como.workspaces.models import Workspace

    from ..accounts.models import AccountTransition


def on_account_stage_changed(
    workspace: Workspace, transitions: Sequence[AccountTransition]
) -> None:
    became = {t.account_id: t for t in transitions if t.to_stage == AccountStage.MQA}
    if not became:
        return
    propose_account_plays(
        workspace,
        sorted(became),
        reason="mqa",
        changed={
            pk: {
                "from_stage": t.from_stage,
                "to_stage": t.to_stage,
                "score": t.score,
                "roles_engaged": t.roles_engaged,
                "transition_id": t.pk,
            }
            for pk, t in became.items()
        },
        at=max(t.at for t in became.values()),
    )
