"""Databases and gunicorn processes for the benchmarks, always cleaned up by their owner.

gunicorn, the server environment and ``flask`` runs come from the test kit (tests/kit/servers.py);
what is added here is the benchmarks' own: their app targets, timed subprocesses and a fresh
database per measurement. Every server is stopped by its PID in a ``finally`` (the context
managers below), so a failed or interrupted run leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import resource
import secrets
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tests.kit import postgres
from tests.kit.servers import BIN, PROJECT_ROOT, GunicornServer, flask_cli, server_env  # noqa: F401

SECRET = secrets.token_hex(32)
TIME = "/usr/bin/time"  # GNU time (Debian package "time") for peak RSS
# The real app with its per-IP start limit lifted: every virtual patient comes from 127.0.0.1.
APP_TARGET = "bench.app_entry:create_app()"
FLOOR_TARGET = "bench.floor_app:create_app()"


# Production refuses per-process limit counters with several workers (gunicorn.conf.py), so the
# app under test shares its counters in Redis, as a deployment does.
RATE_LIMIT_STORE = os.environ.get("BENCH_REDIS_URL") or os.environ.get(
    "TEST_REDIS_URL") or "redis://127.0.0.1:6379/14"


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for the app (production settings unless ``extra`` says otherwise)."""
    return server_env(database_url, **{
        "SECRET_KEY": SECRET, "RATELIMIT_STORAGE_URI": RATE_LIMIT_STORE,
        "GUNICORN_ACCESS_LOG": os.environ.get("BENCH_ACCESS_LOG", "-"), **extra})


def timed_process(command: list[str], env: dict, stdout=subprocess.DEVNULL,
                  timeout: float = 1800) -> dict:
    """Wall and CPU seconds and peak RSS (MiB) of a command, from ``/usr/bin/time -v``.

    CPU seconds stay meaningful when other work shares the machine; wall seconds do not.
    Without GNU time (``apt-get install time``) the figures come from getrusage, whose peak RSS
    is the largest of any child so far: an upper bound.
    """
    wrap = [TIME, "-v"] if os.path.exists(TIME) else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([*wrap, *command], env=env, cwd=PROJECT_ROOT, stdout=stdout,
                            stderr=subprocess.PIPE, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr[-2000:]}")
    found = dict(re.findall(r"^\s*(Maximum resident set size \(kbytes\)|User time \(seconds\)|"
                            r"System time \(seconds\)): ([\d.]+)$", result.stderr, re.M))
    if not wrap:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        found = {"Maximum resident set size (kbytes)": str(after.ru_maxrss),
                 "User time (seconds)": after.ru_utime - before.ru_utime,
                 "System time (seconds)": after.ru_stime - before.ru_stime}
    rss = found.get("Maximum resident set size (kbytes)")
    cpu = sum(float(found.get(k, 0)) for k in ("User time (seconds)", "System time (seconds)"))
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 2),
            "peak_rss_mib": round(int(rss) / 1024, 1) if rss else None}


def flask(env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 600):
    """Run ``flask --app screener ARGS``; a failure raises RuntimeError."""
    return flask_cli(env, *args, input_text=stdin, timeout=timeout, check=True)


class Database:
    """A fresh, empty database: a SQLite file in a temporary folder or a new PostgreSQL DB."""

    def __init__(self, kind: str, admin_url: str | None = None):
        self.kind = kind
        self.admin_url = admin_url
        self.folder = Path(tempfile.mkdtemp(prefix="screener-bench-"))
        self.name = postgres.unique_name("screener_bench")
        if kind == "sqlite":
            self.url = f"sqlite:///{self.folder / 'bench.sqlite3'}"
        else:
            self.url = postgres.with_database(admin_url, self.name)

    @property
    def sqlalchemy_url(self) -> str:
        """The URL for SQLAlchemy (psycopg 3 for PostgreSQL)."""
        return postgres.sqlalchemy_url(self.url) if self.kind == "postgresql" else self.url

    def create(self) -> "Database":
        if self.kind == "postgresql":
            postgres.create_database(self.admin_url, self.name)
        return self

    def migrate(self) -> "Database":
        """Run the app's migrations (``flask db upgrade``)."""
        flask(app_env(self.url, SCREENER_ENV="development"), "db", "upgrade")
        return self

    def drop(self) -> None:
        if self.kind == "postgresql":
            postgres.drop_database(self.admin_url, self.name)
        for path in sorted(self.folder.glob("*")):
            path.unlink()
        self.folder.rmdir()


@contextmanager
def database(kind: str, admin_url: str | None = None, migrate: bool = True):
    """A fresh database for one measurement, dropped afterwards."""
    db = Database(kind, admin_url).create()
    try:
        yield db.migrate() if migrate else db
    finally:
        db.drop()


@contextmanager
def kept_database(url: str):
    """An existing PostgreSQL database (``run.py --scale-database``): used as it is, migrated
    to the head, never dropped, so a million seeded rows can be measured again."""
    db = Database("postgresql", url)
    db.url = url
    try:
        yield db.migrate()
    finally:
        for path in sorted(db.folder.glob("*")):
            path.unlink()
        db.folder.rmdir()


@contextmanager
def serving(target: str, env: dict[str, str], log_folder: Path, ready_path: str = "/healthz"):
    """gunicorn (2 sync workers, like production) running ``target`` for the block; always
    stopped afterwards. Its output goes to ``log_folder``/gunicorn-PORT.log."""
    server = GunicornServer(env, log_folder, target=target)
    try:
        yield server.start(ready_path=ready_path)
    finally:
        server.stop()
