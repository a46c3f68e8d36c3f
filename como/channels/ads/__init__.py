"""The ad platforms, one module each: ``search`` (Google Ads responsive search ads), ``social``
(Meta ads and customer-list audiences) and ``linkedin`` (Sponsored Content), with ``common``:
what they (and direct mail) share.

Importing the package registers the three adapters."""

from . import linkedin, search, social

__all__ = ["linkedin", "search", "social"]
