"""Staff read a Spanish screening in English, told its language and which answers the patient
read in a translation not yet validated (issue 27): queue, detail page, printable summary."""

from __future__ import annotations

import hashlib

import pytest
from markupsafe import escape

from screener.core import rules
from screener.extensions import db
from screener.storage.models import QuestionnaireVersion, Screening
from screener.storage.submissions import apply_assessment
from tests.kit.apps import QUESTIONS
from tests.factories import make_submission
from tests.helpers import baseline, gad7, phq9
from tests.kit.pages import Element, parse

LEGEND = "Asked in a Spanish translation not yet validated — interpret with care."
MARK = "translation: unvalidated"
# PHQ-9 item 9 and a C-SSRS plan, both "yes" along the way: a crisis, urgent now.
CRISIS = baseline(**phq9(2, 2, 2, 1, 1, 0, 0, 0, 1), **gad7(2, 2, 1, 1, 0, 0, 0),
                  cssrs_wish_dead="yes", cssrs_thoughts="yes", cssrs_method="yes",
                  cssrs_intent="no", cssrs_plan="yes")


@pytest.fixture
def spanish(app):
    with app.app_context():
        return make_submission(CRISIS, name="Inés Ejemplo", language="es").id


@pytest.fixture
def english(app):
    with app.app_context():
        return make_submission(CRISIS, name="Robin English").id


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def collapsed(text: str) -> str:
    """``text`` with its whitespace collapsed, as an element's text reads."""
    return " ".join(text.split())


def definitions(html: str) -> list[tuple[Element, Element]]:
    """Each <dt> with the <dd> right after it in its <dl>, in page order."""
    return [(term, value) for dl in parse(html).find_all("dl")
            for term, value in zip(dl.children, dl.children[1:])
            if term.tag == "dt" and value.tag == "dd"]


def language_shown(html: str) -> tuple[str | None, str]:
    """The detail page's Language entry: (its data-language, the name it shows)."""
    found = [(value.get("data-language"), value.text) for term, value in definitions(html)
             if term.text == "Language"]
    assert len(found) == 1, found
    return found[0]


def answers_on(html: str) -> dict[str, str]:
    """The detail page's answers: question text → what follows it (label and any mark)."""
    return {term.text: value.text for term, value in definitions(html) if not value.attrs}


def spanish_words(questionnaire, answers: dict) -> list[str]:
    """The Spanish question texts and chosen labels of ``answers`` (those not spelled as in
    English): none may reach a staff page."""
    es = questionnaire.localized("es")
    words = []
    for question_id, value in answers.items():
        english_q, spanish_q = questionnaire.questions[question_id], es.questions[question_id]
        pairs = [(english_q.text, spanish_q.text),
                 (english_q.label_for(value), spanish_q.label_for(value))]
        words += [str(escape(theirs)) for ours, theirs in pairs if theirs != ours]
    return words


def test_the_queue_marks_a_spanish_submission_and_not_an_english_one(client, login_as, spanish,
                                                                    english):
    login_as("intake")
    html = page(client, "/staff/")
    rows = {name: row for row in parse(html).find_all("tr", class_=True)
            for name in ("Inés Ejemplo", "Robin English") if name in row.text}
    badge = rows["Inés Ejemplo"].find("span", class_="badge-language", data_language="es",
                                      title="Screened in Spanish")
    # "ES" to the eye, the whole words for a screen reader.
    assert [span.text for span in badge.find_all("span", aria_hidden="true")] == ["ES"]
    assert [span.text for span in badge.find_all("span", class_="visually-hidden")] == [
        "Screened in Spanish"]
    assert not rows["Robin English"].find_all(data_language=True)


def test_the_detail_page_names_the_language_and_reads_in_english(client, login_as, spanish,
                                                                 questionnaire):
    login_as("intake")
    html = page(client, f"/staff/submissions/{spanish}")
    assert language_shown(html) == ("es", "Spanish")
    assert "In English; the patient read them in Spanish" in html
    shown = answers_on(html)
    for question_id, value in CRISIS.items():
        question = questionnaire.questions[question_id]
        assert collapsed(question.label_for(value)) in shown[collapsed(question.text)]
    for word in spanish_words(questionnaire, CRISIS):
        assert word not in html, word


def test_unvalidated_items_are_marked_beside_their_answers_with_a_legend(client, login_as,
                                                                         spanish, questionnaire):
    """The C-SSRS, GAD-7, CAGE-AID and TAPS items were read in Spanish not yet validated; the
    PHQ-9's Spanish is the publisher's, so its answers carry no mark."""
    login_as("intake")
    html = page(client, f"/staff/submissions/{spanish}")
    unvalidated = questionnaire.translations["es"].unvalidated
    shown = answers_on(html)
    marked = {question_id for question_id in CRISIS
              if MARK in shown[collapsed(questionnaire.questions[question_id].text)]}
    assert marked == {question_id for question_id in CRISIS if question_id in unvalidated}
    assert {"cssrs_plan", "gad7_1", "cage_cut_down", "taps_alcohol"} <= marked
    assert not marked & {"phq9_1", "phq9_9", "age_18_plus"}
    # Above the answers (no safety answer was recorded along the way: no table above them).
    assert html.count(LEGEND) == 1
    # The GAD-7 step's instruction was unvalidated too: marked beside it.
    stem = collapsed(questionnaire.steps_by_id["gad7"].stem)
    assert [line for line in parse(html).find_all("p") if line.own_text == stem
            and line.children and line.children[0].matches("span", class_="badge-unvalidated")
            and line.text == f"{stem} {MARK}"]


def test_an_english_submission_has_no_mark_and_says_english(client, login_as, english):
    login_as("intake")
    html = page(client, f"/staff/submissions/{english}")
    assert language_shown(html) == ("en", "English")
    assert MARK not in html and LEGEND not in html and "badge-language" not in html
    assert "As the patient saw them" in html


def test_reasons_stored_in_spanish_are_read_in_english(app, client, login_as, spanish,
                                                       questionnaire):
    """A submission evaluated under the Spanish view stores Spanish reasons: staff and the
    printable summary still read each rule's English reason (same ids, same outcome)."""
    es = questionnaire.localized("es")
    with app.app_context():
        screening = db.session.get(Screening, spanish)
        apply_assessment(screening, es, rules.evaluate(es, CRISIS))
        db.session.commit()
        stored = screening.assessment["rules"]
    english = {rule.id: rule.reason for rule in questionnaire.rules}
    translated = [rule for rule in stored if rule["reason"] != english[rule["id"]]]
    assert translated  # the stored reasons are Spanish
    login_as("clinician")
    for path in (f"/staff/submissions/{spanish}", f"/staff/submissions/{spanish}/summary"):
        html = page(client, path)
        for rule in stored:
            assert str(escape(english[rule["id"]])) in html, (path, rule["id"])
        for rule in translated:
            assert str(escape(rule["reason"])) not in html, (path, rule["id"])


def test_the_printable_summary_says_spanish_and_marks_the_same_answers(client, login_as, spanish,
                                                                       questionnaire):
    login_as("clinician")
    html = page(client, f"/staff/submissions/{spanish}/summary")
    assert ('<dd data-language="es">Spanish (questions and answers below are in English)</dd>'
            in html)
    assert html.count(LEGEND) == 1  # above the answers (no safety answers recorded)
    unvalidated = questionnaire.translations["es"].unvalidated
    questions = [row.children[0] for row in parse(html).find_all("tr") if len(row.children) > 1
                 and row.children[1].matches("td", class_="summary-answer")]
    marked = {cell.own_text for cell in questions if MARK in cell.text}
    expected = {collapsed(questionnaire.questions[q].text) for q in CRISIS if q in unvalidated}
    assert marked == expected
    for word in spanish_words(questionnaire, CRISIS):
        assert word not in html, word


def test_a_taken_back_plan_in_spanish_keeps_its_first_answer_and_its_mark(app, client, login_as,
                                                                         questionnaire):
    """Trying to lose a self-harm answer: the patient said yes to a plan in Spanish, then no.
    The safety answers as first given still show "Yes" (in English) beside the mark, the
    submission is urgent, and the queue shows it first, marked ES."""
    final = baseline(cssrs_thoughts="yes", cssrs_plan="no", cssrs_method="no",
                     cssrs_intent="no")
    with app.app_context():
        make_submission(baseline(), name="Robin English")
        taken_back = make_submission(final, name="Inés Ejemplo", language="es",
                                     safety_answers=[("cssrs_thoughts", "yes"),
                                                     ("cssrs_plan", "yes")]).id
    login_as("intake")
    html = page(client, f"/staff/submissions/{taken_back}")
    rows = parse(html).find_all("tr", class_="row-urgent", data_question="cssrs_plan")
    assert rows, "the taken-back plan is not shown as changed"
    assert MARK in rows[0].text
    first_given = rows[0].find("td", class_="first-given", data_label="First given")
    assert first_given.text == "Yes"
    assert 'data-flag="self_harm_changed"' in html and "urgency 1" in html
    assert html.count(LEGEND) == 2  # above the safety answers and above the answers
    queue = page(client, "/staff/")
    first = parse(queue).find("tbody").find("tr")
    assert "Inés Ejemplo" in first.text and first.find_all(data_language="es")


def test_under_a_version_kept_as_english_only_the_page_says_marks_are_not_known(
        app, client, login_as, questionnaire, spanish):
    """A Spanish screening answered under a version the app now keeps as its English text only
    (a later questions.yaml is in force): no mark can be worked out, so instead of an unmarked
    page that would look validated, staff read that it is not known."""
    source = QUESTIONS.read_text(encoding="utf-8") + "\n# an edit after this submission\n"
    sha256 = hashlib.sha256(source.encode()).hexdigest()
    with app.app_context():
        db.session.add(QuestionnaireVersion(sha256=sha256, questionnaire_id=questionnaire.id,
                                            version=questionnaire.version, source=source))
        db.session.commit()
        older = make_submission(CRISIS, name="Inés Ejemplo", language="es",
                                questionnaire_sha256=sha256).id
    login_as("clinician")
    note = ("Screened in Spanish under an older questionnaire version: which questions were "
            "asked in a translation not yet validated is not known — interpret every answer "
            "with care.")
    for path in (f"/staff/submissions/{older}", f"/staff/submissions/{older}/summary"):
        html = page(client, path)
        assert note in html and MARK not in html, path
        assert 'data-language="es"' in html
    # The same answers under the version in force: marked, and no such note.
    current = page(client, f"/staff/submissions/{spanish}")
    assert MARK in current and note not in current
