"""The unit of work of a command: one write transaction, begun late and committed once, here.

Commands read and prompt first; the write begins only when the work is ready (on SQLite
``BEGIN IMMEDIATE``: the lock is never held while a person types), and storage's adds and
flushes are committed together at the end, or rolled back if anything fails.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.orm import Session

from screener.extensions import db
from screener.storage import database


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A write transaction for the block: committed when it ends, rolled back if it raises."""
    database.begin_write()
    try:
        yield db.session
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
