"""/staff/submissions/<id>/summary: the printable one-page clinician summary."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import AuditEvent, Note
from tests.factories import make_staff, make_submission
from tests.helpers import baseline, phq9


@pytest.fixture
def page(app, client, login_as):
    """The summary of a crisis submission with a note, as a clinician sees it."""
    with app.app_context():
        answers = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1), diagnoses=["depression", "ptsd"],
                           chronic_pain="yes", peg_1=4, peg_2=4, peg_3=3)
        screening = make_submission(answers, name="Alex Example", phone="+1 555 0100")
        author = make_staff("intake", name="Nora Nurse")
        db.session.add(Note(screening_id=screening.id, author_id=author.id,
                            body="Called back, <b>left</b> a message."))
        db.session.commit()
        screening_id = screening.id
    user = login_as("clinician")
    response = client.get(f"/staff/submissions/{screening_id}/summary")
    assert response.status_code == 200
    return type("Page", (), {"text": html.unescape(response.get_data(as_text=True)),
                             "raw": response.get_data(as_text=True), "id": screening_id,
                             "user": user})


def test_header_date_and_version(page, app, questionnaire):
    assert app.config["CLINIC_NAME"] in page.text
    assert "Screening summary" in page.text
    assert f"version {questionnaire.version}" in page.text
    assert questionnaire.title in page.text
    assert " UTC" in page.text  # the submission date
    assert "Alex Example" in page.text and "+1 555 0100" in page.text


def test_outcome_reasons_scores_and_flags(page, questionnaire):
    assert questionnaire.outcomes_by_id["crisis"].title in page.text
    rules = {rule.id: rule for rule in questionnaire.rules}
    for rule_id in ("self_harm_thoughts", "depression_fit"):
        assert rule_id in page.text and rules[rule_id].reason in page.text
    assert questionnaire.flags_by_id["self_harm"].label in page.text
    assert "PHQ-9 (depression)" in page.text and "Moderate" in page.text
    assert "3.7" in page.text  # PEG shown to one decimal


def test_every_answer_with_its_label(page, questionnaire):
    for question_id in ("age_18_plus", "phq9_1", "self_harm_plan", "peg_3", "pregnancy"):
        assert questionnaire.questions[question_id].text in page.text
    assert "More than half the days" in page.text
    assert "Depression (major depressive disorder); PTSD" in page.text
    assert "depression;ptsd" in page.text
    assert "Not answered" in page.text  # the optional phq9_difficulty


def test_notes_are_shown_escaped(page):
    assert "Nora Nurse" in page.text
    assert "&lt;b&gt;left&lt;/b&gt;" in page.raw


def test_screening_not_diagnosis_line_and_print_stylesheet(page, questionnaire):
    assert "These are screening scores, not a diagnosis." in page.text
    assert questionnaire.texts["scores_disclaimer"] in page.text
    assert 'href="/static/print.css" media="print"' in page.raw
    assert 'href="/static/summary-print.css" media="print"' in page.raw


def test_skipped_steps_are_named(app, client, login_as, questionnaire):
    with app.app_context():
        screening_id = make_submission(baseline()).id
    login_as("admin")
    text = html.unescape(client.get(f"/staff/submissions/{screening_id}/summary").get_data(
        as_text=True))
    assert "Not asked, because earlier answers made them not apply" in text
    assert questionnaire.steps_by_id["safety"].title in text
    assert questionnaire.questions["peg_1"].text not in text


def test_patient_text_is_escaped(app, client, login_as):
    with app.app_context():
        screening_id = make_submission(name="<script>alert(1)</script>{{7*7}}").id
    login_as("clinician")
    raw = client.get(f"/staff/submissions/{screening_id}/summary").get_data(as_text=True)
    assert "<script>alert(1)" not in raw
    assert "&lt;script&gt;" in raw and "{{7*7}}" in raw


def test_printing_is_audited(page, app):
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export"))
        assert event.screening_id == page.id and event.actor_id == page.user.id
        assert event.detail == {"format": "summary", "rows": 1, "identified": True}


def test_footer_texts_come_from_questions_yaml(page, questionnaire):
    footer = page.text[page.text.index('<footer class="summary-footer">'):]
    for key in ("scores_disclaimer", "clinician_decides"):
        assert questionnaire.texts[key] in footer, key


def test_a_print_button_appears_with_script_and_never_on_paper(page):
    # Hidden until print-button.js reveals it; the text about the browser's Print command stays
    # for anyone without script, and .no-print keeps both off the printed page.
    assert ('<p class="no-print"><button type="button" class="secondary" data-print hidden>'
            'Print</button></p>') in page.raw
    assert '<script src="/static/print-button.js" defer></script>' in page.raw
    assert "Use your browser’s Print command" in page.text
