"""The whole patient journey on PostgreSQL, double-clicked Send included."""

from __future__ import annotations


import pytest
from sqlalchemy import func, select

from screener.core import rules
from screener.extensions import db
from screener.storage.models import AuditEvent, Screening
from tests.helpers import baseline, phq9
from tests.web.wizard_client import complete, questionnaire, send_twice_at_once, shown_outcome

pytestmark = pytest.mark.postgres


def test_full_journey_on_postgres(pg_app):
    client = pg_app.test_client()
    answers = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1), cssrs_thoughts="yes",
                       cssrs_plan="yes", chronic_pain="yes", peg_1=6, peg_2=5, peg_3=7,
                       diagnoses=["depression", "chronic_pain"])
    page = complete(client, answers).get_data(as_text=True)
    expected = rules.evaluate(questionnaire(), answers)
    assert shown_outcome(page) == expected.outcome == "crisis"

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
    # This browser's session still holds the token from before the send (the two sends came
    # from copies of it): the neutral "already sent" page, no reference, no risk level.
    assert client.get("/screening/phq9").headers["Location"] == "/screening/already-sent"
    page = client.get("/screening/already-sent").get_data(as_text=True)
    assert "These answers were already sent" in page and 'class="crisis"' not in page
    with pg_app.app_context():
        reference = db.session.scalars(select(Screening.reference)).one()
    assert reference and reference not in page


def test_errors_kept_on_the_draft_and_resume_codes_on_postgres(pg_app):
    from tests.web.test_wizard_resume import save_for_later
    from tests.web.wizard_client import step_data, walk

    client = pg_app.test_client()
    walk(client, baseline(), until="phq9")
    data = step_data("phq9", baseline())
    del data["phq9_9"]
    assert client.post("/screening/phq9", data=data).headers["Location"] == "/screening/phq9"
    page = client.get("/screening/phq9").get_data(as_text=True)
    assert 'class="error-summary"' in page and 'id="phq9_1-0" value="0" checked' in page
    code = save_for_later(client, "phq9")
    other = pg_app.test_client()
    assert other.post("/screening/resume", data={"code": code}).headers["Location"] == (
        "/screening/phq9")
    assert other.post("/screening/resume", data={"code": "ABCD-EFGH-JKMN"}).headers[
        "Location"] == "/screening/resume"
    with pg_app.app_context():
        row = db.session.scalars(select(Screening)).one()
        assert row.answers["phq9_1"] == 0 and row.pending_input is None
        # Single use (issue 23): the code was spent by the move; the first device is told so.
        assert row.resume_code_hash is None
    assert pg_app.test_client().post("/screening/resume", data={"code": code}).headers[
        "Location"] == "/screening/resume"
    assert client.get("/screening/phq9").headers["Location"] == "/"
    assert "You opened this screening on another device" in client.get("/").get_data(
        as_text=True)
