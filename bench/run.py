"""Run the benchmark suite: ``python bench/run.py [--full] [--only PART,...]`` (``make bench``).

Prints the targets table, writes every figure to bench/results/<timestamp>.json (git-ignored)
and the latest summary to bench/RESULTS.md. Servers and databases it creates are stopped and
dropped when it ends, however it ends.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from bench import (dashboard_bench, engine_bench, export_bench, mixed_bench,  # noqa: E402
                   queue_bench, report, scale_bench, servers, wizard_bench)
from screener.core.questionnaire import load  # noqa: E402

PARTS = ("startup", "engine", "wizard", "journeys", "mixed", "queue", "exports", "dashboard")
MIXED_PATIENTS = (4, 16)  # patients sending while a nurse reads (issue 22)
RESULTS = PROJECT_ROOT / "bench" / "results"
SIZES = {  # quick: a couple of minutes on 2 cores; full: longer runs, PostgreSQL for everything
    "quick": {"seconds": 6, "queue_repeat": 30, "engine_seconds": 1, "startup_runs": 5},
    "full": {"seconds": 20, "queue_repeat": 200, "engine_seconds": 3, "startup_runs": 10},
}


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="Longer runs; queue and exports on "
                        "PostgreSQL too; exports downloaded in full over HTTP.")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"Comma-separated parts to run (default all): {','.join(PARTS)}")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", ""),
                        help="PostgreSQL server URL (default: TEST_DATABASE_URL); each "
                             "measurement creates and drops its own database.")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only.")
    parser.add_argument("--users", type=int, default=32, help="Concurrent users for the step "
                        "benchmark and the larger screening run (default 32).")
    parser.add_argument("--queue-sizes", default="1000,100000",
                        help="Submissions seeded for the queue (the last is also exported).")
    parser.add_argument("--step", default="phq9", help="The wizard step to load (default phq9).")
    parser.add_argument("--seconds", type=float, help="Seconds per load phase (overrides mode).")
    parser.add_argument("--scale", type=int, metavar="N",
                        help="Instead of the parts: one PostgreSQL database of N submissions "
                             "(seeded in batches of 10,000); queue, dashboard and CSV export "
                             "at N (bench/scale_bench.py).")
    parser.add_argument("--scale-database", metavar="URL",
                        help="With --scale: measure this PostgreSQL database, seeded up to N "
                             "only if it holds fewer, and keep it afterwards (a second run "
                             "skips the seeding).")
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    args.mode = "full" if args.full else "quick"
    args.cfg = dict(SIZES[args.mode])
    if args.seconds:
        args.cfg["seconds"] = args.seconds
    args.sizes = tuple(int(s) for s in args.queue_sizes.split(","))
    if args.scale:
        if not (args.postgres or args.scale_database) or args.no_postgres:
            parser.error("--scale needs PostgreSQL (--postgres URL, TEST_DATABASE_URL or "
                         "--scale-database URL)")
        args.parts, args.sizes = ["scale"], (args.scale,)
    return args


def machine() -> dict:
    """Cores, memory and load: the figures are only comparable on the same machine."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cores": os.cpu_count(), "memory_gib": round(memory / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def revision() -> str:
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=PROJECT_ROOT,
                             capture_output=True, text=True, timeout=10).stdout.strip()
        return out or "unknown"
    except OSError:
        return "unknown"


class Suite:
    """Runs the parts, keeping going when one fails (its error is part of the results)."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.cfg = args.cfg
        self.questionnaire = load(PROJECT_ROOT / "questions.yaml")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.stamp = stamp
        self.logs = RESULTS / f"logs-{stamp}"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.results: dict = {"meta": {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "mode": args.mode, "parts": args.parts, "revision": revision(),
            "machine": machine(), "config": dict(self.cfg, users=args.users, step=args.step,
                                                 queue_sizes=list(args.sizes))}}

    def part(self, where: dict, key: str, measure) -> None:
        started = time.perf_counter()
        print(f"  {key} ...", end="", flush=True)
        try:
            where[key] = measure()
            print(f" {time.perf_counter() - started:.0f} s", flush=True)
        except Exception as error:  # noqa: BLE001 - recorded, and the other parts still run
            where[key] = {"error": f"{type(error).__name__}: {error}"[:3000]}
            print(f" FAILED ({type(error).__name__}: {str(error)[:300]})", flush=True)
            traceback.print_exc(file=(self.logs / f"{key}.traceback").open("a"))

    def run(self) -> dict:
        parts, q = self.args.parts, self.questionnaire
        if self.args.scale:
            return self.run_at_scale()
        scratch = servers.Database("sqlite")  # a path only; nothing is created for these two
        try:
            if "startup" in parts:
                self.part(self.results, "startup",
                          lambda: engine_bench.startup(scratch.url, self.cfg["startup_runs"]))
            if "engine" in parts:
                self.results["engine"] = {}
                sets = engine_bench.answer_sets(q, 10_000)
                self.part(self.results["engine"], "in_process",
                          lambda: engine_bench.in_process(q, sets, self.cfg["engine_seconds"]))
                self.part(self.results["engine"], "cli", lambda: engine_bench.cli(sets, scratch.url))
        finally:
            scratch.drop()
        for kind in self.kinds():
            print(f"{kind}:", flush=True)
            self.results[kind] = {}
            self.database_parts(kind, self.results[kind])
        self.results["meta"]["machine"]["load_average_at_end"] = [
            round(x, 2) for x in os.getloadavg()]
        return self.results

    def run_at_scale(self) -> dict:
        print("postgresql:", flush=True)
        database = (servers.kept_database(self.args.scale_database) if self.args.scale_database
                    else servers.database("postgresql", self.args.postgres))
        with database as db:
            self.part(self.results, "postgresql", lambda: scale_bench.measure_at_scale(
                db, self.logs, self.questionnaire, self.args.scale, self.cfg["queue_repeat"]))
        self.results["meta"]["machine"]["load_average_at_end"] = [
            round(x, 2) for x in os.getloadavg()]
        return self.results

    def kinds(self) -> list[str]:
        kinds = ["sqlite"]
        if self.args.postgres and not self.args.no_postgres:
            kinds.append("postgresql")
        return kinds

    def database_parts(self, kind: str, base: dict) -> None:
        parts, q, cfg, users = self.args.parts, self.questionnaire, self.cfg, self.args.users
        admin = self.args.postgres
        seconds, budget = cfg["seconds"], 1_000_000
        if "wizard" in parts:
            def step_vs_floor():
                with servers.database(kind, admin) as app_db, \
                        servers.database(kind, admin, migrate=False) as floor_db:
                    return wizard_bench.measure_step_vs_floor(
                        app_db, floor_db, self.logs, q, self.args.step, users, seconds, budget)
            self.part(base, "step_vs_floor", step_vs_floor)
            base.update(base.pop("step_vs_floor") if "error" not in base["step_vs_floor"]
                        else {"step": base.pop("step_vs_floor")})
        if "journeys" in parts:
            base["journeys"] = {}
            # A journey is ~27 requests: a longer window keeps the last, unfinished ones small.
            counts = {8, users} if kind == "sqlite" or self.args.full else {users}
            for count in sorted(counts):
                def journeys(count=count):
                    with servers.database(kind, admin) as db:
                        return wizard_bench.measure_journeys(db, self.logs, q, count,
                                                             2 * seconds, budget)
                self.part(base["journeys"], str(count), journeys)
        if "mixed" in parts:
            base["mixed"] = {}
            for count in MIXED_PATIENTS:
                def mixed(count=count):
                    with servers.database(kind, admin) as db:
                        return mixed_bench.measure_mixed(db, self.logs, q, count, 2 * seconds,
                                                         budget)
                self.part(base["mixed"], str(count), mixed)
        at_scale = kind == "sqlite" or self.args.full
        if at_scale and ("queue" in parts or "exports" in parts or "dashboard" in parts):
            with servers.database(kind, admin) as db:
                self.scale_parts(db, base)

    def scale_parts(self, db: servers.Database, base: dict) -> None:
        parts, sizes = self.args.parts, self.args.sizes
        if "queue" in parts:
            self.part(base, "queue", lambda: queue_bench.measure_queue(
                db, self.logs, self.questionnaire, sizes, self.cfg["queue_repeat"]))
        seeded = "queue" in parts and "error" not in base.get("queue", {})
        if not seeded and ("exports" in parts or "dashboard" in parts):
            queue_bench.create_staff(db)
            queue_bench.seed(db, sizes[-1])
        if "dashboard" in parts:
            self.part(base, "dashboard", lambda: dashboard_bench.measure_dashboard(
                db, self.logs, sizes[-1], self.cfg["queue_repeat"]))
        if "exports" in parts:
            self.part(base, "exports", lambda: export_bench.measure_exports(
                db, self.logs, db.folder, sizes[-1], read_all=self.args.full))


def write(results: dict, stamp: str) -> tuple[Path, str]:
    """JSON in bench/results/, the summary in bench/RESULTS.md; returns the JSON path and table."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    rows = report.rows_for(results)
    table = report.table(rows)
    meta, m = results["meta"], results["meta"]["machine"]
    errors = [f"- {where}: {value['error']}" for where, value in _errors(results)]
    summary = "\n".join([
        "# Benchmark results (latest run)", "",
        f"`python bench/run.py{' --full' if meta['mode'] == 'full' else ''}"
        f"{' --scale ' + str(meta['config']['queue_sizes'][0]) if 'scale' in meta['parts'] else ''}"
        f"` — {meta['date']}, "
        f"revision {meta['revision']}, {m['cores']} cores, {m['memory_gib']} GiB, Python "
        f"{m['python']}; load average {m['load_average_at_start']} at start, "
        f"{m.get('load_average_at_end')} at end.", "",
        "Ratios compare the app with the stack floor measured in the same run "
        "(see bench/README.md).", "", table, report.details(results), "",
        *(["## Parts that failed", "", *errors, ""] if errors else []),
    ])
    (PROJECT_ROOT / "bench" / "RESULTS.md").write_text(summary + "\n")
    return path, table


def _errors(node: dict, where: str = ""):
    for key, value in node.items():
        if isinstance(value, dict):
            if "error" in value and isinstance(value["error"], str):
                yield f"{where}{key}", value
            else:
                yield from _errors(value, f"{where}{key}.")


def main(argv: list[str] | None = None) -> int:
    args = arguments(sys.argv[1:] if argv is None else argv)
    suite = Suite(args)
    print(f"benchmark ({args.mode}): parts {', '.join(args.parts)}; logs in {suite.logs}")
    started = time.perf_counter()
    results = suite.run()
    results["meta"]["seconds"] = round(time.perf_counter() - started)
    path, table = write(results, suite.stamp)
    print("\n" + table + "\n")
    print(f"{results['meta']['seconds']} s; figures in {path}; summary in bench/RESULTS.md")
    return 1 if any(True for _ in _errors(results)) else 0


if __name__ == "__main__":
    sys.exit(main())
