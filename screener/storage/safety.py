"""Safety answers as first given (``SafetyAnswer`` rows): add them, read them back.

Rows are only ever added, in the same transaction as the answers a step saves (``drafts.save``),
so a safety answer is stored exactly when the answer is; nothing here updates or deletes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import insert, select

from screener.core.safety import Recorded
from screener.storage.models import SafetyAnswer

_t = SafetyAnswer.__table__
_FOR_SCREENING = select(_t.c.question_id, _t.c.value, _t.c.recorded_at).order_by(
    _t.c.recorded_at, _t.c.id)


def add(connection, screening_id: uuid.UUID, pairs: Iterable[tuple[str, Any]],
        now: datetime) -> int:
    """Record each (question id, value) not already recorded for the screening; how many were
    new. Run inside the transaction that saves the answers."""
    seen = {(r.question_id, _key(r.value)) for r in records_for(connection, screening_id)}
    rows = [{"screening_id": screening_id, "question_id": question_id, "value": value,
             "recorded_at": now}
            for question_id, value in pairs if (question_id, _key(value)) not in seen]
    if rows:
        connection.execute(insert(_t), rows)
    return len(rows)


def records_for(connection, screening_id: uuid.UUID) -> list[Recorded]:
    """A screening's recorded safety answers, oldest first (``connection``: a Session or a
    Connection)."""
    result = connection.execute(_FOR_SCREENING.where(_t.c.screening_id == screening_id))
    return [Recorded(question_id, value, at) for question_id, value, at in result]


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else (type(value).__name__, value)
