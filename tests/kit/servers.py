"""gunicorn on a free loopback port, the environment it runs with, and ``flask`` CLI runs.

Every process started here is stopped by its own PID; nothing is ever looked up or killed by name.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "server-test-secret-key-0123456789abcdef0123"
APP = "screener:create_app()"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, environment: str = "production", **extra: str) -> dict:
    """Environment for a server or CLI process: production settings unless told otherwise.

    The rate-limit store is TEST_REDIS_URL when set (pass ``RATELIMIT_STORAGE_URI`` to choose).
    """
    env = dict(os.environ)
    env.update({
        "SCREENER_ENV": environment,
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": os.environ.get("TEST_REDIS_URL") or "memory://",
        "TRUSTED_HOSTS": "127.0.0.1,localhost",  # the hosts tests reach servers by
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("FLASK_ENV", None)
    env.update(extra)
    return env


def flask_cli(env: dict, *args: str, input_text: str | None = None, timeout: float = 120,
              check: bool = False, wrap: list[str] | None = None, stdout=subprocess.PIPE):
    """Run ``flask --app screener ARGS`` (under ``wrap``, e.g. ``/usr/bin/time -v``, if given).

    Returns the completed process (text); with ``check``, a failure raises RuntimeError.
    """
    result = subprocess.run([*(wrap or []), str(BIN / "flask"), "--app", "screener", *args],
                            env=env, cwd=PROJECT_ROOT, input=input_text, text=True,
                            stdout=stdout, stderr=subprocess.PIPE, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({result.returncode}): "
                           f"{result.stderr[-2000:]}")
    return result


def migrated_env(database_url: str, **extra: str) -> dict:
    """Server environment for ``database_url`` after running ``flask db upgrade`` on it."""
    env = server_env(database_url, **extra)
    result = flask_cli(env, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    return env


def wait_until(condition, timeout: float, interval: float = 0.1) -> bool:
    """True as soon as ``condition()`` is true, False if it is still false after ``timeout``
    seconds: how tests wait for a state (a log line, a restarted worker), never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def wait_for(url: str, timeout: float, process: subprocess.Popen | None = None) -> bool:
    """True once ``url`` answers 200 within ``timeout`` seconds (False if ``process`` ends)."""
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
    """gunicorn with the project's gunicorn.conf.py on a free port (``APP`` unless told).

    ``start`` waits until ``ready_path`` answers 200 and every worker has booted; ``stop`` ends
    the master by its PID (its workers exit with it).
    """

    def __init__(self, env: dict, log_path: Path, workers: int = 2, target: str = APP):
        """``log_path``: the file for gunicorn's output, or a folder to hold gunicorn-PORT.log."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(env, GUNICORN_BIND=f"127.0.0.1:{self.port}",
                        WEB_CONCURRENCY=str(workers))
        self.workers = workers
        self.target = target
        self.log_path = Path(log_path)
        if self.log_path.is_dir():
            self.log_path = self.log_path / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 30, ready_path: str = "/healthz") -> "GunicornServer":
        """Start and wait until every worker has booted and ``ready_path`` answers."""
        self._log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", str(PROJECT_ROOT / "gunicorn.conf.py"),
             self.target],
            env=self.env, cwd=PROJECT_ROOT, stdout=self._log, stderr=subprocess.STDOUT,
        )
        ready = wait_for(self.url + ready_path, timeout, self.process)
        # Every worker booted (bounded by the same timeout; a slow one is not an error here).
        wait_until(lambda: not ready or len(self.worker_pids()) >= self.workers, timeout)
        if not ready:
            self.stop()
            raise RuntimeError(f"gunicorn {self.target} did not start; log:\n"
                               f"{self.log_text()[-3000:]}")
        return self

    def worker_pids(self) -> list[int]:
        """The PIDs of this master's worker processes (its children, read from /proc)."""
        if self.process is None:
            return []
        children = []
        for path in Path("/proc").glob("[0-9]*/stat"):
            try:
                if _proc_stat(int(path.parent.name))[1] == self.process.pid:
                    children.append(int(path.parent.name))
            except (OSError, ValueError):
                continue  # a process that ended meanwhile
        return sorted(children)

    def kill_worker(self, pid: int) -> None:
        """SIGKILL one of this server's workers (refuses any other PID)."""
        if pid not in self.worker_pids():
            raise ValueError(f"{pid} is not a worker of gunicorn {self.process.pid}")
        os.kill(pid, signal.SIGKILL)

    def log_text(self) -> str:
        """Everything the server wrote so far (access log, error log, app log)."""
        if self._log is not None and not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

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
        return max(0, self.log_text().count("Booting worker") - self.workers)

    def stop(self) -> None:
        """Stop the master by PID (graceful, then SIGKILL); its workers exit with it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None and not self._log.closed:
            self._log.close()


def _proc_stat(pid: int) -> list[int]:
    """The fields of /proc/PID/stat after the command name, as numbers (the state as 0): index
    1 is the parent PID, 11 to 14 are utime, stime, cutime and cstime in clock ticks."""
    text = Path(f"/proc/{pid}/stat").read_text()
    rest = text[text.rindex(")") + 2:].split()
    return [0] + [int(x) for x in rest[1:]]
