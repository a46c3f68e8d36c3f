"""Imports every built-in adapter so each registers itself (a new channel adds a line here)."""

from . import (
    ads,  # noqa: F401
    direct_mail,  # noqa: F401
    email,  # noqa: F401
    sms,  # noqa: F401
)
