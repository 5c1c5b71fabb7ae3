"""Time staff queue searches on a kept PostgreSQL database (e.g. the million-row ``--scale``
database): ``python -m bench.queue_searches URL [--repeat N] [TERM ...]``.

Without terms it times the first page and the bench's search (one patient's email). The bench
admin is reset as in ``run.py --scale-database`` (made when missing); pages go through gunicorn
(2 workers), p50/p99 after two warm-up requests, as ``queue_bench.time_pages`` does.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from . import queue_bench, servers
from .load import Client


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="a PostgreSQL database already seeded (flask dev seed)")
    parser.add_argument("terms", nargs="*", help="searches to time (default: one email)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_intermixed_args(argv)
    logs = Path(tempfile.mkdtemp(prefix="screener-searches-"))
    with servers.kept_database(args.url) as db:
        try:
            queue_bench.create_staff(db, again=True)
        except RuntimeError:  # seeded by hand: no bench admin yet
            queue_bench.create_staff(db)
        with servers.serving(servers.APP_TARGET, servers.app_env(db.url), logs) as server:
            client = Client(server.url)
            queue_bench.login(client)
            terms = args.terms or [queue_bench.some_email(db)]
            urls = {"first page": "/staff/"} | {
                term: "/staff/?" + urlencode({"q": term}) for term in terms}
            pages = queue_bench.time_pages(client, urls, args.repeat)
            client.close()
    print(json.dumps(pages, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
