"""Settings for bench/sms_throughput.py: the test settings plus the Kannel backend, from the environment."""

import os

from config.settings.test import *  # noqa: F403

SMS_BACKEND = "ekaasel.notifications.backends.kannel.KannelBackend"
KANNEL_SENDSMS_URL = os.environ.get("KANNEL_SENDSMS_URL", "")
KANNEL_USERNAME = os.environ.get("KANNEL_USERNAME", "")
KANNEL_PASSWORD = os.environ.get("KANNEL_PASSWORD", "")
KANNEL_DLR_URL = os.environ.get("KANNEL_DLR_URL", "")
KANNEL_SHARED_SECRET = os.environ.get("KANNEL_SHARED_SECRET", "bench")

# BENCH_SYNCHRONOUS_COMMIT=off: workers do not wait for PostgreSQL's WAL flush, to see how much of the
# time is commit latency (README: little). A crash could then forget the last "sent" marks and those
# SMS would go again: the at-least-once window of delivery.py, never a loss.
if os.environ.get("BENCH_SYNCHRONOUS_COMMIT") == "off" and DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
