"""The unit of work at the web edge: one transaction per request, committed once, here.

Storage adds and flushes; views end their work with ``commit()``. Whether a request writes is
decided before its first read: a POST/PUT/PATCH/DELETE begins its transactions as writes
(``BEGIN IMMEDIATE`` on SQLite, see ``storage.database``). A GET reads in a deferred transaction;
when it must also record something (a staff session touch, the audit event of a view) it does so
with ``write_apart``, a short write transaction of its own begun after its reads have ended.
On SQLite, upgrading a GET's read transaction to a write instead fails at once ("database is
locked", a 503) whenever a patient's request wrote meanwhile, which ``busy_timeout`` cannot wait
out; a fresh ``BEGIN IMMEDIATE`` waits its turn.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from flask import Flask, request

from screener.extensions import db
from screener.storage import database

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")


def init_app(app: Flask) -> None:
    """Decide, before the view reads the database, whether the request writes."""
    app.before_request(expect_writes_unless_read_only)


def expect_writes_unless_read_only() -> None:
    """A POST/PUT/PATCH/DELETE reads its row and then writes it: on SQLite its transactions
    take the write lock up front (a deferred one that later writes can fail as locked)."""
    if request.method not in READ_ONLY_METHODS:
        database.expect_writes()


def commit() -> None:
    """Commit this request's unit of work (what its view and storage added)."""
    db.session.commit()


def rollback() -> None:
    """Drop this request's unit of work (a refused change leaves nothing behind)."""
    db.session.rollback()


def write_apart(work: Callable[[], T]) -> T:
    """Run ``work`` (adds, updates) in a short write transaction of its own and commit it.

    The request's transaction so far ends first (committed: on a GET it only read), so the write
    begins as ``BEGIN IMMEDIATE`` on SQLite and waits for the lock instead of failing. Loaded
    objects are not expired by these two commits: the page already rendered from them, and
    reloading the logged-in user inside the write would only hold the lock longer.
    """
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        database.begin_write()
        result = work()
        session.commit()
    finally:
        session.expire_on_commit = expire
    return result
