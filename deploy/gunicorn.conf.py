"""gunicorn settings for the eKaaSel web process: `gunicorn -c deploy/gunicorn.conf.py`.

Sizes come from the environment (docs/deploy.md). Threaded workers: a request mostly waits for
PostgreSQL, so a few processes with several threads each serve many requests with little memory.
Every thread may hold a database connection: keep WEB_WORKERS x WEB_THREADS within
DATABASE_POOL_MAX_SIZE x WEB_WORKERS (the pool is per process) and PostgreSQL's max_connections.
The background worker is a separate service (`manage.py run_worker`), never started from here.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("WEB_BIND", "127.0.0.1:8000").split(",")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", str(min(multiprocessing.cpu_count() * 2 + 1, 9))))
threads = int(os.environ.get("WEB_THREADS", "4"))
# A request running longer than this is killed (and its worker restarted); uploads are small.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak never grows unbounded.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Trust X-Forwarded-* only from the reverse proxy (nginx on the same machine by default).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The application writes one access-log line per request itself (with the request id); gunicorn's own
# messages (start, stop, worker timeouts) go to standard error.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ekaasel.core.logging.JsonLogFormatter",
                                "fmt": "%(levelname)s %(name)s %(message)s"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
            "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
        "root": {"level": loglevel.upper(), "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False,
                               "qualname": "gunicorn.error"},
            # gunicorn's request lines would repeat the application's access log, with the query string.
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False,
                                "qualname": "gunicorn.access"},
        },
    }
