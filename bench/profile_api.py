"""Where the time of one filing and one tracking request goes: queries, CPU per request, and a cProfile.

    .venv/bin/python bench/profile_api.py [--database ekaasel_bench_10k] [-n 200] [--top 25] [--only file,track]
                                          [--timer cpu|wall] [--sort tottime|cumulative] [--access-log]
                                          [--callees REGEX]

Sends requests straight to Django's WSGI handler (the full middleware stack of bench/settings.py, as gunicorn
calls it, without the network or the test client), counts the SQL statements of one request of each kind and
lists them, measures N requests without the profiler (wall and CPU time of this process per request), then
profiles N more and prints the functions with the most time. `--timer cpu` (the default) profiles with the
process's CPU clock, so waiting for PostgreSQL does not count and the list shows what Python spends.
`--access-log` writes the access-log lines (JSON, to /dev/null) as production does at LOG_LEVEL=INFO.
Not a test; it files real grievances.
"""

import argparse
import cProfile
import io
import logging
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def wsgi_environ(method: str, path: str, headers: dict[str, str], body: str) -> dict[str, Any]:
    """The environ a WSGI server hands over for this request."""
    data = body.encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1", "CONTENT_LENGTH": str(len(data)),
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    for name, value in headers.items():
        if name.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def print_by_package(stats: pstats.Stats) -> None:
    """Own time summed by package (django/db, ninja, pydantic, ekaasel/api, ...): where the CPU goes."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
        path = filename.replace("\\", "/")
        if "site-packages/" in path:
            parts = path.split("site-packages/", 1)[1].split("/")
            package = "/".join(parts[:2]) if parts[0] == "django" else parts[0]
        elif "/ekaasel/" in path:
            package = "ekaasel/" + path.split("/ekaasel/", 1)[1].split("/")[0]
        elif path.startswith("~") or path.startswith("<"):
            package = "builtins"
        else:
            package = "python: " + Path(path).stem
        totals[package] = totals.get(package, 0.0) + row[2]
    whole = sum(totals.values()) or 1.0
    for package, seconds in sorted(totals.items(), key=lambda item: -item[1])[:25]:
        print(f"  {seconds / whole * 100:5.1f} %  {package}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="ekaasel_bench_10k")
    parser.add_argument("-n", "--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", default="file,track", help="file, track or both")
    parser.add_argument("--timer", choices=("cpu", "wall"), default="cpu", help="the profiler's clock")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative, ...)")
    parser.add_argument("--access-log", action="store_true", help="write the access log as production does")
    parser.add_argument("--callees", default="", help="also list what the functions matching this regex call")
    parser.add_argument("--by-package", action="store_true", help="also sum the own time of functions by package")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ekaasel_bench").rpartition("/")[0]
    os.environ["DATABASE_URL"] = f"{server}/{args.database}"
    # As http_stack.py runs gunicorn: warnings only, unless the access log is asked for.
    os.environ["LOG_LEVEL"] = "INFO" if args.access_log else "WARNING"

    import django

    django.setup()
    if args.access_log:
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.dashboards import ensure_static
    from bench.http_stack import filing_requests, sample_application_ids

    ensure_static()
    handler = WSGIHandler()
    total = 2 * args.requests + 2
    filings = filing_requests(total)
    ids = sample_application_ids(os.environ["DATABASE_URL"], total)

    def call(method: str, path: str, headers: dict[str, str], body: str) -> int:
        status: list[str] = []
        response = handler(wsgi_environ(method, path, headers, body),
                           lambda s, h, *exc: status.append(s))  # type: ignore[arg-type,return-value]
        b"".join(response)
        response.close()  # request_finished, as the server does
        return int(status[0].split()[0])

    def file(index: int) -> int:
        return call(*filings[index % len(filings)])

    def track(index: int) -> int:
        return call("GET", f"/api/v1/grievances/{ids[index % len(ids)]}", {}, "")

    timer: Callable[[], float] = time.process_time if args.timer == "cpu" else time.perf_counter
    kinds = {"file": ("filing", file, 201), "track": ("tracking", track, 200)}
    for kind in args.only.split(","):
        title, request, expect = kinds[kind]
        request(0)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            status = request(1)
        if status != expect:
            sys.exit(f"{title}: HTTP {status}, expected {expect}")
        print(f"\n== {title}: {len(queries.captured_queries)} SQL statements in one request")
        for query in queries.captured_queries:
            print(f"  {float(query['time']) * 1000:6.2f} ms  {query['sql'][:150]}")
        n = args.requests
        wall, cpu = time.perf_counter(), time.process_time()
        for index in range(2, n + 2):
            request(index)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(f"== {title}: {n} requests, {wall / n * 1000:.2f} ms wall and {cpu / n * 1000:.2f} ms CPU of this "
              f"process per request ({n / wall:.0f}/s in one process; load average {load})")
        profiler = cProfile.Profile(timer)
        profiler.enable()
        for index in range(n + 2, 2 * n + 2):
            request(index)
        profiler.disable()
        print(f"== {title}: cProfile of {n} more, {args.timer} clock, by {args.sort}")
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(args.top)
        if args.callees:
            stats.print_callees(args.callees)
        if args.by_package:
            print_by_package(stats)


if __name__ == "__main__":
    main()
