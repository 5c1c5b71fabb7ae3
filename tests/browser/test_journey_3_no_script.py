"""Journey 3: the same journey with JavaScript switched off in the browser."""

from __future__ import annotations

import re

import pytest

from screener.core import rules
from tests.browser.answers import NO_SCRIPT as ANSWERS, NO_SCRIPT_CONTACT as CONTACT
from tests.browser.browser_pages import DESKTOP, assert_accessible_without_script, snap
from tests.browser.browser_patient import (answer_by_mouse, current_step, send_from_result,
                                   outcome_of, path_of, press_continue, start, walk_steps)


@pytest.mark.slow
def test_patient_without_javascript(live_server, browser, axe_source, questionnaire, submitted):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10000)
    try:
        _journey(browser, page, live_server.url, axe_source, questionnaire)
    finally:
        context.close()
    submitted["no_script"] = CONTACT.name


def _journey(browser, page, base_url, axe_source, questionnaire) -> None:
    start(page, base_url)
    first = current_step(page, questionnaire)
    press_continue(page)  # server-side validation, no script needed
    assert page.locator("#error-summary").is_visible()
    assert current_step(page, questionnaire) == first

    journey = walk_steps(page, questionnaire, ANSWERS)
    assert path_of(page) == "/screening/review"
    # An adult without chronic pain: the substance and health steps, no pain follow-up.
    shown = [s.id for s in questionnaire.steps if s.enable_when is None or rules.condition_holds(
        questionnaire, s.enable_when, ANSWERS)]
    assert journey.steps == shown and "pain_severity" not in shown

    question = questionnaire.questions["brain_bleed"]
    page.get_by_role("link", name=re.compile(re.escape(question.text))).click()
    page.wait_for_load_state()
    assert current_step(page, questionnaire).id == question.step_id
    answer_by_mouse(page, current_step(page, questionnaire), {"brain_bleed": "unsure"})
    press_continue(page)
    assert path_of(page) == "/screening/review"

    page.get_by_role("button", name="See my result").first.click()  # top of two
    page.wait_for_load_state()
    assert outcome_of(page) == "safety_review"
    assert page.get_by_role("heading", level=1).inner_text() == (
        questionnaire.outcomes_by_id["safety_review"].title)
    # Progressive enhancement: the print button needs a script, so it stays hidden.
    assert not page.get_by_role("button", name="Print this page").is_visible()
    assert_accessible_without_script(browser, page, axe_source, "result:safety_review")
    snap(page, "result-safety_review")

    send_from_result(page, CONTACT)
    assert questionnaire.texts["sent_next_steps"] in page.inner_text("main")
