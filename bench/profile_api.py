"""Where the time of one filing and one tracking request goes: queries, and a cProfile of the whole stack.

    .venv/bin/python bench/profile_api.py [--database ekaasel_bench] [-n 200] [--top 25]

Sends requests through Django's test Client (the full middleware stack of bench/settings.py, no network),
counts the SQL statements of one request of each kind and lists them, then profiles N requests of each and
prints the functions with the most cumulative time. Not a test; it files real grievances.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="ekaasel_bench_10k")
    parser.add_argument("-n", "--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ekaasel_bench").rpartition("/")[0]
    os.environ["DATABASE_URL"] = f"{server}/{args.database}"

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.dashboards import ensure_static
    from bench.http_stack import filing_requests, sample_application_ids

    ensure_static()
    client = Client()
    filings = filing_requests(args.requests + 1)
    ids = sample_application_ids(os.environ["DATABASE_URL"], args.requests + 1)

    def file(index: int) -> int:
        _method, path, headers, body = filings[index]
        response = client.post(path, data=body, content_type=headers["Content-Type"],
                               headers={"Authorization": headers["Authorization"]})
        return int(response.status_code)

    def track(index: int) -> int:
        return int(client.get(f"/api/v1/grievances/{ids[index % len(ids)]}").status_code)

    for title, call, expect in (("filing", file, 201), ("tracking", track, 200)):
        call(0)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            status = call(1)
        if status != expect:
            sys.exit(f"{title}: HTTP {status}, expected {expect}")
        print(f"\n== {title}: {len(queries.captured_queries)} SQL statements in one request")
        for query in queries.captured_queries:
            print(f"  {float(query['time']) * 1000:6.2f} ms  {query['sql'][:150]}")
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for index in range(2, args.requests):
            call(index % len(filings))
        profiler.disable()
        elapsed = time.perf_counter() - started
        print(f"== {title}: {args.requests - 2} requests in {elapsed:.2f} s "
              f"({(args.requests - 2) / elapsed:.0f}/s in one process, under the profiler)")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
