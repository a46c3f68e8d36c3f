"""The settings of the server ``bench/http_events.py`` starts: como's own, with a no-op view added.

``DJANGO_SETTINGS_MODULE=bench.http_site`` (the server runs from the repository root, where
``bench`` is a namespace package); the URLs are bench/http_urls.py.
"""

from como.settings import *  # noqa: F403

ROOT_URLCONF = "bench.http_urls"
