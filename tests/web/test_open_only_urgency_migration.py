"""Migration d4b8e2a91f60: stored contacted and closed submissions stop sorting as urgent."""

import uuid

from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import NO_PRIORITY, Screening, utcnow
from screener.web.questionnaires import ensure_current_version_stored
from tests.kit.apps import make_app


def test_contacted_and_closed_lose_their_urgency_open_ones_keep_it(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "c3e1f0b7d2a4"]).exit_code == 0
    statuses = ("new", "in_review", "contacted", "closed")
    with app.app_context():
        sha = ensure_current_version_stored()
        db.session.execute(Screening.__table__.insert(), [
            {"id": uuid.uuid4(), "questionnaire_id": "q", "questionnaire_version": "1",
             "questionnaire_sha256": sha, "status": "submitted", "answers": {},
             "review_status": status, "outcome": "crisis", "submitted_at": utcnow(),
             "consent_at": utcnow(), "created_at": utcnow(), "updated_at": utcnow(),
             "priority": 1, "flags": ["urgent_now"], "flag_list": " urgent_now ",
             "search_text": status}
            for status in statuses
        ])
        db.session.commit()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        priorities = dict(db.session.execute(
            select(Screening.review_status, Screening.priority)).all())
        db.engine.dispose()
    assert priorities == {"new": 1, "in_review": 1, "contacted": NO_PRIORITY,
                          "closed": NO_PRIORITY}
