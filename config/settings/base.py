"""Settings shared by every environment. Values that differ per deployment come from the environment."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf.locale import LANG_INFO
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from ekaasel.core.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("EKAASEL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client; none by default.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ekaasel.core",
    "ekaasel.organisations",
    "ekaasel.identity",
    "ekaasel.grievances",
    "ekaasel.notifications",
    "ekaasel.portal",
    "ekaasel.workspace",
    "ekaasel.reports",
    "ninja",
    "ekaasel.api",
]

MIDDLEWARE = [
    # First: the request id is on every log record of the request, and the access log times it all.
    "ekaasel.core.request_id.RequestIdMiddleware",
    # The client's address from X-Forwarded-For when the request comes from a trusted proxy.
    "ekaasel.core.client_address.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ekaasel.workspace.middleware.WorkspaceIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A lost database connection becomes a 503 "try again" (JSON for the APIs), never a half answer.
    "ekaasel.core.unavailable.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: it locks accounts after repeated failed sign-ins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Officials: 5 failed sign-ins lock the account for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
# Lock the account (not the whole office behind one address) after repeated failures.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks to lock by address too; behind one office address that would lock out every colleague.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
OTP_TOTP_ISSUER = "eKaaSel"
AXES_LOCKOUT_CALLABLE = "ekaasel.workspace.auth_views.locked_out"
LOGIN_URL = "workspace:sign_in"
# Officials are signed out after 30 minutes without activity.
WORKSPACE_IDLE_SECONDS = 1800

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ekaasel" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ekaasel.workspace.context_processors.workspace",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"


def database_from_env(variable: str = "DATABASE_URL") -> dict[str, object]:
    """The database at the URL in `variable`; the default is an SQLite file under var/.

    PostgreSQL: DATABASE_POOL=true gives each process a psycopg connection pool (DATABASE_POOL_MIN_SIZE,
    DATABASE_POOL_MAX_SIZE, DATABASE_POOL_TIMEOUT seconds to wait for a free connection); otherwise a
    connection is kept DATABASE_CONN_MAX_AGE seconds (default 60).
    """
    default_url = f"sqlite:///{VAR_DIR / 'ekaasel.sqlite3'}"
    if variable not in os.environ:
        # The embedded default lives in the git-ignored var/, which a fresh clone does not have yet.
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = dict(dj_database_url.parse(
        os.environ.get(variable, default_url), conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    ))
    if config["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_POOL", False):
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "pool": {  # type: ignore[dict-item]
            "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "2")),
            "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10")),
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }}
        # Django refuses persistent connections with a pool: the pool keeps them.
        config["CONN_MAX_AGE"] = 0
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The web process and the worker write concurrently: wait for locks instead of failing,
        # and take the write lock at BEGIN so a transaction never has to upgrade a read lock.
        config["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
        config["CONN_MAX_AGE"] = 0
    return config


DATABASES = {"default": database_from_env()}
if "DATABASE_REPLICA_URL" in os.environ:
    # A PostgreSQL streaming replica for dashboards and reports (ekaasel.core.db_router). In a test run
    # it mirrors the test database instead of being created.
    DATABASES["replica"] = {**database_from_env("DATABASE_REPLICA_URL"), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["ekaasel.core.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks (Django's Tasks API). TASKS_BACKEND=database (default) keeps the queue in the database
# (django-tasks-db); TASKS_BACKEND=redis puts it on Redis streams (django-tasks-redis) at REDIS_URL, for
# more workers than one database queue serves. The same tasks and `manage.py run_worker` serve both.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
TASK_BACKENDS: dict[str, dict[str, Any]] = {
    "database": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    },
    "redis": {
        "BACKEND": "django_tasks_redis.RedisTaskBackend",
        "QUEUES": ["default"],
        "OPTIONS": {
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "REDIS_KEY_PREFIX": os.environ.get("TASKS_KEY_PREFIX", "ekaasel"),
            # A task whose worker died is handed to another worker after this long; longer than any task
            # runs (a drain hands over after 30 s), or a slow task would run twice.
            "REDIS_CLAIM_TIMEOUT": int(os.environ.get("TASKS_CLAIM_TIMEOUT_SECONDS", "300")),
            "REDIS_SOCKET_CONNECT_TIMEOUT": 5,
        },
    },
}
if TASKS_BACKEND not in TASK_BACKENDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {TASKS_BACKEND!r}")
TASKS = {"default": TASK_BACKENDS[TASKS_BACKEND]}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: English and Dzongkha. Django ships no Dzongkha locale, so describe it here.
LANG_INFO.setdefault(
    "dz", {"bidi": False, "code": "dz", "name": "Dzongkha", "name_local": "རྫོང་ཁ"}
)
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("dz", _("Dzongkha"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and number formats for Dzongkha, which Django does not ship (ekaasel/core/formats/dz/formats.py).
FORMAT_MODULE_PATH = ["ekaasel.core.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Thimphu")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"


def media_storage_from_env() -> dict[str, object]:
    """Where attachments and generated reports are kept: files under MEDIA_ROOT (shared over NFS when several
    machines serve), or, with MEDIA_S3_BUCKET, an S3-compatible object store (MinIO, Ceph, a cloud's) that
    every app server and worker reaches. Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
    (or the machine's role). Objects stay private: they are served only through the app's own checks."""
    bucket = os.environ.get("MEDIA_S3_BUCKET")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": bucket,
        "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("MEDIA_S3_REGION") or None,
        "location": os.environ.get("MEDIA_S3_PREFIX", ""),
        "addressing_style": os.environ.get("MEDIA_S3_ADDRESSING_STYLE") or None,  # "path" for most MinIO setups
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }}


STORAGES = {
    "default": media_storage_from_env(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 2
# A session is saved when it changes (not on every request): the workspace's idle sign-out records the
# last activity at most once a minute, which also renews the cookie of an active official.
SESSION_SAVE_EVERY_REQUEST = False

# Upload limits: 3 attachments of at most 5 MB each, plus form fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# One line per record on standard error with the request id: LOG_FORMAT=json (production) or text.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# Content Security Policy, in every environment: our own scripts, styles and images only; an inline
# <script> or <style> runs only with the nonce of its response ({{ csp_nonce }}); no other host.
# data: images are for the icons in the API documentation's stylesheet (Swagger UI).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- eKaaSel: country and product configuration -------------------------------------------------
# Everything country-specific is configuration; these defaults are Bhutan's.
EKAASEL: dict[str, Any] = {
    "APPLICATION_ID_PREFIX": os.environ.get("EKAASEL_APPLICATION_ID_PREFIX", "EK"),
    "PHONE_REGION": os.environ.get("EKAASEL_PHONE_REGION", "BT"),
    "MOBILE_PREFIXES": env_list("EKAASEL_MOBILE_PREFIXES", "16,17,77"),
    "NATIONAL_ID_PATTERN": os.environ.get("EKAASEL_NATIONAL_ID_PATTERN", r"^\d{11}$"),
    "IDENTITY_CHECK_BACKEND": os.environ.get(
        "EKAASEL_IDENTITY_CHECK_BACKEND", "ekaasel.identity.checks.FormatOnlyCheck"
    ),
    # Working days the Cabinet Secretariat has to assess a new grievance.
    "ASSESSMENT_WORKING_DAYS": int(os.environ.get("EKAASEL_ASSESSMENT_WORKING_DAYS", "3")),
    # Default resolution limit when neither the service nor the ministry sets one.
    "DEFAULT_RESOLUTION_WORKING_DAYS": int(os.environ.get("EKAASEL_DEFAULT_RESOLUTION_WORKING_DAYS", "15")),
    "APPEAL_WINDOW_DAYS": 30,
    # An overdue grievance still open this many working days after its due date escalates to the PMO.
    "PMO_ESCALATION_AFTER_WORKING_DAYS": int(os.environ.get("EKAASEL_PMO_ESCALATION_AFTER_WORKING_DAYS", "5")),
    "AUTO_CLOSE_AFTER_DAYS": int(os.environ.get("EKAASEL_AUTO_CLOSE_AFTER_DAYS", "14")),
    "WEEKEND_DAYS": [5, 6],  # Saturday, Sunday (Monday is 0)
    "ATTACHMENTS_MAX_COUNT": 3,
    "ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    # One-time codes
    "OTP_VALID_SECONDS": 600,
    "OTP_MAX_ATTEMPTS": 5,
    "OTP_MAX_PER_NUMBER": 3,
    "OTP_NUMBER_WINDOW_SECONDS": 900,
    "OTP_MAX_PER_IP": int(os.environ.get("EKAASEL_OTP_MAX_PER_IP", "10")),
    "OTP_IP_WINDOW_SECONDS": 3600,
    # How long a proven mobile stays proven in the browser session.
    "CITIZEN_SESSION_SECONDS": 1800,
    # Holidays, the catalogue and SMS wordings are kept per process: a change an administrator saves is
    # seen by the other app server processes within this many seconds (0: read them on every request).
    "REFERENCE_CACHE_SECONDS": 60,
    # Developer tools (/dev/sms/); never in production.
    "DEV_TOOLS": False,
}

# Notification outbox
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
SMS_SENDER = os.environ.get("SMS_SENDER", "eKaaSel")
OUTBOX: dict[str, Any] = {
    "MAX_ATTEMPTS": int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8")),
    "BACKOFF_BASE_SECONDS": float(os.environ.get("OUTBOX_BACKOFF_BASE_SECONDS", "10")),
    "BACKOFF_MAX_SECONDS": float(os.environ.get("OUTBOX_BACKOFF_MAX_SECONDS", "3600")),
    # A message still "queued" this long after it was due is re-queued by the sweep.
    "STUCK_AFTER_SECONDS": int(os.environ.get("OUTBOX_STUCK_AFTER_SECONDS", "120")),
    # A message "sending" this long is presumed lost with a crashed worker and is re-queued.
    "SENDING_TIMEOUT_SECONDS": int(os.environ.get("OUTBOX_SENDING_TIMEOUT_SECONDS", "600")),
    # Messages a worker claims at once; also the most a crashed worker can leave to be sent twice.
    "BATCH_SIZE": int(os.environ.get("OUTBOX_BATCH_SIZE", "50")),
}
WORKER: dict[str, Any] = {
    "HEARTBEAT_SECONDS": 15,
    # The worker counts as down when its last heartbeat is older than this.
    "HEALTHY_WITHIN_SECONDS": 90,
    "SWEEP_SECONDS": 60,
    # How often overdue grievances are escalated and unrated resolutions closed.
    "TIME_LIMITS_SECONDS": 900,
    # A report "running" this long lost its worker (killed, machine gone) and is built again by another.
    "REPORT_RUNNING_TIMEOUT_SECONDS": int(os.environ.get("WORKER_REPORT_RUNNING_TIMEOUT_SECONDS", "1800")),
}

# Where citizens open the portal; used in SMS texts.
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000")

# Kannel SMS gateway (SMS_BACKEND=kannel); sample gateway configuration in deploy/kannel/kannel.conf
KANNEL_SENDSMS_URL = os.environ.get("KANNEL_SENDSMS_URL", "http://127.0.0.1:13013/cgi-bin/sendsms")
KANNEL_USERNAME = os.environ.get("KANNEL_USERNAME", "")
KANNEL_PASSWORD = os.environ.get("KANNEL_PASSWORD", "")
# Secret in Kannel's get-url and in every dlr-url; without it the callbacks are refused.
KANNEL_SHARED_SECRET = os.environ.get("KANNEL_SHARED_SECRET", "")
KANNEL_DLR_URL = os.environ.get("KANNEL_DLR_URL", PORTAL_URL + "/sms/dlr/kannel?message={message_id}")
KANNEL_ALLOWED_IPS = env_list("KANNEL_ALLOWED_IPS", "127.0.0.1,::1")
KANNEL_DLR_MASK = int(os.environ.get("KANNEL_DLR_MASK", "31"))
KANNEL_TIMEOUT_SECONDS = float(os.environ.get("KANNEL_TIMEOUT_SECONDS", "10"))
# District given to grievances filed by SMS (an SMS has no location); empty = first district by name.
SMS_DEFAULT_DISTRICT = os.environ.get("SMS_DEFAULT_DISTRICT", "")
