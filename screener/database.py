"""Per-backend connection settings and write transactions that never upgrade a read lock.

SQLite: WAL (readers never block the writer), a busy timeout, foreign keys on, and transactions
begun by us rather than by pysqlite, so savepoints work and a request that reads then writes can
start with ``BEGIN IMMEDIATE`` — a deferred transaction that later upgrades to a write fails with
"database is locked" under concurrency, whatever the busy timeout.
PostgreSQL: pool_pre_ping and pool sizes are set in ``create_app``.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15000
_IMMEDIATE = "sqlite_begin_immediate"


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__.split(".")[0] != "sqlite3":
        return
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Start this request's transaction as a write transaction.

    Call before the first query of a request that reads and then writes. On SQLite this takes
    the write lock up front (``BEGIN IMMEDIATE``); elsewhere it is a no-op. If the session already
    has a transaction, it is committed first so the new one starts clean.
    """
    session = db.session
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={_IMMEDIATE: True})
