"""Direct mail: a print vendor's order file, one personalised letter per contact (``adapter``).

Importing the package registers the adapter."""

from . import adapter

__all__ = ["adapter"]
