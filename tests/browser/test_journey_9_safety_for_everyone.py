"""Journey 9 (questionnaire 1.2.0, on a 390 × 844 phone): the safety step asked with PHQ-9 item
9 at 0; worked example 22 (a plan, the crisis page, then taken back from the review page: still
the crisis result); and an under-18 screening (no substance or health step, no sending).

Screenshots go to test-artifacts/ (``snap``) and, full page, to /tmp/shots/ for a person to
look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.answers import MINOR, NO_ITEM_9, PLAN, TAKEN_BACK
from tests.browser.browser_pages import assert_accessible, snap
from tests.browser.browser_patient import (answer_by_mouse, current_step, outcome_of, path_of,
                                   press_continue, start, walk_steps)

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots")
BAND_WORDS = ("Minimal", "Mild", "Moderate", "Severe", "No concern found")


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    yield page
    context.close()


def shoot(page, name: str) -> None:
    """A full-page phone screenshot to look at, and the journeys' usual ones."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    snap(page, name, sizes=("phone",))


def above_the_fold(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"]


def see_result(page) -> str:
    assert path_of(page) == "/screening/review", page.url
    page.get_by_role("button", name="See my result").first.click()
    page.wait_for_load_state()
    return page.inner_text("main")


def assert_help_first_without_bands(page, questionnaire) -> None:
    """Crisis resources right under the title, on the first screen; no band word anywhere."""
    page.evaluate("window.scrollTo(0, 0)")
    assert "crisis" in page.locator("main h1 + *").get_attribute("class")
    assert above_the_fold(page, page.locator("section.crisis h2"))
    scores = page.locator("table.scores").inner_text()
    for word in BAND_WORDS:
        assert word not in scores, word
    assert questionnaire.crisis_resources[0].text in page.inner_text("main")


@pytest.mark.slow
def test_the_safety_step_with_item_9_at_0(live_server, phone, axe_source, questionnaire):
    page = phone
    start(page, live_server.url)
    journey = walk_steps(page, questionnaire, NO_ITEM_9, until="safety")
    assert NO_ITEM_9["phq9_9"] == 0 and journey.steps[-1] == "phq9"
    step = current_step(page, questionnaire)
    assert step.id == "safety"
    page.evaluate("window.scrollTo(0, 0)")
    # One short line, then where to get help, before any question.
    main = page.inner_text("main")
    assert main.index(step.intro) < main.index(questionnaire.crisis_title)
    assert main.index(questionnaire.crisis_title) < main.index(step.stem)
    assert above_the_fold(page, page.locator("section.crisis li").first)
    assert "telling us" not in main and "told us" not in main
    assert page.locator("section.crisis li[lang=es]").count() == 1
    shoot(page, "safety-step")
    assert_accessible(page, axe_source, "step:safety-item-9-at-0")

    # A wish to be dead (low risk): no crisis page mid-way; the result keeps its title after
    # where to get help.
    answer_by_mouse(page, step, NO_ITEM_9)
    press_continue(page)
    assert current_step(page, questionnaire).id == "gad7"
    walk_steps(page, questionnaire, NO_ITEM_9)
    result = see_result(page)
    assert outcome_of(page) == "possible_fit"
    assert questionnaire.outcomes_by_id["possible_fit"].title in result
    assert_help_first_without_bands(page, questionnaire)
    shoot(page, "result-wish-to-be-dead")
    assert_accessible(page, axe_source, "result:low-risk")


@pytest.mark.slow
def test_worked_example_22_on_a_phone(live_server, phone, axe_source, questionnaire):
    page = phone
    start(page, live_server.url)
    walk_steps(page, questionnaire, PLAN, until="safety")
    safety = questionnaire.steps_by_id["safety"]
    # Thoughts: yes → the follow-ups appear in place (wizard.js); a plan: yes, in one go.
    answer_by_mouse(page, safety, PLAN)
    press_continue(page)
    assert path_of(page) == "/screening/help-now"
    main = page.inner_text("main")
    assert main.index(safety.crisis_page_text) < main.index(questionnaire.crisis_title)
    assert above_the_fold(page, page.locator("section.crisis h2"))
    shoot(page, "crisis-page")
    assert_accessible(page, axe_source, "crisis-page:plan")
    page.get_by_role("link", name="Continue the screening").click()
    page.wait_for_load_state()
    walk_steps(page, questionnaire, PLAN)
    assert path_of(page) == "/screening/review"

    # From the review page: item 9 to "Not at all", then thoughts of suicide to "No".
    for question_id in ("phq9_9", "cssrs_thoughts"):
        question = questionnaire.questions[question_id]
        page.get_by_role("link", name=f"Change your answer to: {question.text}").click()
        page.wait_for_load_state()
        answer_by_mouse(page, current_step(page, questionnaire), TAKEN_BACK)
        press_continue(page)
        assert path_of(page) == "/screening/review", page.url
    review = page.inner_text("main")
    assert questionnaire.questions["cssrs_plan"].text not in review  # now disabled

    result = see_result(page)
    assert outcome_of(page) == "crisis"
    assert page.get_by_role("heading", level=1).inner_text() == (
        questionnaire.outcomes_by_id["crisis"].title)
    assert questionnaire.outcomes_by_id["other_options_first"].title not in result
    mild = next(r.reason for r in questionnaire.rules if r.id == "mild_concerns")
    assert mild not in result and "Mild" not in result
    assert questionnaire.texts["consultation"] in result
    assert_help_first_without_bands(page, questionnaire)
    shoot(page, "result-example-22")
    assert_accessible(page, axe_source, "result:example-22")


@pytest.mark.slow
def test_an_under_18_screening(live_server, phone, axe_source, questionnaire):
    page = phone
    start(page, live_server.url)
    journey = walk_steps(page, questionnaire, MINOR)
    assert "safety" in journey.steps
    assert "substance" not in journey.steps and "health" not in journey.steps
    result = see_result(page)
    assert outcome_of(page) == "adults_only"
    outcome = questionnaire.outcomes_by_id["adults_only"]
    assert outcome.title in result and outcome.explanation in result
    assert questionnaire.texts["consultation"] in result
    assert page.get_by_role("link", name="Send my answers to the clinic").count() == 0
    shoot(page, "result-under-18")
    assert_accessible(page, axe_source, "result:adults-only")
    page.goto(live_server.url + "/screening/send")  # typed in: refused, back to the result
    assert path_of(page) == "/screening/result"
