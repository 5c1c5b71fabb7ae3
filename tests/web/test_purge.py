"""`flask --app screener purge`: expired drafts go, live drafts and submissions stay; audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from screener.extensions import db
from screener.storage.models import AuditEvent, Screening, utcnow
from tests.helpers import baseline
from tests.web.wizard_client import complete, send, walk


def expire(app, *ids) -> None:
    with app.app_context():
        db.session.execute(update(Screening).where(Screening.id.in_(ids))
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()


def statuses(app) -> dict:
    with app.app_context():
        return {s.id: s.status for s in db.session.scalars(select(Screening))}


def purge_events(app) -> list[dict]:
    with app.app_context():
        return [e.detail for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "purge").order_by(AuditEvent.id))]


def journeys(app) -> dict:
    """Four patients: a fresh draft, an expired draft, an expired completed one, a sent one."""
    ids = {}
    for name in ("live", "expired", "expired_completed", "sent"):
        client = app.test_client()
        if name == "expired":
            walk(client, baseline(), until="gad7")
        else:
            complete(client, baseline())
        if name == "sent":
            send(client)
        ids[name] = max(statuses(app).keys() - set(ids.values()), key=str)
        ids[name + "_client"] = client
    expire(app, ids["expired"], ids["expired_completed"])
    return ids


def test_purge_deletes_only_expired_unsent_screenings(app, runner):
    ids = journeys(app)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 expired draft(s)" in result.output
    remaining = statuses(app)
    assert set(remaining) == {ids["live"], ids["sent"]}
    assert remaining[ids["sent"]] == "submitted"
    assert purge_events(app) == [{"dry_run": False, "drafts": 2, "closed": 0}]


def test_purge_is_idempotent(app, runner):
    journeys(app)
    runner.invoke(args=["purge"])
    result = runner.invoke(args=["purge"])
    assert "deleted 0 expired draft(s)" in result.output
    assert [e["drafts"] for e in purge_events(app)] == [2, 0]
    assert len(statuses(app)) == 2


def test_dry_run_counts_without_deleting(app, runner):
    journeys(app)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert "would delete 2 expired draft(s)" in result.output
    assert len(statuses(app)) == 4
    assert purge_events(app) == [{"dry_run": True, "drafts": 2, "closed": 0}]


def test_patient_of_a_purged_draft_is_told_it_expired(app, runner):
    ids = journeys(app)
    runner.invoke(args=["purge"])
    client = ids["expired_client"]
    assert client.get("/screening/gad7").headers["Location"] == "/"
    assert "has expired" in client.get("/").get_data(as_text=True)
    live = ids["live_client"]
    assert live.get("/screening/result").status_code == 200


def test_an_expired_draft_cannot_be_revived_by_saving(app, runner):
    ids = journeys(app)
    client = ids["expired_client"]
    response = client.post("/screening/gad7", data={f"gad7_{i}": "0" for i in range(1, 8)})
    assert response.headers["Location"] == "/"
    runner.invoke(args=["purge"])
    assert ids["expired"] not in statuses(app)
