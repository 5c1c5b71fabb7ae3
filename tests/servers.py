"""Real servers for tests: gunicorn on a free loopback port, and a private PostgreSQL instance.

Every process started here is stopped by its own PID; nothing is ever looked up or killed by name.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET = "server-test-secret-key-0123456789abcdef0123"
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, environment: str = "production", **extra: str) -> dict:
    """Environment for a server process: production settings unless told otherwise."""
    env = dict(os.environ)
    env.update({
        "SCREENER_ENV": environment,
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": os.environ.get("TEST_REDIS_URL") or "memory://",
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("FLASK_ENV", None)
    env.update(extra)
    return env


def flask_cli(env: dict, *args: str, input_text: str | None = None, timeout: float = 120):
    """Run ``flask --app screener ARGS`` as a subprocess; return the completed process."""
    return subprocess.run([str(BIN / "flask"), "--app", "screener", *args], env=env,
                          cwd=PROJECT_ROOT, input=input_text, capture_output=True, text=True,
                          timeout=timeout)


def wait_for(url: str, timeout: float, process: subprocess.Popen | None = None) -> bool:
    """True once ``url`` answers 200 within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        if process is not None and process.poll() is not None:
            return False
        time.sleep(0.2)
    return False


class GunicornServer:
    """``gunicorn screener:create_app()`` with the project's gunicorn.conf.py on a free port."""

    def __init__(self, env: dict, log_path: Path, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(env, GUNICORN_BIND=f"127.0.0.1:{self.port}",
                        WEB_CONCURRENCY=str(workers))
        self.workers = workers
        self.log_path = Path(log_path)
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 30) -> "GunicornServer":
        """Start and wait until every worker has booted and /healthz answers."""
        self._log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", str(PROJECT_ROOT / "gunicorn.conf.py"),
             "screener:create_app()"],
            env=self.env, cwd=PROJECT_ROOT, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        ready = wait_for(self.url + "/healthz", timeout, self.process)
        while ready and len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.1)
        if not ready:
            self.stop()
            raise RuntimeError(f"gunicorn did not start; log:\n{self.log_text()[-3000:]}")
        return self

    def worker_pids(self) -> list[int]:
        """The PIDs of this master's worker processes (its children, read from /proc)."""
        if self.process is None:
            return []
        children = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.split("/")[2]))
        return sorted(children)

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one of this server's workers (refuses any other PID)."""
        if pid not in self.worker_pids():
            raise ValueError(f"{pid} is not a worker of gunicorn {self.process.pid}")
        os.kill(pid, signal.SIGKILL)

    def log_text(self) -> str:
        """Everything the server wrote so far (access log, error log, app log)."""
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Stop the master by PID (graceful, then SIGKILL); its workers exit with it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self._log is not None and not self._log.closed:
            self._log.close()


def postgres_bindir() -> Path | None:
    """Debian's PostgreSQL server binaries (the newest installed version), if any."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temporary folder on a free port, owned by the test.

    initdb refuses to run as root, so as root the cluster runs as the ``postgres`` system user.
    Only this cluster is ever stopped; the machine's shared server is never touched.
    """

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found in /usr/lib/postgresql")
        self.root = Path(tempfile.mkdtemp(prefix="screener-pg-"))
        self.data = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self.port = free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            self._as_user = ["runuser", "-u", "postgres", "--"]
            self.root.chmod(0o755)
            shutil.chown(self.root, "postgres", "postgres")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        result = subprocess.run([*self._as_user, *args], capture_output=True, text=True,
                                timeout=timeout, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}\n{result.stderr}")

    def init(self) -> "PrivatePostgres":
        """Create the cluster (trust authentication, loopback only)."""
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--encoding=UTF8", "--no-sync", "--locale=C.UTF-8")
        return self

    def start(self) -> None:
        """Start the cluster and wait until it accepts connections."""
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                   "-c fsync=off -c max_connections=60")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.logfile),
                  "-o", options, "-w", "-t", "30", "start")

    def stop(self) -> None:
        """Stop the cluster at once (``-m fast``: open connections are cut, as in an outage)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                  "-t", "30", "stop")

    def running(self) -> bool:
        """Whether this cluster's postmaster is up."""
        return (self.data / "postmaster.pid").exists()

    def create_database(self, name: str) -> str:
        """Create database ``name``; return its SQLAlchemy-style URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        """Stop the cluster if it runs and delete its folder."""
        try:
            if self.running():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
