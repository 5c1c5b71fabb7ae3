"""Draft storage: the token in the session, conditional writes, one submission."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import session
from sqlalchemy import select

from screener import drafts, rules
from screener.extensions import db
from screener.models import Screening, hash_token, utcnow
from screener.versions import current_questionnaire
from tests.factories import make_submission
from tests.helpers import baseline, phq9

CONTACT = {"contact_name": "Alex", "contact_email": "alex@example.com", "contact_phone": None,
           "contact_method": "email", "contact_time": None, "contact_message": None}


@pytest.fixture
def ctx(app):
    """A request context: drafts keep their token in the session."""
    with app.test_request_context():
        yield


def started() -> Screening:
    return drafts.start(current_questionnaire())


def test_start_stores_the_hash_and_puts_the_token_in_the_session(ctx):
    screening = started()
    token = session[drafts.SESSION_KEY]
    assert len(token) >= 40 and session.permanent
    assert screening.token_hash == hash_token(token)
    stored = db.session.scalars(select(Screening)).one()
    assert token not in {str(getattr(stored, c.key)) for c in Screening.__table__.columns}
    assert drafts.current() is screening


def test_current_ignores_missing_forged_and_expired(ctx):
    assert drafts.current() is None and not drafts.had_token()
    session[drafts.SESSION_KEY] = "forged"
    assert drafts.current() is None and drafts.had_token()
    screening = started()
    screening.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert drafts.current() is None
    assert drafts.is_expired(screening)


def test_submitted_screening_never_expires(ctx):
    submission = make_submission(expires_at=utcnow() - timedelta(days=3))
    assert not drafts.is_expired(submission)


def test_save_refreshes_expiry_and_step(ctx):
    screening = started()
    screening.expires_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    assert drafts.save(screening, {"age_18_plus": "yes"}, "about")
    db.session.expire_all()
    assert screening.answers == {"age_18_plus": "yes"} and screening.current_step == "about"
    assert screening.expires_at - utcnow() > timedelta(hours=23)


def test_complete_stores_the_assessment(ctx):
    screening = started()
    answers = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))
    drafts.save(screening, answers, "health")
    questionnaire = current_questionnaire()
    assert drafts.complete(screening, questionnaire, rules.evaluate(questionnaire, answers))
    db.session.expire_all()
    assert screening.status == "completed" and screening.outcome == "crisis"
    assert screening.flags == ["self_harm"] and screening.priority == 2
    assert screening.flag_list == " self_harm "


def test_changed_answers_reopen_a_completed_screening(ctx):
    screening = started()
    questionnaire = current_questionnaire()
    drafts.save(screening, baseline(), "health")
    drafts.complete(screening, questionnaire, rules.evaluate(questionnaire, baseline()))
    assert drafts.save(screening, baseline(), "pain")
    assert screening.status == "completed"
    assert drafts.save(screening, baseline(pregnancy="yes"), "health")
    db.session.expire_all()
    assert screening.status == "draft" and screening.outcome is None
    assert screening.assessment is None and screening.completed_at is None
    assert screening.flags == [] and screening.flag_list == ""


def test_submit_happens_once(ctx):
    screening = started()
    questionnaire = current_questionnaire()
    drafts.save(screening, baseline(), "health")
    assert not drafts.submit(screening, CONTACT)  # not completed yet
    drafts.complete(screening, questionnaire, rules.evaluate(questionnaire, baseline()))
    assert drafts.submit(screening, CONTACT)
    assert not drafts.submit(screening, {**CONTACT, "contact_name": "Other"})
    db.session.expire_all()
    assert screening.status == "submitted" and screening.contact_name == "Alex"
    assert screening.expires_at is None and screening.consent_at is not None


def test_no_write_reaches_a_submitted_screening(ctx):
    screening = started()
    questionnaire = current_questionnaire()
    drafts.save(screening, baseline(), "health")
    drafts.complete(screening, questionnaire, rules.evaluate(questionnaire, baseline()))
    drafts.submit(screening, CONTACT)
    assert not drafts.save(screening, baseline(phq9_1=3), "phq9")
    assert not drafts.complete(screening, questionnaire, rules.evaluate(questionnaire, {}))
    db.session.expire_all()
    assert screening.answers == baseline() and screening.status == "submitted"


def test_discard_deletes_a_draft_but_not_a_submission(ctx):
    started()
    assert drafts.discard()
    assert db.session.scalars(select(Screening)).all() == []
    assert not drafts.had_token()
    submission = make_submission()
    session[drafts.SESSION_KEY] = "token-of-a-submission"
    submission.token_hash = hash_token("token-of-a-submission")
    db.session.commit()
    assert not drafts.discard()
    assert db.session.get(Screening, submission.id) is not None


def test_screening_repr_carries_no_answers(ctx):
    screening = started()
    drafts.save(screening, baseline(diagnoses=["ptsd"]), "diagnosis")
    assert "ptsd" not in repr(screening) and str(screening.id) in repr(screening)
