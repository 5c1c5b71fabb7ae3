"""PostgreSQL for tests and benchmarks: URLs, throwaway databases, a private cluster.

URLs come in two spellings: libpq's ``postgresql://`` (psycopg, ``DATABASE_URL``) and
SQLAlchemy's ``postgresql+psycopg://``. The functions here accept either.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from tests.kit.servers import free_port

_SCHEME = re.compile(r"^postgres(ql)?(\+\w+)?://")


def plain_url(url: str) -> str:
    """The libpq spelling (no SQLAlchemy driver suffix)."""
    return _SCHEME.sub("postgresql://", url)


def sqlalchemy_url(url: str) -> str:
    """The SQLAlchemy spelling, with the psycopg 3 driver."""
    return _SCHEME.sub("postgresql+psycopg://", url)


def with_database(url: str, name: str) -> str:
    """``url`` (libpq spelling) pointing at database ``name`` instead, query string kept."""
    head, _, tail = plain_url(url).partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + ("?" + tail if tail else "")


def unique_name(prefix: str) -> str:
    """A database name nobody else uses: ``prefix`` and 12 random hex digits."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` on the server of ``server_url`` (a copy of database ``template``
    when given, which nobody may be connected to); return its (libpq) URL."""
    copy = f' TEMPLATE "{template}"' if template else ""
    admin(server_url, f'CREATE DATABASE "{name}"{copy}')
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` (cutting its connections) if it exists."""
    admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def admin(server_url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE DATABASE, roles, grants) as the URL's
    user, on the database the URL names."""
    import psycopg

    with psycopg.connect(plain_url(server_url), autocommit=True) as connection:
        connection.execute(sql)


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
        """Create database ``name``; return its URL."""
        return create_database(self.url, name)

    def destroy(self) -> None:
        """Stop the cluster if it runs and delete its folder."""
        try:
            if self.running():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
