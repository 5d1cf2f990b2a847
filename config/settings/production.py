"""Production: HTTPS only, secrets and host names only from the environment, JSON logs, hashed static files.

Selected with DJANGO_SETTINGS_MODULE=config.settings.production (the WSGI/ASGI default). The process
refuses to start without SECRET_KEY and ALLOWED_HOSTS. `manage.py check --deploy` reports nothing.
Every variable is described in docs/deploy.md.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from ekaasel.core.logging import logging_config

from .base import *  # noqa: F403
from .base import LOG_LEVEL, MIDDLEWARE, SECRET_KEY, env_bool, env_list

DEBUG = False

if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production reads it from the environment only: set SECRET_KEY to a long random "
        "value (e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))') in the service's environment file."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Production reads it from the environment only: set ALLOWED_HOSTS to the "
        "comma-separated host names the service answers to (e.g. ekaasel.gov.bt)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# nginx on the same machine by default; add the load balancers' addresses when there are some.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")

# HTTPS only. nginx (or the load balancer) terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# The load balancer's health check asks over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Static files: hashed, compressed copies collected by `manage.py collectstatic`, served by WhiteNoise
# straight after the security middleware (cached for a year by browsers and proxies).
MIDDLEWARE = list(MIDDLEWARE)
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {
    **STORAGES,  # noqa: F405 - attachments and reports: files or object storage (base.media_storage_from_env)
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(STATIC_ROOT)))  # noqa: F405

# The request limits count in Django's cache: with CACHE_URL (Redis) every process and app server shares
# one count; without it each process counts on its own (local memory).
if cache_url := os.environ.get("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": cache_url,
                          "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ekaasel")}}

# JSON log lines for the log collector, unless LOG_FORMAT says otherwise.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
