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
                           chronic_pain="yes", peg_1=4, peg_2=4, peg_3=3, cssrs_thoughts="yes",
                           cssrs_plan="yes")
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
    for rule_id in ("self_harm_thoughts", "suicide_intent_or_plan", "depression_fit"):
        assert rule_id in page.text and rules[rule_id].reason in page.text
    for flag_id, urgency in (("urgent_now", 1), ("self_harm", 3)):
        item = page.text.split(f'<li data-flag="{flag_id}">')[1].split("</li>")[0]
        assert questionnaire.flags_by_id[flag_id].label in item and f"urgency {urgency}" in item
    assert "PHQ-9 (depression)" in page.text and "Moderate" in page.text
    assert "3.7" in page.text  # PEG shown to one decimal


def test_every_answer_with_its_label(page, questionnaire):
    for question_id in ("age_18_plus", "phq9_1", "cssrs_plan", "peg_3", "pregnancy"):
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
    assert questionnaire.steps_by_id["pain_severity"].title in text
    assert questionnaire.questions["peg_1"].text not in text


def answer_cell(text: str, question) -> str:
    """The answer cell of one question's row in the summary's answer tables."""
    start = text.index(f"<td>{question.text}</td>")
    return text[start:text.index("</tr>", start)]


def test_a_question_the_final_answers_did_not_show_says_not_asked(app, client, login_as,
                                                                  questionnaire):
    """The C-SSRS follow-ups after thoughts = no, and drugs_cannabis_only after taps_drugs =
    never, were not asked: "Not asked", never "Not answered" (which would read as skipped)."""
    with app.app_context():
        screening_id = make_submission(baseline()).id
    login_as("clinician")
    text = html.unescape(client.get(f"/staff/submissions/{screening_id}/summary").get_data(
        as_text=True))
    for question_id in ("cssrs_method", "cssrs_intent", "cssrs_plan", "suicide_attempt_recent",
                        "drugs_cannabis_only"):
        assert "<em>Not asked</em>" in answer_cell(text, questionnaire.questions[question_id])
    assert "<em>Not answered</em>" in answer_cell(text, questionnaire.questions[
        "phq9_difficulty"])  # shown, optional, left empty
    assert "Safety answers as first given" not in text  # none was given


def test_the_safety_section_shows_every_answer_as_first_given(app, client, login_as,
                                                              questionnaire):
    """Example 22: the final answers do not ask cssrs_plan ("Not asked"), but the plan the
    patient gave, and when, is on the printed page."""
    with app.app_context():
        screening_id = make_submission(
            baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0)),
            safety_answers=[("phq9_9", 1), ("cssrs_thoughts", "yes"), ("cssrs_plan", "yes")]).id
    login_as("clinician")
    text = html.unescape(client.get(f"/staff/submissions/{screening_id}/summary").get_data(
        as_text=True))
    assert "<em>Not asked</em>" in answer_cell(text, questionnaire.questions["cssrs_plan"])
    start = text.index('id="safety-title"')
    section = text[start:text.index("</section>", start)]
    rows = section.split("<tr>")[2:]
    assert [row.split("<code>")[1].split("</code>")[0] for row in rows] == [
        "phq9_9", "cssrs_thoughts", "cssrs_plan"]
    assert "<td>Yes</td>" in rows[2] and "<strong>— changed</strong>" in rows[2]
    assert questionnaire.questions["phq9_9"].label_for(1) in rows[0]
    flag = text.split('<li data-flag="self_harm_changed">')[1].split("</li>")[0]
    assert "urgency 1" in flag  # a plan was taken back: contact today, not urgency 2


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


def test_summary_prints_the_review_status_in_words(app, client, login_as):
    """Issue 25: "in review", not the id ``in_review``."""
    from tests.factories import make_submission as submission

    with app.app_context():
        sid = submission(review_status="in_review").id
    login_as("clinician")
    text = client.get(f"/staff/submissions/{sid}/summary").get_data(as_text=True)
    assert "review status: in review" in text and "in_review" not in text
