import os

from django.core.wsgi import get_wsgi_application

from como import gcpolicy

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "como.settings")
django_application = get_wsgi_application()

# POST /api/v1/events/collect's common case is answered before Django's middleware (the
# rest, and every error answer, by Django itself): como/ingest/edge.py.
from como.ingest.edge import CollectEdge  # noqa: E402  (needs django.setup() done)

application = CollectEdge(django_application)
# Everything loaded so far lives as long as the process: out of the cyclic garbage
# collector's passes, which are made rarer too (como/gcpolicy.py).
gcpolicy.settle()
