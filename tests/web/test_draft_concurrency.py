"""Two saves of one draft at once: the second merges into the first's answers, never a stale copy.

A step POST reads the draft without a lock, merges its step into the stored answers and writes
them back in one UPDATE that matches only the row version it read. A save that overlaps another
(here: a transaction holding the row while it changes an answer, as a save from a second tab
does) waits for the row at its UPDATE, finds the version moved on, reads again and merges into
what the other wrote.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, select

from screener.storage.models import utcnow

from screener.storage.models import Screening
from tests.helpers import baseline
from tests.web.wizard_client import questionnaire, step_data, walk

pytestmark = pytest.mark.postgres


def test_a_save_overlapping_another_keeps_both_answers(pg_app):
    client = pg_app.test_client()
    answers = baseline()
    assert walk(client, answers, until="phq9") == "/screening/phq9"
    other = next(c.value for c in questionnaire().questions["antidepressants_tried"].choices
                 if c.value != answers["antidepressants_tried"])
    table = Screening.__table__
    engine = create_engine(pg_app.config["SQLALCHEMY_DATABASE_URI"])
    responses = []
    try:
        with engine.connect() as writer:
            # Another request (a second tab) holds the row and changes an earlier answer.
            row = writer.execute(select(table.c.id, table.c.answers).with_for_update()).one()
            post = threading.Thread(target=lambda: responses.append(
                client.post("/screening/phq9", data=step_data("phq9", answers))))
            post.start()
            post.join(timeout=1.0)
            assert post.is_alive(), "the save did not wait for the row"
            changed = dict(row.answers, antidepressants_tried=other)
            writer.execute(table.update().where(table.c.id == row.id)
                           .values(answers=changed, updated_at=utcnow()))
            writer.commit()
            post.join(timeout=30)
        assert responses and responses[0].status_code == 302
        with engine.connect() as reader:
            stored = reader.execute(select(table.c.answers)).scalar_one()
    finally:
        engine.dispose()
    assert stored["antidepressants_tried"] == other  # the concurrent change survived
    assert all(stored[f"phq9_{i}"] == answers[f"phq9_{i}"] for i in range(1, 10))
