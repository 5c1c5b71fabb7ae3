"""Journey 7: the wizard as people really use it (issue 13) — errors and the Back button on a
390×844 phone, partial answers kept, changing an answer from review, a sent screening leaving the
device, and resuming on another device with a code (two browser contexts)."""

from __future__ import annotations

import re

import pytest

from tests.browser.answers import MOUSE as ANSWERS, REAL_USE_CONTACT as CONTACT
from tests.browser.browser_pages import DESKTOP, assert_accessible, focused
from tests.browser.browser_patient import (answer_by_mouse, fill_contact, group, path_of, press_continue,
                                   start, walk_steps)

PHONE_390 = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 700}


class Navigations:
    """The methods of the top-level document requests the page makes."""

    def __init__(self, page):
        self.seen: list[tuple[str, str]] = []
        page.on("request", lambda r: self.seen.append((r.method, r.url))
                if r.is_navigation_request() and r.frame == page.main_frame else None)

    def methods(self) -> set[str]:
        return {method for method, _ in self.seen}


def go_back_without_resubmitting(page, navigations: Navigations) -> None:
    """Browser Back re-requests a GET page (never a POST, so no "Confirm Form Resubmission")."""
    navigations.seen.clear()
    response = page.go_back()
    page.wait_for_load_state()
    assert response is not None and response.ok, page.url
    assert navigations.methods() == {"GET"}, navigations.seen
    assert page.locator("main h1").count() == 1  # a page of ours, not the browser's error page


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.slow
def test_errors_back_and_partial_answers_on_a_phone(live_server, browser, axe_source,
                                                    questionnaire, artifacts):
    context = browser.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    navigations = Navigations(page)
    try:
        _errors_and_back(page, live_server.url, axe_source, questionnaire, navigations,
                         artifacts)
    finally:
        context.close()


def _errors_and_back(page, base_url, axe_source, questionnaire, navigations, artifacts):
    start(page, base_url)
    walk_steps(page, questionnaire, ANSWERS, until="phq9")
    phq9 = questionnaire.steps_by_id["phq9"]

    # The stem stays in view, in a compact line, over the long list of items.
    last = group(page, phq9.questions[-1])
    last.scroll_into_view_if_needed()
    stem = page.locator(".stem")
    assert in_view(page, stem) and stem.bounding_box()["y"] <= 1, stem.bounding_box()
    assert stem.bounding_box()["height"] <= 0.12 * PHONE_390["height"]
    page.screenshot(path=str(artifacts / "phq9-390-scrolled.png"))
    page.evaluate("window.scrollTo(0, 0)")

    # Eight of nine items answered, then Continue: the step redirects to itself with the errors.
    missing = phq9.questions[8]
    partial = {k: v for k, v in ANSWERS.items() if k != missing.id}
    answer_by_mouse(page, phq9, partial)
    navigations.seen.clear()
    press_continue(page)
    assert path_of(page) == "/screening/phq9"
    assert [m for m, _ in navigations.seen] == ["POST", "GET"] or navigations.methods() == {
        "POST", "GET"}, navigations.seen
    assert page.title().startswith("Error:") and page.locator("#error-summary").is_visible()
    assert_accessible(page, axe_source, "phone-390 step-errors:phq9")
    page.screenshot(path=str(artifacts / "phq9-390-errors.png"))
    for question in phq9.questions[:8]:
        if question.id in partial:
            label = question.label_for(partial[question.id])
            assert group(page, question).get_by_label(label, exact=True).is_checked()

    # The error link leads to the question's fieldset: focus there, legend and message in view.
    page.locator("#error-summary a").first.click()
    page.wait_for_function(f"document.activeElement.id === '{missing.id}'")
    fieldset = group(page, missing)
    assert in_view(page, fieldset.locator("legend")), fieldset.locator("legend").bounding_box()
    assert in_view(page, page.locator(f"#{missing.id}-error"))
    assert focused(page)["outlineWidth"] >= 2

    # Back: the step as it was before the error (a GET), the valid answers kept and checked.
    page.go_back()  # the error link's entry: the same document, no request
    assert page.locator("#error-summary").is_visible()
    go_back_without_resubmitting(page, navigations)
    assert path_of(page) == "/screening/phq9" and not page.locator("#error-summary").count()
    first = phq9.questions[0]
    assert group(page, first).get_by_label(first.label_for(ANSWERS[first.id]),
                                           exact=True).is_checked()

    # Leave and come back: the step still counts as unanswered, its answers are still there.
    page.goto(base_url + "/")
    page.get_by_role("link", name="Continue where you left off").click()
    page.wait_for_load_state()
    assert path_of(page) == "/screening/phq9"
    assert group(page, first).get_by_label(first.label_for(ANSWERS[first.id]),
                                           exact=True).is_checked()
    walk_steps(page, questionnaire, ANSWERS)
    assert path_of(page) == "/screening/review"

    # Review: "See my result" at the top and the bottom; start over set apart.
    buttons = page.get_by_role("button", name="See my result")
    assert buttons.count() == 2 and in_view(page, buttons.first)
    assert page.locator(".start-over-section a").is_visible()  # it asks first (its own page)

    # Changing an answer: "Save and return to review", no step count; at 320px each 0-10 option
    # is still a 44 px target (issue 24), in two even rows.
    peg = questionnaire.questions["peg_1"]
    page.locator(f"a[href$='return_to=review#{peg.id}']").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Save and return to review").is_visible()
    assert page.get_by_text("Step ", exact=False).filter(has_text=" of ").count() == 0
    page.set_viewport_size(NARROW)
    boxes = [o.bounding_box() for o in group(page, peg).locator(".option").all()]
    assert all(box["width"] >= 44 and box["height"] >= 44 for box in boxes), boxes
    tops = {round(box["y"]) for box in boxes}
    assert len(tops) <= 2, f"the 0-10 scale takes more than two rows at 320px: {sorted(tops)}"
    page.screenshot(path=str(artifacts / "pain-320-change.png"))
    page.set_viewport_size(PHONE_390)
    page.get_by_role("button", name="Save and return to review").click()
    page.wait_for_load_state()
    assert path_of(page) == "/screening/review"
    buttons.first.click()
    page.wait_for_load_state()
    assert path_of(page) == "/screening/result"

    # Send: errors redirect (Back is clean), then the sent page; after it, nothing is left.
    page.get_by_role("link", name="Send my answers to the clinic").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert path_of(page) == "/screening/send" and page.title().startswith("Error:")
    assert_accessible(page, axe_source, "phone-390 send-errors")
    go_back_without_resubmitting(page, navigations)
    assert path_of(page) == "/screening/send"
    fill_contact(page, CONTACT)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert path_of(page) == "/screening/sent"
    assert page.get_by_role("button", name="Print my result").is_visible()
    assert page.locator("#result-copy").is_visible()
    # Times in the clinic's zone (CLINIC_TIMEZONE=America/New_York for the browser server).
    sent_line = page.locator("#result-copy .meta").inner_text()
    assert re.search(r"Sent to the clinic \d{4}-\d\d-\d\d \d\d:\d\d E[SD]T", sent_line), sent_line
    assert_accessible(page, axe_source, "phone-390 sent")
    page.emulate_media(media="print")  # "Print my result" prints the copy, nothing else
    assert page.locator("#result-copy").is_visible() and not page.locator("h1").is_visible()
    page.emulate_media(media="screen")
    # Back, or any page of the screening: the confirmation and its reference (issue 24), never
    # the answers or the result again.
    reference = page.locator("[data-reference]").inner_text()
    go_back_without_resubmitting(page, navigations)
    assert path_of(page) == "/screening/sent"
    for path in ("/screening/result", "/screening/review", "/screening/sent"):
        page.goto(base_url + path)
        assert path_of(page) == "/screening/sent", path
        main = page.inner_text("main")
        assert "Your answers were sent on" in main and reference in main
        assert not page.locator("[data-outcome]").count()
        assert not page.locator("#result-copy").count()


@pytest.mark.slow
def test_resume_on_another_device_with_a_code(live_server, browser, axe_source, questionnaire):
    phone = browser.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
    laptop = browser.new_context(viewport=DESKTOP)
    try:
        _resume(phone.new_page(), laptop.new_page(), live_server.url, axe_source, questionnaire)
    finally:
        phone.close()
        laptop.close()


def _resume(phone, laptop, base_url, axe_source, questionnaire):
    for page in (phone, laptop):
        page.set_default_timeout(15000)
    start(phone, base_url)
    walk_steps(phone, questionnaire, ANSWERS, until="gad7")
    gad7 = questionnaire.steps_by_id["gad7"]
    answer_by_mouse(phone, gad7, {gad7.questions[0].id: ANSWERS[gad7.questions[0].id]})
    phone.get_by_role("button", name="Save and continue later").click()
    phone.wait_for_load_state()
    assert path_of(phone) == "/screening/save"
    code = phone.locator("[data-resume-code]").get_attribute("data-resume-code")
    assert len(code) == 14 and code.count("-") == 2
    assert_accessible(phone, axe_source, "phone-390 save")

    laptop.goto(base_url + "/")
    laptop.get_by_role("link", name="I have a resume code").click()
    laptop.wait_for_load_state()
    assert path_of(laptop) == "/screening/resume"
    assert_accessible(laptop, axe_source, "resume")
    laptop.get_by_label("Resume code").fill("AAAA-BBBB-CCCC")
    laptop.get_by_role("button", name="Continue my screening").click()
    laptop.wait_for_load_state()
    assert path_of(laptop) == "/screening/resume" and laptop.title().startswith("Error:")
    laptop.wait_for_function("document.activeElement.id === 'error-summary'")
    assert_accessible(laptop, axe_source, "resume-errors")
    laptop.get_by_label("Resume code").fill(code.lower().replace("-", " "))
    laptop.get_by_role("button", name="Continue my screening").click()
    laptop.wait_for_load_state()
    assert path_of(laptop) == "/screening/gad7"
    first = gad7.questions[0]
    assert group(laptop, first).get_by_label(first.label_for(ANSWERS[first.id]),
                                             exact=True).is_checked()

    # The screening moved: the phone no longer opens it.
    phone.goto(base_url + "/screening/gad7")
    assert path_of(phone) == "/"
