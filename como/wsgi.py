import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "como.settings")
application = get_wsgi_application()
# Everything loaded so far lives as long as the process: keep it out of the cyclic garbage
# collector's full passes, which otherwise walk it again and again (measured: ~20 % more
# events/s through the bulk ingest API).
gc.freeze()
