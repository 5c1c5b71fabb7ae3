"""Draft storage: the token in the session, conditional writes, one submission."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import session
from sqlalchemy import select

from screener.patient import session as draft_session
from screener.storage import drafts, sending
from screener.core import rules
from screener.extensions import db
from screener.storage.models import NO_PRIORITY, Screening, hash_token, utcnow
from screener.web.questionnaires import current_questionnaire
from tests.factories import make_submission
from tests.helpers import baseline, phq9

CONTACT = {"contact_name": "Alex", "contact_email": "alex@example.com", "contact_phone": None,
           "contact_method": "email", "contact_time": None, "contact_message": None}


@pytest.fixture
def ctx(app):
    """A request context: drafts keep their token in the session."""
    with app.test_request_context():
        yield


def replacing(answers: dict) -> drafts.Merge:
    """A save's merge that stores exactly ``answers``, whatever was stored."""
    return lambda stored: answers


def started() -> drafts.Draft:
    return draft_session.start(current_questionnaire())


def stored(draft: drafts.Draft) -> Screening:
    """The draft's row as it is in the database now (drafts write on their own connection, so
    end the Session's read transaction and its snapshot first)."""
    db.session.rollback()
    return db.session.get(Screening, draft.id)


def set_expiry(draft: drafts.Draft, when) -> None:
    stored(draft).expires_at = when
    db.session.commit()


def test_start_stores_the_hash_and_puts_the_token_in_the_session(ctx):
    draft = started()
    token = session[draft_session.SESSION_KEY]
    assert len(token) >= 40 and session.permanent
    row = db.session.scalars(select(Screening)).one()
    assert row.id == draft.id and row.token_hash == hash_token(token)
    assert row.status == "draft" and row.answers == {} and row.expires_at == draft.expires_at
    assert token not in {str(getattr(row, c.key)) for c in Screening.__table__.columns}
    assert draft_session.current() == draft


def test_current_ignores_missing_forged_and_expired(ctx):
    assert draft_session.current() is None and not draft_session.had_token()
    session[draft_session.SESSION_KEY] = "forged"
    assert draft_session.current() is None and draft_session.had_token()
    draft = started()
    set_expiry(draft, utcnow() - timedelta(seconds=1))
    assert draft_session.current() is None
    assert drafts.is_expired(stored(draft))


def test_submitted_screening_never_expires(ctx):
    submission = make_submission(expires_at=utcnow() - timedelta(days=3))
    assert not drafts.is_expired(submission)


def at(moment: datetime) -> drafts.Clock:
    """A clock that always reads ``moment``."""
    return lambda: moment


def test_a_draft_is_gone_from_the_moment_it_expires(ctx):
    draft = started()
    token = session[draft_session.SESSION_KEY]
    expires_at = stored(draft).expires_at
    assert drafts.find(token, clock=at(expires_at - timedelta(microseconds=1))) == draft
    assert drafts.find(token, clock=at(expires_at)) is None


def test_save_refreshes_expiry_and_step(ctx):
    draft = started()
    set_expiry(draft, utcnow() + timedelta(minutes=5))
    now, ttl = utcnow(), timedelta(hours=24)
    assert drafts.save(draft, replacing({"age_18_plus": "yes"}), "about", ttl, clock=at(now))
    row = stored(draft)
    assert row.answers == {"age_18_plus": "yes"} and row.current_step == "about"
    assert row.expires_at == now + ttl and row.updated_at == now
    assert draft.answers == row.answers and draft.expires_at == row.expires_at
    assert draft_session.current() == draft


def test_the_session_keeps_a_saved_draft_for_the_configured_hours(app, ctx):
    draft = started()
    before = utcnow()
    assert draft_session.save(draft, replacing({"age_18_plus": "yes"}), "about")
    ttl = timedelta(hours=app.config["DRAFT_TTL_HOURS"])
    assert before + ttl <= stored(draft).expires_at <= utcnow() + ttl


def test_complete_stores_the_assessment(ctx):
    draft = started()
    answers = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes",
                       cssrs_intent="yes")
    draft_session.save(draft, replacing(answers), "health")
    questionnaire = current_questionnaire()
    assert draft_session.complete(draft, questionnaire, rules.evaluate(questionnaire, answers))
    row = stored(draft)
    assert row.status == "completed" and row.outcome == "crisis"
    assert row.flags == ["urgent_now", "self_harm"] and row.priority == 1
    assert row.flag_list == " urgent_now self_harm "
    assert row.assessment["outcome"] == "crisis" and row.completed_at is not None
    assert draft.status == "completed" and draft.completed_at == row.completed_at
    assert drafts.is_urgent(draft, questionnaire)
    completed_at = row.completed_at
    assert draft_session.complete(draft, questionnaire, rules.evaluate(questionnaire, answers))
    assert stored(draft).completed_at == completed_at, "completing again keeps the first time"


def test_changed_answers_reopen_a_completed_screening(ctx):
    draft = started()
    questionnaire = current_questionnaire()
    draft_session.save(draft, replacing(baseline()), "health")
    draft_session.complete(draft, questionnaire, rules.evaluate(questionnaire, baseline()))
    assert draft_session.save(draft, replacing(baseline()), "pain")
    assert draft.status == "completed" and stored(draft).status == "completed"
    assert draft_session.save(draft, replacing(baseline(pregnancy="yes")), "health")
    row = stored(draft)
    assert row.status == "draft" and row.outcome is None
    assert row.assessment is None and row.completed_at is None
    assert row.flags == [] and row.flag_list == "" and row.priority == NO_PRIORITY
    assert draft.status == "draft" and draft.completed_at is None


def test_submit_happens_once(ctx):
    draft = started()
    questionnaire = current_questionnaire()
    draft_session.save(draft, replacing(baseline()), "health")
    assert not draft_session.ended(sending.submit(draft, CONTACT))  # not completed yet
    draft_session.complete(draft, questionnaire, rules.evaluate(questionnaire, baseline()))
    now = utcnow()
    assert draft_session.ended(sending.submit(draft, CONTACT, clock=at(now)))
    assert not draft_session.ended(sending.submit(draft, {**CONTACT, "contact_name": "Other"}))
    row = stored(draft)
    assert row.status == "submitted" and row.contact_name == "Alex"
    assert row.expires_at is None and row.consent_at == row.submitted_at == now
    assert draft.status == "submitted" and draft.submitted_at == row.submitted_at


def test_no_write_reaches_a_submitted_screening(ctx):
    draft = started()
    questionnaire = current_questionnaire()
    draft_session.save(draft, replacing(baseline()), "health")
    draft_session.complete(draft, questionnaire, rules.evaluate(questionnaire, baseline()))
    stale = drafts.Draft(**vars(draft))  # a copy loaded before the screening was sent
    draft_session.ended(sending.submit(draft, CONTACT))  # committed at the edge, as the view does
    assert not draft_session.save(stale, replacing(baseline(phq9_1=3)), "phq9")
    assert not draft_session.complete(stale, questionnaire, rules.evaluate(questionnaire, {}))
    row = stored(draft)
    assert row.answers == baseline() and row.status == "submitted"
    assert stale.answers == baseline(), "a refused save leaves the record as it was"


def test_discard_deletes_a_draft_but_not_a_submission(ctx):
    started()
    assert draft_session.discard()
    assert db.session.scalars(select(Screening)).all() == []
    assert not draft_session.had_token()
    submission = make_submission()
    session[draft_session.SESSION_KEY] = "token-of-a-submission"
    submission.token_hash = hash_token("token-of-a-submission")
    db.session.commit()
    assert not draft_session.discard()
    assert db.session.get(Screening, submission.id) is not None


def test_screening_repr_carries_no_answers(ctx):
    draft = started()
    draft_session.save(draft, replacing(baseline(diagnoses=["ptsd"])), "diagnosis")
    row = stored(draft)
    assert "ptsd" not in repr(row) and str(row.id) in repr(row)


def test_two_saves_from_the_same_read_both_keep_their_answers(ctx):
    """Two tabs: both read the draft, both save a different step. The second save finds the row
    changed, reads it again and applies its step to the first one's answers."""
    draft = started()
    first_tab, second_tab = draft_session.current(), drafts.Draft(**vars(draft_session.current()))
    assert draft_session.save(first_tab, lambda stored: {**stored, "age_18_plus": "yes"}, "about")
    assert draft_session.save(second_tab, lambda stored: {**stored, "pregnancy": "no"}, "health")
    assert stored(draft).answers == {"age_18_plus": "yes", "pregnancy": "no"}
    assert second_tab.answers == stored(draft).answers
    assert second_tab.updated_at == stored(draft).updated_at


def test_a_save_moves_the_row_version_on(ctx):
    draft = started()
    before = draft.updated_at
    assert draft_session.save(draft, replacing({"age_18_plus": "yes"}), "about")
    assert draft.updated_at > before and stored(draft).updated_at == draft.updated_at


def test_a_completion_from_a_stale_read_is_refused(ctx):
    """The assessment must be of the answers stored: a completion computed before another save
    writes nothing."""
    draft = started()
    questionnaire = current_questionnaire()
    draft_session.save(draft, replacing(baseline()), "health")
    stale = drafts.Draft(**vars(draft))
    assert draft_session.save(draft, replacing(baseline(pregnancy="yes")), "health")
    assert not draft_session.complete(stale, questionnaire,
                                      rules.evaluate(questionnaire, baseline()))
    row = stored(draft)
    assert row.status == "draft" and row.assessment is None


def test_saves_that_keep_losing_give_up_without_writing(ctx, monkeypatch):
    draft = started()
    monkeypatch.setattr(drafts, "SAVE_ATTEMPTS", 0)
    with pytest.raises(drafts.SaveConflict):
        draft_session.save(draft, replacing({"age_18_plus": "yes"}), "about")
    assert stored(draft).answers == {}


def test_a_step_that_cannot_be_saved_for_concurrent_saves_says_so(app, client, monkeypatch):
    from tests.web.wizard_client import step_data, walk

    location = walk(client, baseline(), until="phq9")
    monkeypatch.setattr(drafts, "SAVE_ATTEMPTS", 0)
    response = client.post(location, data=step_data("phq9", baseline()))
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "another window" in page
    with app.app_context():
        row = db.session.scalars(select(Screening)).one()
        assert "phq9_1" not in row.answers


def test_reopening_clears_every_column_an_assessment_sets(ctx):
    from screener.storage.submissions import assessment_columns, cleared_assessment_columns

    questionnaire = current_questionnaire()
    set_by_assessment = assessment_columns(questionnaire, rules.evaluate(questionnaire, baseline()))
    assert cleared_assessment_columns().keys() == set_by_assessment.keys()


def test_the_stored_version_is_the_text_loaded_at_start(migrated_sqlite_template, tmp_path):
    """A questions.yaml edited under a running process (a rolling deploy) must not be stored
    under the hash of the text the process loaded and answers with."""
    import hashlib
    import shutil

    from screener.storage.models import QuestionnaireVersion
    from tests.kit.apps import QUESTIONS, make_app

    database, questions = tmp_path / "db.sqlite3", tmp_path / "questions.yaml"
    shutil.copyfile(migrated_sqlite_template, database)
    original = QUESTIONS.read_text(encoding="utf-8")
    questions.write_text(original, encoding="utf-8")
    shutil.copyfile(QUESTIONS.with_name("questions.es.yaml"), tmp_path / "questions.es.yaml")
    app = make_app(f"sqlite:///{database}", QUESTIONNAIRE_PATH=str(questions))
    questions.write_text(original.replace("version: 1.1.0", "version: 1.0.1", 1),
                         encoding="utf-8")
    with app.test_request_context():
        draft = draft_session.start(current_questionnaire())
        stored_version = db.session.get(QuestionnaireVersion, draft.questionnaire_sha256)
        assert stored_version.source == original
        assert hashlib.sha256(original.encode()).hexdigest() == stored_version.sha256
        db.engine.dispose()


def test_a_safety_answer_lands_with_its_answers_and_a_refused_one_leaves_nothing(ctx):
    """Item 9 saved with its step is committed together with the answers (read back on another
    connection, so not merely pending in the request's session); a save refused because the
    screening was sent meanwhile records nothing, and the first answer stays as given."""
    draft = started()
    questionnaire = current_questionnaire()
    answers = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 2))
    assert draft_session.save(draft, replacing(answers), "phq9", record=[("phq9_9", 2)])
    assert [(r.question_id, r.value) for r in drafts.safety_records(draft)] == [("phq9_9", 2)]
    assert stored(draft).answers["phq9_9"] == 2
    draft_session.complete(draft, questionnaire, rules.evaluate(questionnaire, answers))
    stale = drafts.Draft(**vars(draft))  # a second tab, loaded before the screening was sent
    assert draft_session.ended(sending.submit(draft, CONTACT))
    changed = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 3))
    assert not draft_session.save(stale, replacing(changed), "phq9", record=[("phq9_9", 3)])
    assert [(r.question_id, r.value) for r in drafts.safety_records(draft)] == [("phq9_9", 2)]
    assert stored(draft).answers["phq9_9"] == 2
