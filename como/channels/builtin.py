"""Imports every built-in adapter so each registers itself (a new channel adds a line here)."""

from . import (
    direct_mail,  # noqa: F401
    email,  # noqa: F401
    linkedin,  # noqa: F401
    paid_search,  # noqa: F401
    paid_social,  # noqa: F401
    sms,  # noqa: F401
)
