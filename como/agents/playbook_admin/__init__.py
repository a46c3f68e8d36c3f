"""The playbook's admin pages: the editor, its scoring preview, the versions (see :mod:`.admin`)."""

from .admin import PlaybookAdmin, PlaybookVersionAdmin

__all__ = ["PlaybookAdmin", "PlaybookVersionAdmin"]
