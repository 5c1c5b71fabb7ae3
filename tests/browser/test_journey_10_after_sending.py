"""Journey 10, on a phone (390×844): issue 24's second pass. Back after sending reassures, the
progress total never grows, follow-ups appear in place, the crisis page is a page of its own,
start over asks first. Screenshots for docs/screenshots/ with SCREENER_DOC_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re

from tests.browser.answers import CRISIS, MOUSE
from tests.kit.servers import PROJECT_ROOT
from tests.browser.browser_pages import assert_accessible, assert_accessible_without_script, snap
from tests.browser.browser_patient import (answer_by_mouse, complete, current_step, group,
                                   path_of, press_continue, start, walk_steps)
from tests.helpers import baseline, phq9

PHONE = {"width": 390, "height": 844}
FIT = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0))


def phone_page(browser):
    """A fresh phone-sized context and page."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    return context, page


def shot(page, name: str) -> None:
    """A full-page phone screenshot: docs/screenshots/ with SCREENER_DOC_SCREENSHOTS=1, else
    test-artifacts/."""
    if os.environ.get("SCREENER_DOC_SCREENSHOTS") == "1":
        path = PROJECT_ROOT / "docs" / "screenshots" / f"{name}-390.png"
        page.screenshot(path=str(path), full_page=True)
    else:
        snap(page, name, sizes=("phone",))


def test_back_twice_after_sending_shows_the_confirmation(live_server, browser, axe_source,
                                                         questionnaire):
    context, page = phone_page(browser)
    try:
        page.goto(live_server.url + "/")
        shot(page, "landing")
        assert page.locator('a[href="sms:988"]').is_visible()
        complete(page, live_server.url, questionnaire, FIT)
        assert path_of(page) == "/screening/result"
        shot(page, "result")
        page.get_by_role("link", name="Send my answers to the clinic").click()
        page.wait_for_load_state()
        copy = browser.new_context(viewport=PHONE)  # a cookie copied before the send
        copy.add_cookies(context.cookies())
        page.get_by_label("Your name").fill("Bea Back")
        page.get_by_label("Email address", exact=True).fill("bea.back@example.com")
        page.get_by_role("checkbox", name=re.compile("I agree")).check()
        page.get_by_role("button", name="Send my answers").click()
        page.wait_for_load_state()
        assert path_of(page) == "/screening/sent"
        reference = page.locator("[data-reference]").inner_text()
        assert re.fullmatch(r"[2-9A-HJKMNP-TW-Z]{3}-[2-9A-HJKMNP-TW-Z]{3}", reference)
        assert page.locator("section.crisis").count() == 0, "no red block for a non-urgent send"
        shot(page, "sent")
        assert_accessible(page, axe_source, "sent:first")
        for _ in range(2):
            page.go_back()
            page.wait_for_load_state()
            main = page.inner_text("main")
            assert "Your answers were sent on" in main and reference in main, page.url
            assert "start again" not in main.lower()
            assert "Send my answers" not in main
        assert_accessible(page, axe_source, "sent:after-back")
        # A second send is impossible: the send page leads to the confirmation too.
        page.goto(live_server.url + "/screening/send")
        assert path_of(page) == "/screening/sent" and reference in page.inner_text("main")
        # The copied cookie: a neutral page, no reference, nothing of the result.
        other = copy.new_page()
        other.goto(live_server.url + "/screening/result")
        assert path_of(other) == "/screening/already-sent"
        main = other.inner_text("main")
        assert "These answers were already sent" in main and reference not in main
        assert other.locator("[data-outcome], section.crisis").count() == 0
        assert_accessible(other, axe_source, "already-sent")
        copy.close()
    finally:
        context.close()


def test_progress_max_stays_the_same_when_a_step_is_added(live_server, browser, questionnaire):
    """Chronic pain adds a step: <progress max> is read on every page and never changes."""
    context, page = phone_page(browser)
    try:
        start(page, live_server.url)
        seen = []

        def read(kind, name, step):
            meter = page.locator("progress.progress-meter")
            seen.append((name, meter.get_attribute("max"), meter.get_attribute("value")))

        journey = walk_steps(page, questionnaire, MOUSE, visit=read)
        assert "pain_severity" in journey.steps
        assert {total for _, total, _ in seen} == {str(len(questionnaire.steps))}, seen
        values = [int(value) for _, _, value in seen]
        assert values == sorted(values), seen
    finally:
        context.close()


def test_follow_ups_appear_in_place_and_the_crisis_page_is_its_own(live_server, browser,
                                                                   axe_source, questionnaire):
    context, page = phone_page(browser)
    try:
        start(page, live_server.url)
        walk_steps(page, questionnaire, CRISIS, until="safety")
        safety = questionnaire.steps_by_id["safety"]
        plan = group(page, questionnaire.questions["cssrs_plan"])
        assert plan.count() == 0, "hidden until thoughts are 'yes'"
        url = page.url
        group(page, questionnaire.questions["cssrs_thoughts"]).get_by_label(
            "Yes", exact=True).check()
        assert plan.is_visible() and page.url == url, "revealed in place, no reload"
        assert page.get_by_text("One more question about your answer").first.is_visible()
        plan.scroll_into_view_if_needed()
        shot(page, "step-follow-up")
        assert_accessible(page, axe_source, "step:safety-revealed")
        group(page, questionnaire.questions["cssrs_thoughts"]).get_by_label(
            "No", exact=True).check()
        assert plan.count() == 0, "hidden again"
        answer_by_mouse(page, safety, CRISIS)
        press_continue(page)
        assert path_of(page) == "/screening/help-now"
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading == safety.crisis_page_title and heading != safety.title
        assert page.locator("progress").count() == 0 and page.locator("form.step-form").count() == 0
        assert "crisis" not in page.title().lower()
        shot(page, "help-now")
        assert_accessible(page, axe_source, "help-now")
        page.get_by_role("link", name="Continue the screening").click()
        page.wait_for_load_state()
        assert current_step(page, questionnaire).id == "gad7"
        page.get_by_role("link", name="Start over and delete my answers").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == (
            "Delete all your answers and start again?")
        shot(page, "start-over")
        assert_accessible(page, axe_source, "start-over")
        page.get_by_role("link", name="No, keep my answers").click()
        page.wait_for_load_state()
        assert current_step(page, questionnaire).id == "gad7"
    finally:
        context.close()


def test_without_script_the_follow_up_is_pointed_out_and_focused(live_server, browser,
                                                                 axe_source, questionnaire):
    """No JavaScript: Continue shows the step again, "One more question about your answer"
    focused, right before the new question; the first answer kept."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10000)
    try:
        start(page, live_server.url)
        walk_steps(page, questionnaire, CRISIS, until="safety")
        attempt = group(page, questionnaire.questions["suicide_attempt"])
        follow_up = group(page, questionnaire.questions["suicide_attempt_recent"])
        assert follow_up.count() == 0, "hidden (and no script to reveal it)"
        for question_id in ("cssrs_wish_dead", "cssrs_thoughts"):
            group(page, questionnaire.questions[question_id]).get_by_label(
                "No", exact=True).check()
        attempt.get_by_label("Yes", exact=True).check()
        press_continue(page)
        assert path_of(page) == "/screening/safety" and "#" not in page.url
        assert follow_up.is_visible()
        # Playwright's own queries run without the page's script: the autofocused note.
        note = page.locator(".follow-up-note:focus")
        assert note.count() == 1 and note.inner_text() == "One more question about your answer"
        assert attempt.get_by_label("Yes", exact=True).is_checked()
        assert_accessible_without_script(browser, page, axe_source,
                                         "step:safety-follow-up-no-script")
        shot(page, "step-follow-up-no-script")
    finally:
        context.close()
