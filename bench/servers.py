"""Databases and gunicorn processes for the benchmarks, always cleaned up by their owner.

Every server is started on 127.0.0.1 with a free port and stopped by its PID in a ``finally``
(the context managers below), so a failed or interrupted run leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = secrets.token_hex(32)
TIME = "/usr/bin/time"  # GNU time (Debian package "time") for peak RSS
# The real app with its per-IP start limit lifted: every virtual patient comes from 127.0.0.1.
APP_TARGET = "bench.app_entry:create_app()"
FLOOR_TARGET = "bench.floor_app:create_app()"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for the app (production settings unless ``extra`` says otherwise)."""
    env = dict(os.environ)
    env.update({"SCREENER_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": database_url,
                "RATELIMIT_STORAGE_URI": "memory://", "PYTHONUNBUFFERED": "1",
                "GUNICORN_ACCESS_LOG": os.environ.get("BENCH_ACCESS_LOG", "-")})
    env.update(extra)
    return env


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


def flask(env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 600,
          wrap: list[str] | None = None, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """Run ``flask --app screener ARGS`` (optionally under ``wrap``, e.g. /usr/bin/time -v)."""
    command = [*(wrap or []), str(BIN / "flask"), "--app", "screener", *args]
    result = subprocess.run(command, env=env, cwd=PROJECT_ROOT, input=stdin, text=True,
                            stdout=stdout, stderr=subprocess.PIPE, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({result.returncode}): "
                           f"{result.stderr[-2000:]}")
    return result


class Database:
    """A fresh, empty database: a SQLite file in a temporary folder or a new PostgreSQL DB."""

    def __init__(self, kind: str, admin_url: str | None = None):
        self.kind = kind
        self.admin_url = admin_url
        self.folder = Path(tempfile.mkdtemp(prefix="screener-bench-"))
        self.name = f"screener_bench_{uuid.uuid4().hex[:10]}"
        if kind == "sqlite":
            self.url = f"sqlite:///{self.folder / 'bench.sqlite3'}"
        else:
            self.url = _with_database(admin_url, self.name)

    @property
    def sqlalchemy_url(self) -> str:
        """The URL for SQLAlchemy (psycopg 3 for PostgreSQL)."""
        return self.url.replace("postgresql://", "postgresql+psycopg://", 1)

    def create(self) -> "Database":
        if self.kind == "postgresql":
            self._admin(f'CREATE DATABASE "{self.name}"')
        return self

    def migrate(self) -> "Database":
        """Run the app's migrations (``flask db upgrade``)."""
        flask(app_env(self.url, SCREENER_ENV="development"), "db", "upgrade")
        return self

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        for path in sorted(self.folder.glob("*")):
            path.unlink()
        self.folder.rmdir()

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(_plain(self.admin_url), autocommit=True) as connection:
            connection.execute(sql)


@contextmanager
def database(kind: str, admin_url: str | None = None, migrate: bool = True):
    """A fresh database for one measurement, dropped afterwards."""
    db = Database(kind, admin_url).create()
    try:
        yield db.migrate() if migrate else db
    finally:
        db.drop()


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py and 2 sync workers, like production."""

    def __init__(self, target: str, env: dict[str, str], log_folder: Path, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.target = target
        self.env = dict(env, GUNICORN_BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY=str(workers))
        self.log_path = log_folder / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, ready_path: str = "/healthz", timeout: float = 30) -> "Gunicorn":
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--config", str(PROJECT_ROOT / "gunicorn.conf.py"),
                 self.target], env=self.env, cwd=PROJECT_ROOT, stdout=log,
                stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + ready_path, timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        tail = self.log_path.read_text()[-2000:]
        self.stop()
        raise RuntimeError(f"gunicorn {self.target} did not start:\n{tail}")

    def stop(self) -> None:
        """Stop the master by its PID (it stops its workers), killing it if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def cpu_seconds(self) -> float | None:
        """CPU seconds used so far by the master and its workers, live and exited (Linux /proc).

        Unlike requests per second, CPU per request hardly moves when other work shares the
        machine. Exited workers (max_requests) count through the master's cutime/cstime.
        """
        if self.process is None:
            return None
        try:
            master = _proc_stat(self.process.pid)
            ticks = sum(master[11:15])  # utime, stime, cutime, cstime
            for path in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = _proc_stat(int(path.parent.name))
                except (OSError, ValueError):
                    continue  # a process that ended meanwhile
                if fields[1] == self.process.pid:
                    ticks += fields[11] + fields[12]
        except OSError:
            return None
        return ticks / os.sysconf("SC_CLK_TCK")

    def worker_restarts(self) -> int:
        """How many workers gunicorn booted beyond the first ones (max_requests recycling)."""
        booted = self.log_path.read_text().count("Booting worker")
        return max(0, booted - int(self.env["WEB_CONCURRENCY"]))


@contextmanager
def serving(target: str, env: dict[str, str], log_folder: Path, ready_path: str = "/healthz"):
    """A running gunicorn for the duration of the block; always stopped afterwards."""
    server = Gunicorn(target, env, log_folder)
    try:
        yield server.start(ready_path)
    finally:
        server.stop()


def _proc_stat(pid: int) -> list[int]:
    """The fields of /proc/PID/stat after the command name, as numbers (the state as 0): index
    1 is the parent PID, 11 to 14 are utime, stime, cutime and cstime in clock ticks."""
    text = Path(f"/proc/{pid}/stat").read_text()
    rest = text[text.rindex(")") + 2:].split()
    return [0] + [int(x) for x in rest[1:]]


def _plain(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def _with_database(url: str, name: str) -> str:
    head, _, tail = _plain(url).partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + ("?" + tail if tail else "")
