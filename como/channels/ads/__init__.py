"""The ad platforms, one module each: ``search`` (Google Ads responsive search ads), ``social``
(Meta ads and customer-list audiences) and ``linkedin`` (Sponsored Content), with ``common``:
what they (and direct mail) share; ``linkedin_audiences`` streams companies or people into a
LinkedIn DMP segment (:func:`linkedin_segment_upload`).

Importing the package registers the three adapters. Outside the channels app, code uses the
names below rather than the modules: :func:`platform_limits` judges a create payload as its
platform would (a vertical's per-vehicle creative, before it is an action), and its
``copy_findings`` judges the copy alone, without an account or placement (the lint API).
"""

from . import linkedin, search, social
from .common import PlatformLimits, payload_findings
from .linkedin_audiences import Company as LinkedInCompany
from .linkedin_audiences import Upload as LinkedInUpload
from .linkedin_audiences import segment_upload as linkedin_segment_upload

#: Each ad platform's limits on the payload of the kind that creates an ad, by channel key.
_LIMITS = {limits.channel: limits for limits in (social.LIMITS, search.LIMITS, linkedin.LIMITS)}


def platform_limits(channel: str) -> PlatformLimits | None:
    """The channel's limits on a create payload; None for a channel without ads."""
    return _LIMITS.get(channel)


__all__ = [
    "LinkedInCompany",
    "LinkedInUpload",
    "PlatformLimits",
    "linkedin",
    "linkedin_segment_upload",
    "payload_findings",
    "platform_limits",
    "search",
    "social",
]
