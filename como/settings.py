"""Django settings for como, read from the environment (django-environ).

``DATABASE_URL`` and ``REDIS_URL`` choose the servers; when either is unset the embedded
server from :mod:`como.embedded` is started and used instead. PostgreSQL is the only database.
"""

from __future__ import annotations

from pathlib import Path

import environ

from como import embedded

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The fallback key only exists so that a fresh clone runs; production sets DJANGO_SECRET_KEY.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="como-insecure-development-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "como.workspaces",
    "como.leads",
    "como.ingest",
    "como.consent",
    "como.scoring",
    "como.compliance",
    "como.channels",
    "como.agents",
    "como.campaigns",
    "como.demo",
    # Verticals register themselves in their AppConfig.ready(); como never imports them.
    *env.list("COMO_VERTICALS", default=["verticals.automotive", "verticals.b2b"]),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "como.workspaces.middleware.UnstorableInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
#: Seconds between scans for MQL handoffs whose SLA timer ran out (their worst-case lateness).
COMO_HANDOFF_ESCALATION_SECONDS = env.float("COMO_HANDOFF_ESCALATION_SECONDS", default=30.0)
#: Seconds between syncs of today's and yesterday's channel metrics (campaigns).
COMO_METRICS_SYNC_SECONDS = env.float("COMO_METRICS_SYNC_SECONDS", default=900.0)
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
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "como API",
    "DESCRIPTION": "Events in, contacts and accounts, agent actions out. "
    "Authenticate with `Authorization: Bearer <workspace API key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for the consent channels wherever they appear.
    "ENUM_NAME_OVERRIDES": {"ConsentChannelEnum": "como.consent.models.CHANNEL_CHOICES"},
}

COMO_INGEST_MAX_BATCH = 1000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # pgserver narrates every process exit at INFO; it is noise next to our output.
    "loggers": {"pgserver": {"level": "WARNING"}},
}
