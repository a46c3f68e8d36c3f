"""``User``: the type of a person's user row in annotations, whatever ``AUTH_USER_MODEL`` is.

For type checking it is django-stubs' alias, which its mypy plugin resolves to the configured
user model (``email``, ``get_full_name()`` … are known); at run time it is the abstract base, so
importing it touches no model and works before the app registry is ready.

Services that decide what a person may do take ``user: User | None``, None being nobody signed
in (refused like anyone without the permission); views pass :func:`signed_in`'s answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User
else:
    from django.contrib.auth.base_user import AbstractBaseUser as User

__all__ = ["User", "signed_in"]


def signed_in(user: object) -> User | None:
    """The person behind ``request.user``; None for an anonymous caller or a workspace API key
    (:class:`~como.workspaces.authentication.ApiKeyCaller`), which are nobody's user row."""
    return user if isinstance(user, get_user_model()) else None
