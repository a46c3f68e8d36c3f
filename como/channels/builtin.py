"""Imports every built-in adapter so each registers itself (a new channel adds a line here)."""

from . import email  # noqa: F401
from . import sms  # noqa: F401
