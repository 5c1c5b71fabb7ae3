"""``flask dev seed``: bulk fake submissions for development and the benchmarks."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from screener.core import rules
from screener.cli.dev import AnswerSampler
from screener.extensions import db
from screener.storage.models import QuestionnaireVersion, Screening, queue_priority
from screener.storage.submissions import assessment_record
from tests.factories import make_staff


def _screenings(app, status: str) -> list[Screening]:
    with app.app_context():
        rows = db.session.scalars(select(Screening).where(Screening.status == status)).all()
        db.session.expunge_all()
        return rows


def test_seed_creates_valid_submissions_evaluated_consistently(app, runner, questionnaire):
    result = runner.invoke(args=["dev", "seed", "60", "--batch", "25", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "seeded 60 screening(s)" in result.output
    rows = _screenings(app, "submitted")
    assert len(rows) == 60
    for row in rows:
        assert rules.validate_answers(questionnaire, row.answers) == []
        assessment = rules.evaluate(questionnaire, row.answers)
        assert row.outcome == assessment.outcome
        assert row.assessment == assessment_record(assessment)
        assert row.flags == list(assessment.flags)
        # Urgent first only while open (issue 15): contacted and closed rows sort by time.
        assert row.priority == queue_priority(assessment.urgency, row.review_status)
        assert row.submitted_at and row.consent_at and row.contact_email
        assert row.questionnaire_version == questionnaire.version
    assert len({row.outcome for row in rows}) > 1  # a realistic mix, not one profile


def test_seed_stores_the_questionnaire_version(app, runner, questionnaire):
    assert runner.invoke(args=["dev", "seed", "3"]).exit_code == 0
    with app.app_context():
        version = db.session.get(QuestionnaireVersion, questionnaire.source_sha256)
        assert version is not None and version.version == questionnaire.version


def test_seed_assigns_reviewed_submissions_to_existing_staff(app, runner):
    with app.app_context():
        staff_id = make_staff("intake").id
    assert runner.invoke(args=["dev", "seed", "80", "--seed", "3"]).exit_code == 0
    rows = _screenings(app, "submitted")
    assigned = [row for row in rows if row.assignee_id is not None]
    assert assigned and all(row.assignee_id == staff_id for row in assigned)
    assert all(row.review_status != "new" for row in assigned)


def test_seed_with_drafts_adds_partly_answered_unsent_drafts(app, runner, questionnaire):
    result = runner.invoke(args=["dev", "seed", "20", "--drafts", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "seeded 40 screening(s)" in result.output
    drafts = _screenings(app, "draft")
    assert len(drafts) == 20
    for draft in drafts:
        assert draft.submitted_at is None and draft.outcome is None
        assert draft.contact_email is None and draft.token_hash
        assert draft.expires_at > draft.created_at
        assert draft.current_step in questionnaire.steps_by_id
        answered_steps = {questionnaire.questions[qid].step_id for qid in draft.answers}
        assert draft.current_step not in answered_steps
        steps = [questionnaire.steps_by_id[sid] for sid in answered_steps]
        assert rules.validate_answers(questionnaire, draft.answers, steps=steps) == []


def test_seed_refuses_in_production(app, runner):
    app.config["SCREENER_ENV"] = "production"
    result = runner.invoke(args=["dev", "seed", "5"])
    assert result.exit_code != 0
    assert "refusing" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 0


def test_seed_rejects_a_count_below_one(runner):
    result = runner.invoke(args=["dev", "seed", "0"])
    assert result.exit_code == 2


def test_sampler_answer_sets_are_valid_and_repeatable(questionnaire):
    first = AnswerSampler(questionnaire, random.Random(5))
    second = AnswerSampler(questionnaire, random.Random(5))
    sets = [first.answers() for _ in range(300)]
    assert sets[:20] == [second.answers() for _ in range(20)]
    for answers in sets:
        assert rules.validate_answers(questionnaire, answers) == []
    # Optional questions are sometimes left out, and skip logic is honoured both ways.
    optional = [q.id for q in questionnaire.questions.values() if not q.required]
    assert any(all(q in a for q in optional) for a in sets)
    assert any(not any(q in a for q in optional) for a in sets)
    conditional = [q.id for s in questionnaire.steps if s.enable_when for q in s.questions]
    assert any(q in a for a in sets for q in conditional)
    assert any(not any(q in a for q in conditional) for a in sets)
