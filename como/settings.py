"""Django settings for como, read from the environment (django-environ).

``DATABASE_URL`` and ``REDIS_URL`` choose the servers; when either is unset the embedded
server from :mod:`como.embedded` is started and used instead. PostgreSQL is the only database.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from como import embedded
from como.workspaces.ratelimits import rate_parse

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

#: ``development`` (exported by the Makefile, so a fresh clone runs with no configuration)
#: allows the built-in secret key and plain-http cookies; ``production``, the default and the
#: Docker image's, refuses to start without a secret and turns on HSTS and secure cookies.
COMO_ENV = env.str("COMO_ENV", default="production").strip().lower()
if COMO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"COMO_ENV is {COMO_ENV!r}; use development or production.")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    # A key printed in the source signs nobody's sessions but a developer's.
    if not (DEBUG or COMO_ENV == "development"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string (python -c "
            "'import secrets; print(secrets.token_urlsafe(50))'), or set COMO_ENV=development "
            "on a development machine."
        )
    SECRET_KEY = "como-insecure-development-key-change-me"  # noqa: S105 - development only
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

#: The vertical packages installed (Django apps); each may bring API routes (como.verticals).
COMO_VERTICALS: list[str] = env.list(
    "COMO_VERTICALS", default=["verticals.automotive", "verticals.b2b"]
)

INSTALLED_APPS = [
    # The operator console's theme, before the admin so its templates win. Its basic config:
    # the default one would replace admin.site with a plain UnfoldAdminSite.
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    # django.contrib.admin, whose change lists refuse lookups they cannot build with the
    # usual "?e=1" instead of a 500 (como/workspaces/admin_changelist.py).
    "como.workspaces.admin_config.CheckedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "axes",
    "django_htmx",
    "como.workspaces",
    "como.leads",
    "como.ingest",
    "como.consent",
    "como.scoring",
    "como.compliance",
    "como.channels",
    "como.agents",
    "como.audiences",
    "como.deals",
    "como.campaigns",
    "como.sequences",
    "como.console",
    "como.demo",
    # Verticals register themselves in their AppConfig.ready(); como never imports them.
    *COMO_VERTICALS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "como.workspaces.middleware.UnstorableInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.htmx: the console's panels re-render alone when asked by htmx.
    "django_htmx.middleware.HtmxMiddleware",
    "como.workspaces.throttling.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "como.urls"
WSGI_APPLICATION = "como.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    DATABASES = {"default": embedded.postgres_settings()}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise environ.ImproperlyConfigured(
        "como runs on PostgreSQL only; DATABASE_URL must be postgres://"
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Lets parallel test runs on one server keep apart (e.g. COMO_TEST_DATABASE=test_como_ci).
DATABASES["default"]["TEST"] = {"NAME": env.str("COMO_TEST_DATABASE", default="") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="") or embedded.redis_url()

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "como",
    }
}

# --- Transport security (production: behind a TLS-terminating proxy) --------------------------
_TLS = not (DEBUG or COMO_ENV == "development")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=_TLS)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=_TLS)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=_TLS)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if _TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Only behind a proxy that sets X-Forwarded-Proto itself; otherwise a client could claim https.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Subdomains and the preload list reach past this installation (sibling hosts, browsers'
# built-in lists) and are the operator's call, off by default; leaving them off is not a
# finding of `check --deploy`.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]

# --- Admin login lockout (django-axes) ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
#: Failed logins of one username from one address before it is locked out for the cool-off;
#: during it the right password is refused too. A successful login clears the count.
AXES_FAILURE_LIMIT = env.int("COMO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("COMO_LOGIN_COOLOFF_MINUTES", default=15.0))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "como.workspaces.throttling.client_ip"

# --- Rate limits (como.workspaces.throttling; fixed windows in Redis) -------------------------
COMO_RATE_LIMITS = env.bool("COMO_RATE_LIMITS", default=True)
#: Requests per API key, or per signed-in person, across the API.
COMO_RATE_API = env.str("COMO_RATE_API", default="6000/m")
#: Events per API key through POST /api/v1/events (a batch of 1,000 costs 1,000).
COMO_RATE_INGEST_EVENTS = env.str("COMO_RATE_INGEST_EVENTS", default="600000/m")
#: Requests per IP without credentials: webhooks, tracked links, feeds, the schema, login page.
COMO_RATE_ANON = env.str("COMO_RATE_ANON", default="3000/m")
#: Failed authentications (401) per IP; past it every request from the IP is refused.
COMO_RATE_AUTH_FAILURES = env.str("COMO_RATE_AUTH_FAILURES", default="30/m")
#: Reverse proxies in front of como that append to X-Forwarded-For (0: use the peer address).
COMO_TRUSTED_PROXIES = env.int("COMO_TRUSTED_PROXIES", default=0)
for _rate in (COMO_RATE_API, COMO_RATE_INGEST_EVENTS, COMO_RATE_ANON, COMO_RATE_AUTH_FAILURES):
    rate_parse(_rate)  # a typo fails at start, not on the first request

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- The operator console (django-unfold's admin theme; como/console/) ----------------------
UNFOLD = {
    "SITE_TITLE": "como",
    "SITE_HEADER": "como",
    "SITE_SYMBOL": "campaign",
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "como.console.dashboard.dashboard_callback",
    # Pages grouped as an operator works, each shown only to whoever may view it.
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "como.console.navigation.sidebar",
    },
}

# --- Celery (see como/celery.py) -------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None  # tasks record their effects in PostgreSQL, not in a result store
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
# An unacknowledged task is redelivered after the visibility timeout; it must outlast the
# longest task or a still-running task would be delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 4}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="como")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
#: Seconds between sweeps for approved actions whose enqueue was lost (their worst-case delay).
COMO_ACTION_SWEEP_SECONDS = env.float("COMO_ACTION_SWEEP_SECONDS", default=15.0)
COMO_ACTION_SWEEP_GRACE_SECONDS = env.float("COMO_ACTION_SWEEP_GRACE_SECONDS", default=10.0)
#: A claim older than this belongs to a dead worker and is claimed again. It must outlast the
#: task's hard time limit, or a slow executor still running would be claimed a second time.
COMO_ACTION_LEASE_SECONDS = env.float(
    "COMO_ACTION_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60.0
)
#: An approved action whose execute message was published less than this long ago is not
#: enqueued again by the sweeper: the message is presumed to be waiting in the queue (a backlog),
#: and one more per sweep would only grow it. A publish that failed is never recorded, so a lost
#: enqueue is still repaired by the next sweep; this bounds how late a message the broker took
#: and then lost (or a dead worker's prefetched one) is replaced.
COMO_ACTION_REQUEUE_SECONDS = env.float(
    "COMO_ACTION_REQUEUE_SECONDS", default=float(CELERY_TASK_TIME_LIMIT)
)
#: Seconds a webhook action waits for the receiver before it counts as a transient failure.
COMO_WEBHOOK_TIMEOUT = env.float("COMO_WEBHOOK_TIMEOUT", default=10.0)
# Automotive inventory sources fetched over HTTPS/SFTP (verticals/automotive/inventory/fetch).
#: Bytes a fetched or uploaded inventory file may hold.
COMO_INVENTORY_MAX_BYTES = env.int("COMO_INVENTORY_MAX_BYTES", default=200 * 1024 * 1024)
#: Seconds a whole fetch may take (DNS, connect, redirects, the body): a slow drip is cut.
COMO_INVENTORY_FETCH_TIMEOUT = env.float("COMO_INVENTORY_FETCH_TIMEOUT", default=60.0)
#: Allow plain http:// feed URLs (HTTPS only by default).
COMO_INVENTORY_ALLOW_HTTP = env.bool("COMO_INVENTORY_ALLOW_HTTP", default=False)
#: Networks (CIDR) a source may reach although they are private or loopback: for private
#: deployments whose feeds live on the LAN, and for tests. Empty: public addresses only.
COMO_INVENTORY_FETCH_ALLOW_NETWORKS = env.list("COMO_INVENTORY_FETCH_ALLOW_NETWORKS", default=[])
#: A PEM file of the CAs feed servers are verified against (default: certifi's bundle).
COMO_INVENTORY_CA_BUNDLE = env.str("COMO_INVENTORY_CA_BUNDLE", default="")
#: The directory `file` sources may read from; empty: `file` sources cannot be fetched.
COMO_INVENTORY_FILE_ROOT = env.str("COMO_INVENTORY_FILE_ROOT", default="")
#: Seconds between scans for MQL handoffs whose SLA timer ran out (their worst-case lateness).
COMO_HANDOFF_ESCALATION_SECONDS = env.float("COMO_HANDOFF_ESCALATION_SECONDS", default=30.0)
#: Seconds between syncs of today's and yesterday's channel metrics (campaigns).
COMO_METRICS_SYNC_SECONDS = env.float("COMO_METRICS_SYNC_SECONDS", default=900.0)
#: Seconds between beat passes over the sequences' due members (a member's worst-case lateness).
COMO_SEQUENCES_ADVANCE_SECONDS = env.float("COMO_SEQUENCES_ADVANCE_SECONDS", default=60.0)
#: Months of events kept, for every workspace (events are partitioned by UTC month of
#: occurred_at; como/leads/partitions.py). None (the default): kept forever. With N, a daily
#: beat task (and `manage.py drop_old_event_partitions`) drops each month whose every event is
#: more than N months old. Scores are NOT recomputed when events go: a contact's stored score
#: (the ranked list, MQL decisions) keeps the decayed points of the dropped events until that
#: contact is rescored from its history (a model change, a merge, a rescore run); the score
#: API, which explains a score from the events still stored, no longer counts them.
COMO_EVENT_RETENTION_MONTHS: int | None = env.int("COMO_EVENT_RETENTION_MONTHS", default=None)
#: Months after the current one whose event partitions exist ahead of their first event.
COMO_EVENT_PARTITIONS_AHEAD = env.int("COMO_EVENT_PARTITIONS_AHEAD", default=3)
# Beat copies these into its database schedule at start; they can be edited in the admin.
CELERY_BEAT_SCHEDULE = {
    "como.agents.sweep_actions": {
        "task": "como.agents.sweep_actions",
        "schedule": COMO_ACTION_SWEEP_SECONDS,
    },
    "como.agents.expire_actions": {"task": "como.agents.expire_actions", "schedule": 60.0},
    "como.agents.escalate_handoffs": {
        "task": "como.agents.escalate_handoffs",
        "schedule": COMO_HANDOFF_ESCALATION_SECONDS,
    },
    "como.campaigns.sync_metrics": {
        "task": "como.campaigns.sync_metrics",
        "schedule": COMO_METRICS_SYNC_SECONDS,
    },
    # Sequences: every due member advanced in set-based batches (como/sequences/advance.py).
    "como.sequences.advance": {
        "task": "como.sequences.advance",
        "schedule": COMO_SEQUENCES_ADVANCE_SECONDS,
    },
    # Events: next months' partitions ahead, then the months past the retention dropped.
    "como.leads.maintain_event_partitions": {
        "task": "como.leads.maintain_event_partitions",
        "schedule": 6 * 3600.0,
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Email (agents' notifications to members, e.g. the MQL handoff) -------------------------
# With EMAIL_HOST set mail goes out over SMTP; unset, it is printed to the console (development).
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="como <como@localhost>")
#: Where people reach this installation; links in notifications start with it.
COMO_BASE_URL = env.str("COMO_BASE_URL", default="http://127.0.0.1:8000")
#: Where email recipients reach the tracking and unsubscribe links (/t/…); public, and https
#: in production (RFC 8058 one-click unsubscribe needs an https List-Unsubscribe URI).
COMO_PUBLIC_URL = env.str("COMO_PUBLIC_URL", default=COMO_BASE_URL)
#: Seconds an ad-platform, SMS or print-vendor API call may take (then: a transient failure).
COMO_CHANNEL_HTTP_TIMEOUT = env.float("COMO_CHANNEL_HTTP_TIMEOUT", default=15.0)

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "como.workspaces.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["como.workspaces.permissions.IsWorkspaceCaller"],
    # Refuses non-finite numbers, lone surrogates, NUL and deep nesting with their paths.
    "DEFAULT_PARSER_CLASSES": [
        "como.workspaces.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "como.workspaces.pagination.StrictCursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["como.workspaces.throttling.CallerRateThrottle"],
    # OPTIONS on an action-only viewset (no serializer_class) describes it instead of a 500.
    "DEFAULT_METADATA_CLASS": "como.workspaces.metadata.Metadata",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "como API",
    "DESCRIPTION": "Events in, contacts and accounts, agent actions out. "
    "Authenticate with `Authorization: Bearer <workspace API key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for the consent channels wherever they appear.
    "ENUM_NAME_OVERRIDES": {
        "ConsentChannelEnum": "como.consent.models.CHANNEL_CHOICES",
        # Several "kind" choice sets (scoring rules, vehicle changes, inventory sources, DMS
        # files): each named, so none gets a hashed name. A path to an uninstalled vertical's
        # choices is never imported unless its serializers are in the schema.
        "DmsKindEnum": "verticals.automotive.dms.presets.DmsKind",
        "OpportunityStatusEnum": "como.deals.models.OpportunityStatus",
        # An agent action's status, now on more than one component (actions, account plays).
        "ActionStatusEnum": "como.agents.models.ActionStatus",
    },
}

COMO_INGEST_MAX_BATCH = 1000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # pgserver narrates every process exit at INFO, axes its version at start: noise next to
    # our output (create_workspace prints a key on its last line).
    "loggers": {"pgserver": {"level": "WARNING"}, "axes.apps": {"level": "WARNING"}},
}
