import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "como.settings")
django_application = get_wsgi_application()

# POST /api/v1/events/collect's common case is answered before Django's middleware (the
# rest, and every error answer, by Django itself): como/ingest/edge.py.
from como.ingest.edge import CollectEdge  # noqa: E402  (needs django.setup() done)

application = CollectEdge(django_application)
# Everything loaded so far lives as long as the process: keep it out of the cyclic garbage
# collector's full passes, which otherwise walk it again and again (measured: ~20 % more
# events/s through the bulk ingest API).
gc.freeze()
