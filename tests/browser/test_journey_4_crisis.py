"""Journey 4: item 9 of the PHQ-9 answered "Several days", then thoughts of suicide and a plan
on the safety step — help first, on a phone."""

from __future__ import annotations

import pytest

from tests.browser.answers import CRISIS as ANSWERS, CRISIS_CONTACT as CONTACT, SEVERAL_DAYS
from tests.browser.browser_pages import PHONE, assert_accessible, snap
from tests.browser.browser_patient import (answer_by_mouse, current_step, group, send_from_result,
                                   outcome_of, path_of, press_continue, start, walk_steps)


# How many crisis resources (the first, most urgent ones) must fit on a phone's first screen:
# 911 and 988. The six of 1.2.0 (with Veterans, Spanish and TTY) cannot all fit at 375 × 667.
FIRST_SCREEN = 2


def above_the_fold(page, locator) -> bool:
    """Whether the element is wholly inside the first screen of the page, before any scroll."""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.slow
def test_thoughts_of_self_harm_bring_help_first(live_server, browser, axe_source,
                                                questionnaire, submitted):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    try:
        _journey(page, live_server.url, axe_source, questionnaire)
    finally:
        context.close()
    submitted["crisis"] = CONTACT.name


def _journey(page, base_url, axe_source, questionnaire) -> None:
    start(page, base_url)
    item9 = questionnaire.questions["phq9_9"]
    assert item9.label_for(SEVERAL_DAYS) == "Several days"
    safety = next(s.id for s in questionnaire.steps if s.show_crisis_resources)
    journey = walk_steps(page, questionnaire, ANSWERS, until=safety)
    assert journey.steps[-1] == item9.step_id, "the safety step comes straight after item 9"

    # The safety step opens with the crisis resources: the most urgent ones (the questionnaire
    # lists them first: 911, then 988) on the first screen, every one before any question.
    step = current_step(page, questionnaire)
    assert step is not None and step.show_crisis_resources, page.url
    page.evaluate("window.scrollTo(0, 0)")
    crisis = page.locator("section.crisis")
    assert crisis.get_by_role("heading", name=questionnaire.crisis_title).is_visible()
    first_question = page.locator("fieldset").first.bounding_box()["y"]
    for number, resource in enumerate(questionnaire.crisis_resources):
        item = crisis.locator("li", has_text=resource.text)
        if number < FIRST_SCREEN:
            assert above_the_fold(page, item), f"not above the fold on a phone: {resource.text}"
        box = item.bounding_box()
        assert box["y"] + box["height"] <= first_question, resource.text
        links = item.get_by_role("link")
        assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
            link.href for link in resource.links]
        for i in range(links.count()):  # big touch targets: at least 44 × 44 CSS pixels
            box = links.nth(i).bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44, resource.links[i].href
    snap(page, "crisis-safety-step")
    assert_accessible(page, axe_source, f"step:{step.id}")
    press_continue(page)
    assert page.locator("#error-summary").is_visible()
    assert page.locator("section.crisis").is_visible(), "help stays on screen with the error"
    assert_accessible(page, axe_source, f"step-errors:{step.id}")

    # "Yes" to thoughts of suicide: the follow-ups appear in place on the same step
    # (wizard.js); "yes" to the plan: the crisis page, with the resources and a way on.
    answer_by_mouse(page, step, ANSWERS)
    assert group(page, questionnaire.questions["cssrs_plan"]).is_visible()
    press_continue(page)
    assert path_of(page) == "/screening/help-now"
    assert step.crisis_page_text in page.inner_text("main")
    # The page's line (nobody at the clinic has seen these answers) comes first; the first way
    # to reach 911 and 988 is still on the first screen.
    for resource in questionnaire.crisis_resources[:FIRST_SCREEN]:
        item = page.locator("section.crisis li", has_text=resource.text)
        first_link = item.get_by_role("link", name=resource.links[0].text, exact=True)
        assert above_the_fold(page, first_link), f"not on the first screen: {resource.text}"
    snap(page, "crisis-page")
    assert_accessible(page, axe_source, "crisis-page")

    page.get_by_role("link", name="Continue the screening").click()
    page.wait_for_load_state()
    walk_steps(page, questionnaire, ANSWERS)
    page.get_by_role("button", name="See my result").first.click()  # top of two
    page.wait_for_load_state()
    assert outcome_of(page) == "crisis"
    # On a crisis result, the crisis resources come first: right under the title.
    first_section = page.locator("main h1 + *")
    assert "crisis" in first_section.get_attribute("class")
    assert above_the_fold(page, page.locator("section.crisis h2"))
    snap(page, "result-crisis")
    assert_accessible(page, axe_source, "result:crisis")

    send_from_result(page, CONTACT)
    # An urgent submission's sent page leads with help, on the first screen.
    page.wait_for_url("**/screening/sent")
    assert above_the_fold(page, page.locator("section.crisis h2"))
    snap(page, "sent-urgent")
