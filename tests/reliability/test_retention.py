"""Retention: `flask purge` deletes what has outlived its time, only that, once, and audited.

The wizard's tests cover expired drafts in depth; here: closed submissions past
CLOSED_RETENTION_DAYS, what must survive, idempotence, the audit trail, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from screener.extensions import db
from screener.storage.models import AuditEvent, Note, Screening, utcnow
from tests.factories import make_staff, make_submission
from tests.helpers import baseline
from tests.reliability.rows import make_draft


def closed(days_ago: int, **columns) -> Screening:
    """A submission closed ``days_ago`` days ago, with a staff note on it."""
    screening = make_submission(baseline(), submitted_ago=timedelta(days=days_ago + 1),
                                review_status="closed",
                                review_updated_at=utcnow() - timedelta(days=days_ago), **columns)
    author = make_staff("intake")
    db.session.add(Note(screening_id=screening.id, author_id=author.id, body="called back"))
    db.session.commit()
    return screening


def population():
    """One of each kind of row retention must decide about; returns their ids by name."""
    rows = {
        "expired_draft": make_draft(-timedelta(hours=1)),
        "expired_completed": make_draft(-timedelta(minutes=5), status="completed"),
        "live_draft": make_draft(timedelta(hours=3)),
        "old_closed": closed(days_ago=40),
        "recent_closed": closed(days_ago=5),
        "old_open": make_submission(baseline(), submitted_ago=timedelta(days=90),
                                    review_status="contacted",
                                    review_updated_at=utcnow() - timedelta(days=80)),
        "old_new": make_submission(baseline(), submitted_ago=timedelta(days=400)),
    }
    return {name: row.id for name, row in rows.items()}


def surviving(ids: dict) -> set[str]:
    db.session.expire_all()
    return {name for name, id_ in ids.items() if db.session.get(Screening, id_) is not None}


def purge_events() -> list[dict]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")
                                .order_by(AuditEvent.id))
    return [event.detail for event in events]


def check_purge_with_retention(app, runner) -> None:
    app.config["CLOSED_RETENTION_DAYS"] = 30
    with app.app_context():
        ids = population()
        result = runner.invoke(args=["purge"])
        assert result.exit_code == 0, result.output
        assert "deleted 2 expired draft(s) and 1 closed submission(s)" in result.output
        assert surviving(ids) == {"live_draft", "recent_closed", "old_open", "old_new"}
        # The note went with its submission (ON DELETE CASCADE), the other note stayed.
        assert db.session.scalar(select(func.count()).select_from(Note)) == 1
        assert purge_events() == [{"drafts": 2, "closed": 1, "dry_run": False}]

        again = runner.invoke(args=["purge"])
        assert again.exit_code == 0, again.output
        assert "deleted 0 expired draft(s) and 0 closed submission(s)" in again.output
        assert surviving(ids) == {"live_draft", "recent_closed", "old_open", "old_new"}
        assert purge_events()[-1] == {"drafts": 0, "closed": 0, "dry_run": False}
        assert len(purge_events()) == 2


def test_purge_deletes_expired_and_long_closed_once_and_audits(app, runner):
    check_purge_with_retention(app, runner)


@pytest.mark.postgres
def test_purge_on_postgresql(pg_app):
    check_purge_with_retention(pg_app, pg_app.test_cli_runner())


def test_closed_submissions_are_kept_without_retention_setting(app, runner):
    assert app.config["CLOSED_RETENTION_DAYS"] == 0
    with app.app_context():
        ids = population()
        result = runner.invoke(args=["purge"])
        assert result.exit_code == 0, result.output
        assert surviving(ids) == {"live_draft", "recent_closed", "old_closed", "old_open",
                                  "old_new"}
        assert purge_events() == [{"drafts": 2, "closed": 0, "dry_run": False}]


def test_dry_run_counts_and_deletes_nothing(app, runner):
    app.config["CLOSED_RETENTION_DAYS"] = 30
    with app.app_context():
        ids = population()
        result = runner.invoke(args=["purge", "--dry-run"])
        assert result.exit_code == 0, result.output
        assert "would delete 2 expired draft(s) and 1 closed submission(s)" in result.output
        assert surviving(ids) == set(ids)
        assert purge_events() == [{"drafts": 2, "closed": 1, "dry_run": True}]


def test_audit_trail_outlives_the_purged_submission(app, runner):
    from screener.storage import audit

    app.config["CLOSED_RETENTION_DAYS"] = 30
    with app.app_context():
        screening_id = closed(days_ago=31).id
        audit.record("status_change", screening_id=screening_id,
                     actor_label="cli", **{"from": "contacted", "to": "closed"})
        db.session.commit()
        runner.invoke(args=["purge"])
        assert db.session.get(Screening, screening_id) is None
        history = db.session.scalars(select(AuditEvent.action)
                                     .where(AuditEvent.screening_id == screening_id)).all()
        assert history == ["status_change"]
