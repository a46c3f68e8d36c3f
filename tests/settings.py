"""The test run's settings: como's own, on a development machine, with rate limits off.

Set in the environment rather than here so that the worker and beat processes the end-to-end
tests start inherit them. The rate-limit tests turn the limits on for themselves.
"""

import os

os.environ.setdefault("COMO_ENV", "development")
os.environ.setdefault("COMO_RATE_LIMITS", "false")

from como.settings import *  # noqa: F403
