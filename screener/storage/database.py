"""Per-backend connection settings and write transactions that never upgrade a read lock.

SQLite: WAL (readers never block the writer), a busy timeout, foreign keys on, and transactions
begun by us rather than by pysqlite, so savepoints work and a request that reads then writes can
start with ``BEGIN IMMEDIATE`` — a deferred transaction that later upgrades to a write fails with
"database is locked" under concurrency, whatever the busy timeout (in WAL mode the busy handler
is not even called when another connection wrote since our read began).

Every transaction of a POST/PUT/PATCH/DELETE request is therefore ``BEGIN IMMEDIATE`` on SQLite:
such requests read their row and then write it, and writes are serialised by SQLite anyway. The
web layer decides which requests those are (``web.transactions`` calls ``expect_writes()``);
GET requests read in deferred transactions; one that also writes calls ``begin_write()`` first.

The wizard's draft is read and written on ``autocommit_connection()``: a connection of its own,
outside the Session, where each statement commits on its own. Nothing is locked while a request
works in Python, no BEGIN or ROLLBACK is sent, and the Session's machinery (a third of a small
page's database time) is skipped; its writes are single UPDATEs guarded by their own conditions
(see ``drafts``), and writes that must commit together use the Session and ``begin_write()``.

What this module keeps per app context (the write flag, the autocommit connection) is scoped
exactly as Flask-SQLAlchemy scopes ``db.session``, and ended with it by ``close_session``.

PostgreSQL: pool sizes are set in ``create_app``. A pooled connection is pinged before use only
when it has been idle for more than a second (``ping_idle_connections``): after a database
restart every connection has been idle at least that long, and a busy worker's connections are
not pinged on every request (SQLAlchemy's ``pool_pre_ping`` costs a round trip per request).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.util import ScopedRegistry

from screener.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15000
PING_AFTER_IDLE_SECONDS = 1.0
_IMMEDIATE = "sqlite_begin_immediate"
_NO_TRANSACTION = "sqlite_no_transaction"
log = logging.getLogger(__name__)


@dataclass
class _Scope:
    """What one app context (a request, a command) holds here besides its Session."""

    writes: bool = False  # its transactions begin as writes (``expect_writes``)
    autocommit: Connection | None = None


# Keyed like db.session (Flask-SQLAlchemy scopes it to the app context), cleared by close_session.
_scopes: ScopedRegistry[_Scope] = ScopedRegistry(
    _Scope, lambda: db.session.registry.scopefunc())


def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    options = connection.get_execution_options()
    if options.get(_NO_TRANSACTION):
        return  # autocommit: pysqlite (isolation_level None) runs each statement on its own
    immediate = options.get(_IMMEDIATE, False) or _writes_expected()
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _writes_expected() -> bool:
    try:
        return _scopes.has() and _scopes().writes
    except RuntimeError:  # no app context: the engine is used outside the app
        return False


def expect_writes() -> None:
    """Begin this app context's transactions as writes (``BEGIN IMMEDIATE`` on SQLite).

    The web layer calls it for every request whose method may write (not GET/HEAD/OPTIONS).
    """
    _scopes().writes = True


def autocommit_connection() -> Connection:
    """This request's connection outside the Session, each statement committed on its own
    (closed when the request ends)."""
    scope = _scopes()
    connection = scope.autocommit
    if connection is None or connection.closed:
        engine = db.engine
        if engine.dialect.name == "sqlite":
            # Not SQLAlchemy's AUTOCOMMIT level: resetting it on check-in would turn pysqlite's
            # own transaction handling back on, which _sqlite_begin relies on being off.
            options = {_NO_TRANSACTION: True}
        else:
            options = {"isolation_level": "AUTOCOMMIT"}
        connection = scope.autocommit = engine.connect().execution_options(**options)
    return connection


def begin_write() -> None:
    """Start this request's transaction as a write transaction.

    Call before the first query of a request that reads and then writes. If the session already
    has a transaction, it is committed first so the new one starts clean. On SQLite the new
    transaction takes the write lock up front (``BEGIN IMMEDIATE``).
    """
    session = db.session()  # the request's Session itself (the scoped proxy lacks in_transaction)
    if session.in_transaction():
        session.commit()
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={_IMMEDIATE: True})


def _private_sqlite_file(uri: str, instance_path: Path) -> None:
    """Create a new SQLite database file 0600 in a 0700 folder (instance/ is always made
    0700): it holds patients' answers, and SQLite would create it 0644 under the usual umask."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return
    path = Path(url.database)
    try:
        if path.parent.resolve() == instance_path.resolve():
            instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
            instance_path.chmod(0o700)
        if path.parent.is_dir() and not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            path.chmod(0o600)  # whatever the umask; the -wal and -shm files copy the mode
    except OSError:
        pass  # a read-only or shared folder: SQLite itself says what is wrong on first use


def init_app(app: Flask) -> None:
    """Bind the per-backend listeners to the app's engines; close each app context's session
    safely. Call after ``db.init_app``: teardowns run in reverse order, so this one runs before
    Flask-SQLAlchemy's."""
    app.teardown_appcontext(close_session)
    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"], Path(app.instance_path))
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite" and engine.dialect.driver == "pysqlite":
                event.listen(engine, "connect", _sqlite_on_connect)
                event.listen(engine, "begin", _sqlite_begin)
            elif engine.dialect.name == "postgresql":
                ping_idle_connections(engine)


def ping_idle_connections(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Before handing out a connection idle for more than ``idle_seconds``, check it is alive;
    a dead one is replaced (SQLAlchemy's pessimistic disconnect handling, minus the round trip
    for connections in steady use)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at <= idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            log.warning("database connection found dead after %.0f s idle: replacing it "
                        "(the request retries on a new one)", time.monotonic() - checked_in_at)
            raise DisconnectionError("connection found dead after being idle; replacing it")


def close_session(exc: BaseException | None = None) -> None:
    """End the session and the autocommit connection; a connection that died meanwhile is
    discarded, not raised.

    Without this, a database restarted between a view's last query and the end of the request
    turns an already rendered page into a bare 500 (the rollback at teardown fails).
    """
    scope = _scopes() if _scopes.has() else None
    _scopes.clear()
    connection = scope.autocommit if scope is not None else None
    if connection is not None:
        try:
            connection.close()
        except SQLAlchemyError as error:  # the pool has discarded the dead connection
            _lost(error)
    if not db.session.registry.has():
        return  # the request never used the Session: nothing to end
    try:
        db.session.close()
    except SQLAlchemyError as error:
        _lost(error)
        try:
            db.session().invalidate()
        except SQLAlchemyError:
            pass


def _lost(error: SQLAlchemyError) -> None:
    log.warning("database connection lost at teardown: %s", type(error).__name__)
