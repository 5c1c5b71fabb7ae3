"""Which requests write: their database transactions begin as writes (see storage.database)."""

from __future__ import annotations

from flask import Flask, request

from screener.storage import database

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    """Decide, before the view reads the database, whether the request writes."""
    app.before_request(expect_writes_unless_read_only)


def expect_writes_unless_read_only() -> None:
    """A POST/PUT/PATCH/DELETE reads its row and then writes it: on SQLite its transactions
    take the write lock up front (a deferred one that later writes can fail as locked)."""
    if request.method not in READ_ONLY_METHODS:
        database.expect_writes()
