"""Per-backend connection settings and write transactions that never upgrade a read lock.

SQLite: WAL (readers never block the writer), a busy timeout, foreign keys on, and transactions
begun by us rather than by pysqlite, so savepoints work and a request that reads then writes can
start with ``BEGIN IMMEDIATE`` — a deferred transaction that later upgrades to a write fails with
"database is locked" under concurrency, whatever the busy timeout (in WAL mode the busy handler
is not even called when another connection wrote since our read began).

Every transaction of a POST/PUT/PATCH/DELETE request is therefore ``BEGIN IMMEDIATE`` on SQLite:
such requests read their row and then write it, and writes are serialised by SQLite anyway.
GET requests read in deferred transactions; one that also writes calls ``begin_write()`` first.
PostgreSQL: pool_pre_ping and pool sizes are set in ``create_app``.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15000
_IMMEDIATE = "sqlite_begin_immediate"
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
    immediate = connection.get_execution_options().get(_IMMEDIATE, False) or (
        has_request_context() and request.method not in READ_ONLY_METHODS)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Start this request's transaction as a write transaction.

    Call before the first query of a request that reads and then writes. On SQLite this takes
    the write lock up front (``BEGIN IMMEDIATE``); elsewhere it is a no-op. If the session already
    has a transaction, it is committed first so the new one starts clean.
    """
    session = db.session()  # the request's Session itself (the scoped proxy lacks in_transaction)
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={_IMMEDIATE: True})


def init_app(app: Flask) -> None:
    """Close each request's session safely. Call after ``db.init_app``: teardowns run in
    reverse order, so this one runs before Flask-SQLAlchemy's."""
    app.teardown_appcontext(close_session)


def close_session(exc: BaseException | None = None) -> None:
    """End the session; a connection that died meanwhile is discarded, not raised.

    Without this, a database restarted between a view's last query and the end of the request
    turns an already rendered page into a bare 500 (the rollback at teardown fails).
    """
    try:
        db.session.close()
    except SQLAlchemyError as error:
        current_app.logger.warning("database connection lost at teardown: %s",
                                   type(error).__name__)
        try:
            db.session().invalidate()
        except SQLAlchemyError:
            pass
