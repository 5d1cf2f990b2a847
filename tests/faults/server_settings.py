"""Settings of the web server the fault tests start: the test settings, the database from DATABASE_URL,
the "database unavailable" middleware in place, and filing limits out of the way of a load test."""

from config.settings.test import *  # noqa: F403
from config.settings.test import EKAASEL, MIDDLEWARE

UNAVAILABLE_MIDDLEWARE = "ekaasel.core.unavailable.DatabaseUnavailableMiddleware"
if UNAVAILABLE_MIDDLEWARE not in MIDDLEWARE:
    MIDDLEWARE = [*MIDDLEWARE[:-1], UNAVAILABLE_MIDDLEWARE, MIDDLEWARE[-1]]
EKAASEL["API_FILING_LIMITS"] = (("mobile", 100_000, 3600), ("ip", 100_000, 3600))
EKAASEL["OTP_MAX_PER_IP"] = 100_000
