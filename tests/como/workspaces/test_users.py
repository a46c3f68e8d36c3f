"""signed_in: the person behind request.user, or None for a caller who is nobody's user row."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from como.workspaces.authentication import ApiKeyCaller
from como.workspaces.models import ApiKey
from como.workspaces.users import signed_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signed_in_is_a_user_row_or_none(db: Any) -> None:
    user = UserFactory.create(username="sam")

    assert signed_in(user) is user
    assert signed_in(AnonymousUser()) is None
    assert signed_in(ApiKeyCaller(ApiKey())) is None
    assert signed_in(None) is None
