"""The whole patient journey on PostgreSQL, double-clicked Send included."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from screener.core import rules
from screener.extensions import db
from screener.storage.models import AuditEvent, Screening
from tests.helpers import baseline, phq9
from tests.web.wizard_client import complete, questionnaire, send_twice_at_once

pytestmark = pytest.mark.postgres


def test_full_journey_on_postgres(pg_app):
    client = pg_app.test_client()
    answers = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1), self_harm_plan="yes",
                       chronic_pain="yes", peg_1=6, peg_2=5, peg_3=7, diagnoses=["depression",
                                                                                 "chronic_pain"])
    page = complete(client, answers).get_data(as_text=True)
    expected = rules.evaluate(questionnaire(), answers)
    assert re.search(r'data-outcome="([a-z_]+)"', page).group(1) == expected.outcome == "crisis"

    statuses = send_twice_at_once(pg_app, client)
    assert statuses == [302, 302]

    with pg_app.app_context():
        row = db.session.scalars(select(Screening)).one()
        assert row.status == "submitted" and row.outcome == "crisis"
        assert row.answers == answers and row.answers["peg_3"] == 7
        assert row.flags == ["urgent_now", "self_harm"] and row.priority == 1
        assert row.submitted_at.tzinfo is not None and row.expires_at is None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "screening_submitted")) == 1
    # The screening has left the device (issue 13): its pages lead to the landing page.
    assert client.get("/screening/phq9").headers["Location"] == "/"
