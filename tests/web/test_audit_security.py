"""Audit additions of issue 16: queue views and searches are recorded (no answers, no search
text); purge removes the patient's address from the trail of what it deletes and names its actor.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import AuditEvent, Screening, utcnow
from tests.factories import make_submission
from tests.helpers import baseline


def events(app, action):
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_queue_views_and_searches_are_audited_without_text_or_answers(app, client, login_as):
    user = login_as("intake")
    with app.app_context():
        make_submission(name="Robin Searchable", email="robin@example.com")
        make_submission(baseline(phq9_9=1, self_harm_plan="yes"), name="Kim Other")
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/?q=Robin+Searchable&status=all&from=2020-01-01").status_code == 200
    assert client.get("/staff/?outcome=nonsense").status_code == 400
    plain, searched, refused = events(app, "queue_viewed")
    assert plain.actor_id == user.id
    # Which submissions each page showed: their ids (issue 23), nothing else of them.
    shown = plain.detail.pop("screening_ids")
    assert len(shown) == 2 and len(searched.detail.pop("screening_ids")) == 1
    assert plain.detail == {"filters": {"status": ["new", "in_review", "contacted"]}, "count": 2}
    assert searched.detail == {"filters": {"from": "2020-01-01", "search": True}, "count": 1}
    assert refused.detail["filters"]["invalid"] is True and refused.detail["count"] == 0
    trail = repr([(e.detail, e.actor_label) for e in (plain, searched, refused)])
    for private in ("Robin", "robin@example.com", "Kim", "self_harm", "phq9"):
        assert private not in trail


def test_queue_pages_are_audited_as_such(app, client, login_as):
    app.config["STAFF_PAGE_SIZE"] = 1
    login_as("clinician")
    with app.app_context():
        for number in range(2):
            make_submission(name=f"Patient {number}", submitted_at=utcnow())
    first = client.get("/staff/").get_data(as_text=True)
    link = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert client.get(link).status_code == 200
    assert [e.detail.get("filters", {}).get("page") for e in events(app, "queue_viewed")] == [
        None, "later"]


def test_purge_edits_no_audit_row_and_patient_events_keep_no_address(app, runner, login_as):
    """Audit rows are append-only (issue 23): the purge writes its own event and edits none.
    So that a patient's address does not outlive their purged screening, their own events
    never keep one; who on staff looked (and from where) stays."""
    from screener.storage import audit

    staff = login_as("clinician")
    with app.app_context():
        old = make_submission(review_status="closed",
                              review_updated_at=utcnow() - timedelta(days=40))
        kept = make_submission()
        for screening in (old, kept):
            audit.record("screening_submitted", screening_id=screening.id,
                         remote_addr="203.0.113.7")
            audit.record("submission_viewed", screening_id=screening.id, actor=staff,
                         remote_addr="10.0.0.5")
        db.session.commit()
        old_id, kept_id = old.id, kept.id
    app.config["CLOSED_RETENTION_DAYS"] = 30
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Screening, old_id) is None
        trail = {(e.screening_id, e.action): e.remote_addr
                 for e in db.session.scalars(select(AuditEvent))}
    assert trail[(old_id, "screening_submitted")] is None  # never written
    assert trail[(kept_id, "screening_submitted")] is None
    assert trail[(old_id, "submission_viewed")] == "10.0.0.5"  # who on staff looked stays
    [purge] = events(app, "purge")
    assert purge.actor_label == "cli" and purge.detail["closed"] == 1
