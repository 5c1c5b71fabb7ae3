"""Journey 2: a patient using only the keyboard on a phone-sized screen (375×667)."""

from __future__ import annotations

import pytest

from tests.browser import keyboard
from tests.browser.answers import KEYBOARD as ANSWERS, KEYBOARD_CONTACT as CONTACT
from tests.browser.keyboard import (activate, answer_by_keyboard, continue_by_keyboard, press,
                                    tab_to, type_into)
from tests.browser.browser_pages import PHONE, assert_accessible, assert_focus_visible, focused, snap
from tests.browser.browser_patient import current_step, outcome_of, path_of, walk_steps

CHANGED = ("current_care", "yes")


def assert_error_summary_focused(page) -> None:
    """After a validation error the focus is on the error summary, visibly."""
    # autofocus is applied at the next rendering update after load, not at load itself
    page.wait_for_function("document.activeElement !== document.body", timeout=3000)
    info = assert_focus_visible(page)
    assert info["id"] == "error-summary", f"focus is on {info}, not the error summary"


@pytest.mark.slow
def test_patient_by_keyboard_on_a_phone(live_server, browser, axe_source, questionnaire,
                                        submitted):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10000)
    keyboard.PRESSED.clear()
    try:
        _journey(page, live_server.url, axe_source, questionnaire)
    finally:
        context.close()
    submitted["keyboard"] = CONTACT.name
    used = set(keyboard.PRESSED)
    assert {"Tab", "Shift+Tab", "Space", "Enter"} <= used and used & {"ArrowDown", "ArrowUp"}


def _journey(page, base_url, axe_source, questionnaire) -> None:
    page.goto(base_url + "/")
    info = press(page, "Tab")
    assert info["tag"] == "a" and "Skip to main content" in info["text"]
    activate(page, "form[action$='/screening/start'] button")

    # A step sent without an answer: the error summary takes the focus, its link leads on.
    first = current_step(page, questionnaire)
    continue_by_keyboard(page)
    assert current_step(page, questionnaire) == first
    assert_error_summary_focused(page)
    assert_accessible(page, axe_source, f"phone step-errors:{first.id}")
    snap(page, f"keyboard-step-errors-{first.id}", sizes=("phone",))
    tab_to(page, "#error-summary a")
    press(page, "Enter")
    info = assert_focus_visible(page)
    # The question's fieldset (issue 13: its legend and message in view), not its first option.
    assert info["id"] == first.questions[0].id, "the error link leads to the question"

    def visit(kind, name, step):
        snap(page, f"keyboard-{kind}-{name}", sizes=("phone",))

    walk_steps(page, questionnaire, ANSWERS, visit=visit, answer=answer_by_keyboard,
               submit=continue_by_keyboard)
    assert path_of(page) == "/screening/review"

    # Down to the bottom result button, then Shift+Tab back up to a Change link.
    tab_to(page, "form.see-result-bottom button")
    question = questionnaire.questions[CHANGED[0]]
    activate(page, f"a[href*='/screening/{question.step_id}?return_to=review']"
                   f"[href$='#{question.id}']")
    assert current_step(page, questionnaire).id == question.step_id
    keyboard.choose_radio(page, question.id, CHANGED[1])
    continue_by_keyboard(page)
    assert path_of(page) == "/screening/review"

    activate(page, "form[action$='/screening/review'] button")
    assert path_of(page) == "/screening/result"
    assert outcome_of(page) == "other_options_first"
    assert_accessible(page, axe_source, "result:other_options_first")
    snap(page, "result-other_options_first")

    activate(page, "a[href$='/screening/send']")
    activate(page, "form.send-form button[type=submit]")
    assert_error_summary_focused(page)
    assert_accessible(page, axe_source, "phone send-errors")
    type_into(page, "#name", CONTACT.name)
    type_into(page, "#phone", CONTACT.phone)
    keyboard.choose_radio(page, "contact_method", "text")
    tab_to(page, "#consent")
    press(page, "Space")
    activate(page, "form.send-form button[type=submit]")
    assert path_of(page) == "/screening/sent", focused(page)
    assert_accessible(page, axe_source, "phone sent")
