"""Spanish journeys on a 390 × 844 phone (issue 27): the browser asks for Spanish
(Accept-Language from the context's locale), every page is Spanish with <html lang="es">, axe
finds nothing, and the same answers reach the same outcome as in English. With
SCREENER_DOC_SCREENSHOTS=1 the landing, PHQ-9, crisis and result pages go to docs/screenshots/."""

from __future__ import annotations

import os
import re

import pytest

from tests.browser.answers import KEYBOARD, PLAN
from tests.kit.apps import PROJECT_ROOT
from tests.browser.keyboard import activate, answer_by_keyboard, continue_by_keyboard, tab_to
from tests.browser.browser_pages import assert_accessible
from tests.browser.browser_patient import (answer_by_mouse, current_step, outcome_of, path_of,
                                           walk_steps)

PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def phone_es(browser):
    """A phone whose browser prefers Spanish (Mexico), then English."""
    context = browser.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True,
                                  locale="es-MX")
    page = context.new_page()
    page.set_default_timeout(10000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """The whole page, into docs/screenshots/ when asked for (SCREENER_DOC_SCREENSHOTS=1)."""
    if os.environ.get("SCREENER_DOC_SCREENSHOTS") == "1":
        page.screenshot(path=str(PROJECT_ROOT / "docs" / "screenshots" / f"{name}.png"),
                        full_page=True)


def assert_spanish(page, axe_source: str, name: str) -> None:
    assert page.locator("html").get_attribute("lang") == "es", page.url
    assert page.locator("nav.language-switch [lang=en]").inner_text() == "English"
    assert_accessible(page, axe_source, f"es:{name}")


def plans_recorded(server) -> int:
    """How many "yes" answers to the plan question the server has recorded (all screenings)."""
    from sqlalchemy import select

    from screener.extensions import db
    from screener.storage.models import SafetyAnswer
    from tests.kit.apps import make_app

    app = make_app(f"sqlite:///{server.database}")
    with app.app_context():
        values = db.session.scalars(select(SafetyAnswer.value).where(
            SafetyAnswer.question_id == "cssrs_plan")).all()
        db.engine.dispose()
    return values.count("yes")


def switch_with_a_plan_ticked(page, spanish, server, axe_source: str) -> None:
    """On the safety step, tick a plan and click the English link before Continue (wizard.js
    sends the step form): the plan is recorded and still ticked; then the Spanish link back."""
    step = current_step(page, spanish)
    assert step.id == "safety"
    answer_by_mouse(page, step, PLAN)
    before = plans_recorded(server)
    with page.expect_navigation():
        page.locator("nav.language-switch a[hreflang=en]").click()
    assert path_of(page) == "/screening/safety"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("input[name=cssrs_plan][value=yes]").is_checked()
    assert plans_recorded(server) > before  # recorded for good, not only kept on the page
    with page.expect_navigation():
        page.locator("nav.language-switch a[hreflang=es]").click()
    assert_spanish(page, axe_source, "step:safety after the switch")
    assert page.locator("input[name=cssrs_plan][value=yes]").is_checked()


@pytest.mark.slow
def test_spanish_journey_by_mouse_with_the_crisis_page(live_server, phone_es, axe_source,
                                                       questionnaire):
    page, spanish = phone_es, questionnaire.localized("es")
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == spanish.title
    assert_spanish(page, axe_source, "landing")
    screenshot(page, "es-landing-390")
    page.get_by_role("button", name="Empezar la evaluación").click()
    page.wait_for_load_state()

    def visit(kind, name, step):
        assert_spanish(page, axe_source, f"{kind}:{name}")
        if name == "phq9":
            assert page.get_by_role("group", name="Poco interés o placer en hacer cosas").count()
            screenshot(page, "es-phq9-390")

    walk_steps(page, spanish, PLAN, visit=visit, until="safety")
    switch_with_a_plan_ticked(page, spanish, live_server, axe_source)
    walk_steps(page, spanish, PLAN, visit=visit)
    assert path_of(page) == "/screening/help-now"
    assert_spanish(page, axe_source, "help-now")
    calls = page.locator("section.crisis a.button-crisis")
    assert calls.nth(0).get_attribute("href") == "tel:911"
    assert calls.nth(1).inner_text() == "Llame al 988, luego oprima 2"
    screenshot(page, "es-help-now-390")
    page.get_by_role("link", name="Seguir con la evaluación").click()
    page.wait_for_load_state()
    walk_steps(page, spanish, PLAN, visit=visit)
    assert path_of(page) == "/screening/review"
    assert_spanish(page, axe_source, "review")
    page.get_by_role("button", name="Ver mi resultado").first.click()
    page.wait_for_load_state()
    outcome = spanish.outcomes_by_id[outcome_of(page)]
    assert page.get_by_role("heading", level=1).inner_text() == outcome.title
    assert outcome_of(page) == "crisis"  # a plan: the same outcome as in English
    assert_spanish(page, axe_source, f"result:{outcome.id}")
    screenshot(page, "es-result-390")


@pytest.mark.slow
def test_spanish_journey_by_keyboard_switching_language_on_a_step(live_server, phone_es,
                                                                  axe_source, questionnaire):
    """Keyboard alone: start, answer, switch to English on a step and back to Spanish (the
    choice made on the page survives both), then on to the result."""
    page, spanish = phone_es, questionnaire.localized("es")
    page.goto(live_server.url + "/")
    activate(page, "form[action='/screening/start'] button")
    walk_steps(page, spanish, KEYBOARD, answer=answer_by_keyboard, submit=continue_by_keyboard,
               until="phq9")
    step = current_step(page, spanish)
    assert step.id == "phq9"
    answer_by_keyboard(page, step, {"phq9_1": 2})
    activate(page, "nav.language-switch a[hreflang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("input[name=phq9_1][value='2']").is_checked()
    activate(page, "nav.language-switch a[hreflang=es]")
    assert_spanish(page, axe_source, "step:phq9 after the switch")
    assert page.locator("input[name=phq9_1][value='2']").is_checked()
    walk_steps(page, spanish, KEYBOARD, answer=answer_by_keyboard, submit=continue_by_keyboard)
    if path_of(page) == "/screening/help-now":
        activate(page, "a.button-secondary")
        walk_steps(page, spanish, KEYBOARD, answer=answer_by_keyboard,
                   submit=continue_by_keyboard)
    assert path_of(page) == "/screening/review"
    activate(page, "form.see-result-top button")
    assert path_of(page) == "/screening/result"
    assert re.fullmatch(r"[a-z_]+", outcome_of(page))
    assert_spanish(page, axe_source, "result (keyboard)")
    tab_to(page, "nav.language-switch a[hreflang=en]")
