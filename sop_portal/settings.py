"""The one settings module. Every value comes from the environment; `.env.example` documents each variable.

With nothing set the portal runs embedded: SQLite file, Celery tasks eagerly in-process, mail to the console.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value.strip() else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The test suite runs with production settings except for plain-HTTP cookies and a throwaway key, so that
# `pytest` works on a fresh clone without an .env file.
TESTING = "pytest" in sys.modules
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and (DEBUG or TESTING):
    # Development and tests only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = "django-insecure-dev-only-not-for-production-0123456789abcdefghijklmnop"
# Without DEBUG an empty key is refused where it matters: by the system checks (runserver, migrate, check)
# and by the WSGI entry point. Commands that sign nothing (mps_simulate) still run on a bare checkout.

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "sop_portal.organisation",
    "sop_portal.masterdata",
    "sop_portal.alerts",
    "sop_portal.jobs",
    "sop_portal.demo",
    "sop_portal.budgeting",
    "production",
    "campaigns",
    "fulfillment",
    "returns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so a locked-out login never reaches the view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sop_portal.urls"
WSGI_APPLICATION = "sop_portal.wsgi.application"
ASGI_APPLICATION = "sop_portal.asgi.application"

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
                "sop_portal.organisation.context.memberships",
            ],
        },
    },
]

# --- Database: DATABASE_URL or an embedded SQLite file ---------------------------------------------------
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}", conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a task writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login throttling counts live in the database through django-axes, not here) ---------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Auth ------------------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: after LOGIN_FAILURE_LIMIT failures for one username from one address the login is
# refused for LOGIN_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)

# --- Internationalisation and the planning calendar ------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True
PLANNING_HORIZON_WEEKS = env_int("PLANNING_HORIZON_WEEKS", 104)

# --- Static files ----------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING and env_bool("STATIC_MANIFEST", True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Email: EMAIL_HOST set → SMTP, otherwise the console ------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "S&OP Portal <sop-portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# --- Celery: REDIS_URL → real broker; unset → tasks run eagerly in-process ------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# In embedded mode a failing job is recorded on its row (the page shows the error) rather than raised into the
# request that queued it, as it would be with a worker.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
# Longer than any task, so Redis never re-delivers a message that is still being worked on.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TIMEZONE = TIME_ZONE
# What runs after a campaign change's MPS revision, in order (name → function(job, result) → dict).
PIPELINE_STAGES: dict[str, str] = {
    "warehouses": "fulfillment.stages.check_after_revision",
    # Locked budgets re-check their unbudgeted campaigns (one query while no budget is locked).
    "budget": "sop_portal.budgeting.stages.check_after_revision",
    # Last, so it mails what every check before it raised.
    "notifications": "sop_portal.alerts.digests.notify_after_revision",
}
# Days an alert may stay unresolved before it is overdue: "type:severity", then the type, then the severity.
# A campaign not in the budget waits for marketing and finance to agree how to pay for it: a working week.
ALERT_SLA_DAYS: dict[str, float] = {"critical": 1, "warning": 3, "info": 7, "unbudgeted_campaign:warning": 5}
# The signed Acknowledge / Resolve links in alert e-mails stop working after this many days.
ALERT_EMAIL_LINK_MAX_AGE_DAYS = env_int("ALERT_EMAIL_LINK_MAX_AGE_DAYS", 14)
# The e-mail outbox: a failed send waits RETRY_SECONDS * 2^(attempt-1), at most an hour, and gives up after
# MAX_ATTEMPTS; a worker that claimed an e-mail has CLAIM_SECONDS to send it before another may.
EMAIL_OUTBOX = {"retry_seconds": 30, "max_retry_seconds": 3600, "max_attempts": 10,
                "claim_seconds": env_int("EMAIL_CLAIM_SECONDS", 120)}  # fmt: skip
# A worker that claimed a job must show a sign of life within this many seconds, or another may take it over.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 60)
# Campaign edits wait this long for more edits before the pipeline runs, so a burst becomes one revision.
PIPELINE_DEBOUNCE_SECONDS = float(os.environ.get("PIPELINE_DEBOUNCE_SECONDS", "0.15"))
# ...but never longer than this after the first edit of the burst.
PIPELINE_MAX_WAIT_SECONDS = float(os.environ.get("PIPELINE_MAX_WAIT_SECONDS", "2"))
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "record-heartbeat": {"task": "sop_portal.health.heartbeat", "schedule": 60.0},
    # The outbox sweeper: jobs whose message was lost or whose worker died are sent again.
    "sweep-jobs": {"task": "sop_portal.jobs.tasks.sweep_jobs", "schedule": 30.0},
    "advance-campaigns": {"task": "campaigns.tasks.advance_campaigns", "schedule": 3600.0},
    # Digests of the users whose time of day has come, then every e-mail that is due (new or to retry).
    "queue-digests": {"task": "sop_portal.alerts.tasks.queue_digests", "schedule": 300.0},
    "deliver-emails": {"task": "sop_portal.alerts.tasks.deliver_due_emails", "schedule": 30.0},
}

# --- REST API --------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call gets 401 with `WWW-Authenticate: Token`, not a bare 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["sop_portal.organisation.permissions.DepartmentAccess"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "sop_portal.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("API_RATE_LIMIT", "6000/hour"), "login": "10/minute"},
    "EXCEPTION_HANDLER": "sop_portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "S&OP Portal API",
    "DESCRIPTION": "Campaigns, master production schedule, warehouse capacity and returns.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Login required everywhere, the schema and its docs included.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {"DemandRuleEnum": "production.models.items.DemandRuleChoice"},
}

# --- Security: strict unless DEBUG ------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
