"""Dashboards and the yearly PSGRD PDF report at national scale, through the real views. Not a test.

    .venv/bin/python bench/generate.py -n 1000000      # once: the data (DATABASE_URL .../ekaasel_bench)
    .venv/bin/python bench/dashboards.py                # then: p50/p95/max of each dashboard, the PDF time

Each dashboard is asked for by Django's test Client signed in as the demo official who sees it (password
and second factor stand in for by a session, as after a real sign-in), through the whole middleware stack
and template, with the production settings of bench/settings.py: a warm-up, then R requests (default 50).
The yearly report is built for the last whole calendar year, as the worker does: figures, then the PDF,
several times in one process (--pdf-runs): the first run also loads WeasyPrint, as a worker's first report does.
`--pdf-only` times the report alone.
Goals (issue #5): dashboards p95 <= 100 ms at 10 million grievances; yearly PDF <= 5 s.
"""

import argparse
import io
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ekaasel_bench")

DASHBOARD_GOAL_MS = 100.0
PDF_GOAL_S = 5.0


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def signed_in_client(username: str) -> "object":
    """A test Client with `username` signed in and his second factor verified."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        sys.exit(f"{username} has no confirmed authenticator: run bench/generate.py first (it seeds the officials).")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def time_page(client: "object", url: str, requests: int, warmup: int) -> list[float]:
    """Milliseconds of each of `requests` GETs after `warmup` untimed ones; every answer must be 200."""
    times = []
    for index in range(warmup + requests):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"{url}: HTTP {response.status_code} (expected 200)")
        if index >= warmup:
            times.append(elapsed)
    return times


def ensure_static() -> None:
    """The production static storage needs its manifest: collect once into the benchmark's STATIC_ROOT."""
    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-r", "--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument("--pdf-only", action="store_true", help="time the yearly PDF only, not the dashboards")
    parser.add_argument("--pdf-runs", type=int, default=3, help="yearly reports built one after the other")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from ekaasel.core import clock
    from ekaasel.grievances.models import Grievance
    from ekaasel.reports.models import DailyFigures

    stored = Grievance.objects.count()
    daily_rows = DailyFigures.objects.count()
    today = clock.today()
    four_years = f"?start={date(today.year - 3, 1, 1).isoformat()}&end={today.isoformat()}"
    pages = [
        ("PMO dashboard (last 12 months)", "pmo", "/workspace/dashboard/"),
        ("PMO dashboard (4 years)", "pmo", "/workspace/dashboard/" + four_years),
        ("Secretary dashboard, Health", "moh-secretary", "/workspace/dashboard/"),
        ("Assessment dashboard", "assessor", "/workspace/dashboard/assessment/"),
        ("PMO queue, all grievances", "pmo", "/workspace/?queue=all"),
    ]
    print(f"grievances stored: {stored:,}   summary rows (daily): {daily_rows:,}   "
          f"database: {connection.settings_dict['NAME']}")
    if not args.pdf_only:
        ensure_static()
        print(f"{'page':<34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  {'goal p95':>8}  load average")
    for title, username, url in [] if args.pdf_only else pages:
        client = signed_in_client(username)
        times = time_page(client, url, args.requests, args.warmup)
        p95 = percentile(times, 0.95)
        verdict = "met" if p95 <= DASHBOARD_GOAL_MS else "MISSED"
        print(f"{title:<34} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f}  "
              f"{DASHBOARD_GOAL_MS:6.0f} {verdict:<6} {load_average()}")
    if not args.no_pdf:
        time_yearly_pdf(args.pdf_runs)


def time_yearly_pdf(runs: int) -> None:
    """Build the last whole year's report `runs` times in this process: figures, then the PDF."""
    from pypdf import PdfReader

    from ekaasel.core import clock
    from ekaasel.reports import periodic

    start, end = periodic.period_bounds("year", date(clock.today().year - 1, 6, 1))
    for run in range(1, runs + 1):
        started = time.perf_counter()
        data = periodic.build_report(start=start, end=end, now=clock.now())
        built = time.perf_counter()
        pdf = periodic.render_pdf(data)
        done = time.perf_counter()
        verdict = "met" if done - started <= PDF_GOAL_S else "MISSED"
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        note = " (loads WeasyPrint)" if run == 1 else ""
        print(f"yearly PDF {start.year} run {run}{note}: figures {built - started:.2f} s + PDF {done - built:.2f} s "
              f"= {done - started:.2f} s ({pages} pages, {len(pdf) / 1024:.0f} KiB), goal {PDF_GOAL_S:.0f} s: "
              f"{verdict}   load average {load_average()}")


if __name__ == "__main__":
    main()
