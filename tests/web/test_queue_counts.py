"""The queue's per-status counts, kept by database triggers, stay exact however screenings are
written: submitted through the wizard, moved between statuses, deleted, re-inserted, seeded."""

from __future__ import annotations

import uuid
from datetime import timedelta, timezone

import pytest
from sqlalchemy import delete, func, select, text, update

from screener.storage import queue, retention
from screener.staff import review
from screener.extensions import db
from screener.storage.models import REVIEW_STATUSES, Screening, utcnow
from screener.web.questionnaires import current_questionnaire, ensure_current_version_stored
from tests.kit.apps import make_app, migrate_to_head
from tests.factories import make_submission
from tests.helpers import baseline
from tests.web.wizard_client import complete, send


def counted() -> dict[str, int]:
    """The counts by a full scan, as the queue computed them before the triggers."""
    counts = dict.fromkeys(REVIEW_STATUSES, 0)
    counts.update(db.session.execute(
        select(Screening.review_status, func.count()).where(Screening.status == "submitted")
        .group_by(Screening.review_status)).all())
    return counts


def assert_exact() -> dict[str, int]:
    db.session.expire_all()
    kept = queue.status_counts(db.session)
    assert kept == counted()
    return kept


def exercise(app) -> None:
    """Every kind of write that can change the counts, checking after each."""
    with app.app_context():
        assert assert_exact() == dict.fromkeys(REVIEW_STATUSES, 0)
        first, second, third = (make_submission(name=f"Pat {n}") for n in range(3))
        make_submission(status="completed", name="Not sent")  # a draft never counts
        assert assert_exact()["new"] == 3
        review.change_status(first, "in_review")
        review.change_status(first, "contacted")
        review.change_status(second, "closed")
        assert assert_exact() == {"new": 1, "in_review": 0, "contacted": 1, "closed": 1}
        db.session.execute(update(Screening).where(Screening.id == third.id)
                           .values(status="completed"))  # a hand-run fix un-submitting one
        db.session.commit()
        assert assert_exact()["new"] == 0
        db.session.execute(update(Screening).where(Screening.id == second.id)
                           .values(review_updated_at=utcnow() - timedelta(days=400)))
        db.session.commit()
        app.config["CLOSED_RETENTION_DAYS"] = 30
        assert retention.purge_expired(db.session, 30, timezone.utc, current_questionnaire())["closed"] == 1
        assert assert_exact() == {"new": 0, "in_review": 0, "contacted": 1, "closed": 0}
        db.session.execute(delete(Screening))
        db.session.commit()
        assert assert_exact() == dict.fromkeys(REVIEW_STATUSES, 0)


def test_counts_stay_exact_on_sqlite(app):
    exercise(app)


@pytest.mark.postgres
def test_counts_stay_exact_on_postgresql(pg_app):
    exercise(pg_app)


def test_a_screening_sent_through_the_wizard_is_counted(app, client):
    complete(client, baseline())
    assert send(client).status_code == 302
    with app.app_context():
        assert assert_exact()["new"] == 1


def test_seeded_submissions_are_counted(app, runner):
    result = runner.invoke(args=["dev", "seed", "40"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert sum(assert_exact().values()) == 40


def test_the_migration_counts_submissions_made_before_it(tmp_path):
    """Upgrading a database that already holds submissions starts the counts from them."""
    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "a7d9511c2b04"]).exit_code == 0
    with app.app_context():
        sha = ensure_current_version_stored()
        db.session.execute(Screening.__table__.insert(), [
            {"id": uuid.uuid4(), "questionnaire_id": "q", "questionnaire_version": "1",
             "questionnaire_sha256": sha, "status": "submitted", "answers": {},
             "review_status": status, "outcome": "possible_fit", "submitted_at": utcnow(),
             "consent_at": utcnow(), "created_at": utcnow(), "updated_at": utcnow(),
             "priority": 99, "flags": [], "flag_list": "", "search_text": ""}
            for status in ("new", "new", "closed")
        ])
        db.session.commit()
    migrate_to_head(app)
    with app.app_context():
        assert assert_exact() == {"new": 2, "in_review": 0, "contacted": 0, "closed": 1}
        db.engine.dispose()


def test_a_downgrade_that_rebuilds_screenings_keeps_the_counts_kept(tmp_path):
    """On SQLite, 5b8e2d41c9a7's downgrade rebuilds ``screenings`` (which drops its triggers)
    and re-creates them: a status changed afterwards still moves the counts."""
    app = make_app(f"sqlite:///{tmp_path / 'down.sqlite3'}")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "a7d9511c2b04"]).exit_code == 0
    with app.app_context():
        sha = ensure_current_version_stored()
        submission = uuid.uuid4()
        db.session.execute(Screening.__table__.insert(), [
            {"id": submission, "questionnaire_id": "q", "questionnaire_version": "1",
             "questionnaire_sha256": sha, "status": "submitted", "answers": {},
             "review_status": "new", "outcome": "possible_fit", "submitted_at": utcnow(),
             "consent_at": utcnow(), "created_at": utcnow(), "updated_at": utcnow(),
             "priority": 99, "flags": [], "flag_list": "", "search_text": ""}])
        db.session.commit()
    migrate_to_head(app)
    assert runner.invoke(args=["db", "downgrade", "d4b8e2a91f60"]).exit_code == 0
    with app.app_context():
        db.session.execute(update(Screening.__table__).where(Screening.id == submission)
                           .values(review_status="closed"))
        db.session.commit()
        kept = dict(db.session.execute(
            text("SELECT review_status, submissions FROM queue_counts")).all())
        assert kept == {"new": 0, "in_review": 0, "contacted": 0, "closed": 1}
        db.engine.dispose()
