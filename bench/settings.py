"""Settings for the national-scale benchmarks: production settings on loopback, from the environment.

What differs from a real deployment, and why:
- a fixed SECRET_KEY and loopback ALLOWED_HOSTS when none are given (benchmark data only);
- no HTTPS redirect and no secure-only cookies: the load generator talks plain HTTP to the app server on
  loopback, where a real deployment has nginx terminating TLS in front;
- the API's filing limits per mobile and per address are lifted: every simulated citizen comes from 127.0.0.1,
  and the limiter would answer 429 after 30 filings an hour (what is measured is filing, not refusing).
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-real-deployment")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ekaasel_bench")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("STATIC_ROOT", "/tmp/ekaasel-bench-static")

from config.settings.production import *  # noqa: F403
from config.settings.production import EKAASEL

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
EKAASEL["API_FILING_LIMITS"] = (("mobile", 10**9, 3600), ("ip", 10**9, 3600))

# BENCH_CONN_MAX_AGE: keep database connections open between requests (seconds; None = forever).
if "BENCH_CONN_MAX_AGE" in os.environ:
    _age = os.environ["BENCH_CONN_MAX_AGE"]
    DATABASES["default"]["CONN_MAX_AGE"] = None if _age == "none" else int(_age)  # noqa: F405
