"""Journey 1: a patient with a mouse on a desktop, from the landing page to the confirmation."""

from __future__ import annotations

import re

import pytest

from tests.browser.answers import MOUSE as ANSWERS, MOUSE_CONTACT as CONTACT
from tests.browser.browser_pages import (assert_accessible, document_screenshot, pdf_page_count,
                                 print_to_pdf, snap, snap_print)
from tests.browser.browser_patient import (answer_by_mouse, current_step, fill_contact, outcome_of,
                                   path_of, press_continue, start, walk_steps)

CHANGED = ("phq9_2", 2)  # changed from the review page: the PHQ-9 total goes from 10 to 11


@pytest.mark.slow
def test_patient_by_mouse_on_desktop(live_server, page, axe_source, questionnaire, submitted):
    def visit(kind, name, step):
        assert_accessible(page, axe_source, f"{kind}:{name}")
        snap(page, f"mouse-{kind}-{name}", sizes=("desktop",))

    page.goto(live_server.url + "/")
    assert_accessible(page, axe_source, "landing")
    snap(page, "landing")
    page.get_by_role("link", name="Get help now").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=questionnaire.crisis_title).is_visible()
    assert_accessible(page, axe_source, "help")
    snap(page, "help")

    start(page, live_server.url)
    first = current_step(page, questionnaire)
    page.locator("header a.brand").click()  # back to the landing page, screening under way
    page.wait_for_load_state()
    assert_accessible(page, axe_source, "landing:in-progress")
    page.get_by_role("link", name="Continue where you left off").click()
    page.wait_for_load_state()
    assert current_step(page, questionnaire) == first
    journey = walk_steps(page, questionnaire, ANSWERS, visit=visit, errors_first=True)
    enabled = [s.id for s in questionnaire.steps if s.enable_when is None or s.id in journey.steps]
    assert journey.steps == enabled, "every step the answers enable is shown, in order"
    crisis_steps = {s.id for s in questionnaire.steps if s.show_crisis_resources}
    # 1.2.0: the safety step (with its crisis resources) is asked of everyone, item 9 "Not at
    # all" included.
    assert crisis_steps and crisis_steps <= set(journey.steps)

    # Review, then change one answer and come straight back.
    assert path_of(page) == "/screening/review"
    assert_accessible(page, axe_source, "review")
    snap(page, "review")
    question = questionnaire.questions[CHANGED[0]]
    page.get_by_role("link", name=re.compile(re.escape(question.text))).click()
    page.wait_for_load_state()
    step = current_step(page, questionnaire)
    assert step.id == question.step_id and "return_to=review" in page.url
    answer_by_mouse(page, step, {CHANGED[0]: CHANGED[1]})
    press_continue(page)
    assert path_of(page) == "/screening/review"
    changed_row = page.locator(".answer-row", has_text=question.text)
    assert changed_row.locator("dd").first.inner_text() == question.label_for(CHANGED[1])

    # Result: the outcome, the scores with the change, the consultation text.
    page.get_by_role("button", name="See my result").first.click()  # top of two
    page.wait_for_load_state()
    assert path_of(page) == "/screening/result"
    assert outcome_of(page) == "possible_fit"
    outcome = questionnaire.outcomes_by_id["possible_fit"]
    assert page.get_by_role("heading", level=1).inner_text() == outcome.title
    assert questionnaire.texts["consultation"] in page.inner_text("main")
    phq9_title = questionnaire.scores_by_id["phq9"].title
    phq9_row = page.get_by_role("row", name=re.compile(re.escape(phq9_title)))
    assert re.search(r"\b11\b", phq9_row.inner_text())
    assert page.get_by_role("button", name="Print this page").is_visible()  # script ran
    assert_accessible(page, axe_source, "result:possible_fit")
    snap(page, "result-possible_fit")
    document_screenshot(page, "result-phone", down_to="section.consultation")
    snap_print(page, "result-possible_fit")
    for paper in ("Letter", "A4"):
        pdf = print_to_pdf(page, "result-possible_fit", paper)
        assert pdf_page_count(pdf) == 1, f"a typical result prints on one {paper} page"

    # Send to the clinic: first without anything filled in.
    page.get_by_role("link", name="Send my answers to the clinic").click()
    page.wait_for_load_state()
    assert_accessible(page, axe_source, "send")
    snap(page, "send")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    assert page.title().startswith("Error:")
    assert_accessible(page, axe_source, "send-errors")
    snap(page, "send-errors", sizes=("desktop",))
    fill_contact(page, CONTACT)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()

    assert path_of(page) == "/screening/sent"
    assert questionnaire.texts["sent_next_steps"] in page.inner_text("main")
    # No flag: no large crisis block on the sent page, the footer's modest help link only.
    assert page.locator("main section.crisis").count() == 0
    assert page.locator("footer").get_by_role("link", name="Get help now").is_visible()
    assert_accessible(page, axe_source, "sent")
    snap(page, "sent")
    submitted["mouse"] = CONTACT.name

