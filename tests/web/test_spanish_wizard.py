"""The patient wizard in Spanish (issue 27): the same answers give the same outcome in either
language, the language follows Accept-Language or the switch, is kept for the screening (and its
resume code), and a language switch never loses an answer, least of all a safety answer."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import Screening
from tests.helpers import baseline, phq9
from tests.kit.pages import parse
from tests.unit.test_worked_examples import EXAMPLES
from tests.web.test_wizard_resume import resume_code
from tests.web.wizard_client import complete, questionnaire, recorded, step_data, walk

SPANISH = "es-MX,es;q=0.9,en;q=0.5"
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
WITH_PLAN = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes", cssrs_plan="yes")


def browser(app, accept_language: str | None = None):
    """A new browser, asking for ``accept_language`` in every request."""
    client = app.test_client()
    if accept_language:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept_language
    return client


def lang_of(page: str) -> str:
    """The language the page says it is in (``<html lang>``)."""
    return parse(page).find("html").get("lang")


def switch_links(page: str, language: str) -> list[str | None]:
    """The hrefs of the page's links to ``language``: marked with hreflang and lang, and named
    in that language."""
    return [link.get("href") for link in parse(page).find_all("a", hreflang=language,
                                                              lang=language)
            if link.text == LANGUAGE_NAMES[language]]


def plan_checked(page: str) -> bool:
    """The safety step shows "yes" to the plan question as chosen (its radio, cssrs_plan-N,
    checked)."""
    return any(re.fullmatch(r"cssrs_plan-\d", radio.get("id", ""))
               for radio in parse(page).find_all("input", name="cssrs_plan", value="yes",
                                                 checked=True))


def switch(client, language: str, next_page: str = "/"):
    """Post to the language switch's POST endpoint (kept for pages made before the links)."""
    return client.post("/language", data={"language": language, "next": next_page})


def result_of(client, answers: dict) -> tuple[str, str]:
    """(outcome shown, page language) after answering everything."""
    page = complete(client, answers).get_data(as_text=True)
    return parse(page).find(data_outcome=True).get("data-outcome"), lang_of(page)


def stored_rows(app) -> list[Screening]:
    with app.app_context():
        rows = list(db.session.scalars(select(Screening).order_by(Screening.created_at)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_the_worked_examples_cover_every_outcome():
    covered = {param.values[1] for param in EXAMPLES}
    assert covered == {outcome.id for outcome in questionnaire().outcomes}


@pytest.mark.parametrize("answers, outcome, flags, rule_ids, urgency, given", EXAMPLES)
def test_every_worked_example_gives_the_same_outcome_in_spanish(app, answers, outcome, flags,
                                                                rule_ids, urgency, given):
    """English, Spanish by Accept-Language, Spanish by the switch: one outcome, one stored
    assessment (its reasons in English, for staff)."""
    english = result_of(browser(app), answers)
    by_header = result_of(browser(app, SPANISH), answers)
    switched = browser(app)
    assert switch(switched, "es").headers["Location"] == "/"
    by_switch = result_of(switched, answers)
    assert english[1] == "en" and by_header[1] == by_switch[1] == "es"
    assert english[0] == by_header[0] == by_switch[0]
    rows = stored_rows(app)
    assert [row.language for row in rows] == ["en", "es", "es"]
    assert {row.outcome for row in rows} == {outcome}
    assert rows[0].assessment == rows[1].assessment == rows[2].assessment
    assert rows[0].flags == rows[1].flags == rows[2].flags


@pytest.mark.parametrize("header, language", [
    (None, "en"), ("es", "es"), ("es-MX,es;q=0.9", "es"), ("en-US,en;q=0.9,es;q=0.8", "en"),
    ("es;q=0.4,en;q=0.8", "en"), ("en;q=0.3,es;q=0.7", "es"), ("fr,es;q=0.5", "es"),
    ("fr,de", "en"),
])
def test_the_first_visit_follows_accept_language(app, header, language):
    page = browser(app, header).get("/").get_data(as_text=True)
    assert lang_of(page) == language
    assert ("Empezar la evaluación" in page) == (language == "es")


def test_staff_pages_stay_english_whatever_the_browser_asks(app):
    client = browser(app, SPANISH)
    page = client.get("/staff/login").get_data(as_text=True)
    assert lang_of(page) == "en" and "Idioma" not in page and "Español" not in page
    missing = client.get("/staff/no-such-page")
    assert missing.status_code == 404 and lang_of(missing.get_data(as_text=True)) == "en"


def test_every_patient_page_has_the_switch_to_the_other_language(app):
    client = browser(app, SPANISH)
    walk(client, baseline(), until="phq9")
    for path in ("/", "/help", "/screening/phq9", "/screening/save", "/screening/resume",
                 "/screening/restart", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert lang_of(page) == "es", path
        assert switch_links(page, "en"), path
        assert ">Español<" not in page, path
    page = browser(app).get("/").get_data(as_text=True)
    assert 'hreflang="es" lang="es">Español</a>' in page


def test_patient_error_pages_are_in_the_patients_language(app):
    client = browser(app, SPANISH)
    missing = client.get("/no-such-page")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404
    assert "No encontramos la página" in page and "Page not found" not in page
    walk(client, baseline(), until="phq9")
    page = client.get("/screening/no-such-step").get_data(as_text=True)
    assert "Esa página no existe en la evaluación." in page


def test_the_switch_goes_back_to_the_same_page_and_nowhere_else(app):
    client = browser(app)
    assert switch(client, "es", "/help").headers["Location"] == "/help"
    assert lang_of(client.get("/help").get_data(as_text=True)) == "es"
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example", ""):
        assert switch(client, "en", elsewhere).headers["Location"] == "/"
    assert lang_of(client.get("/").get_data(as_text=True)) == "en"
    switch(client, "klingon")
    assert lang_of(client.get("/").get_data(as_text=True)) == "en"


def test_switching_mid_step_keeps_the_choices_made_on_the_page(app):
    client = browser(app)
    location = walk(client, baseline(), until="phq9")
    data = dict(step_data("phq9", phq9(2, 1, 0, 0, 0, 0, 0, 0, 0)), action="language-es")
    response = client.post(location, data=data)
    assert response.headers["Location"] == "/screening/phq9"
    page = client.get("/screening/phq9").get_data(as_text=True)
    assert lang_of(page) == "es" and "Poco interés o placer en hacer cosas" in page
    assert 'id="phq9_1-2" value="2" checked' in page and 'id="phq9_2-1" value="1" checked' in page
    assert stored_rows(app)[0].language == "es"


def test_switching_on_the_safety_step_keeps_the_answer_and_the_crisis_page_follows(app):
    """A plan given on the safety step, then the switch before Continue: the answer is kept
    (recorded for good), shown checked in Spanish, and Continue leads to the crisis page."""
    client = browser(app)
    location = walk(client, WITH_PLAN, until="safety")
    data = dict(step_data("safety", WITH_PLAN), action="language-es")
    assert client.post(location, data=data).headers["Location"] == "/screening/safety"
    assert ("cssrs_plan", "yes") in recorded(app)
    assert stored_rows(app)[0].answers["cssrs_plan"] == "yes"
    page = client.get("/screening/safety").get_data(as_text=True)
    assert lang_of(page) == "es"
    assert plan_checked(page)
    response = client.post("/screening/safety", data=step_data("safety", WITH_PLAN))
    assert response.headers["Location"] == "/screening/help-now"
    crisis = client.get("/screening/help-now").get_data(as_text=True)
    assert lang_of(crisis) == "es" and "Seguir con la evaluación" in crisis
    calls = [(link.get("href"), link.text)
             for link in parse(crisis).find_all("a", class_="button-crisis")]
    assert calls[0] == ("tel:911", "Llame al 911")
    assert calls[1] == ("tel:988", "Llame al 988, luego oprima 2")


def test_switching_back_to_english_keeps_the_answers_too(app):
    client = browser(app, SPANISH)
    location = walk(client, WITH_PLAN, until="safety")
    data = dict(step_data("safety", WITH_PLAN), action="language-en")
    assert client.post(location, data=data).headers["Location"] == "/screening/safety"
    page = client.get("/screening/safety").get_data(as_text=True)
    assert lang_of(page) == "en"
    assert plan_checked(page)
    assert ("cssrs_plan", "yes") in recorded(app) and stored_rows(app)[0].language == "en"


def test_the_switch_outside_a_step_changes_the_screenings_language(app):
    client = browser(app)
    walk(client, baseline(), until="phq9")
    assert switch(client, "es", "/screening/save").headers["Location"] == "/screening/save"
    assert stored_rows(app)[0].language == "es"
    assert lang_of(client.get("/screening/phq9").get_data(as_text=True)) == "es"


def test_the_crisis_page_in_spanish_lists_911_then_the_988_spanish_line(app):
    client = browser(app, SPANISH)
    page = client.get("/help").get_data(as_text=True)
    items = [item.find("span").text
             for item in parse(page).find("ul", class_="crisis-list").find_all("li")]
    assert "911" in items[0]
    assert items[1].startswith("En español") or "oprima 2" in items[1]


def test_a_resume_code_opens_the_screening_in_its_language(app):
    client = browser(app, SPANISH)
    walk(client, baseline(), until="phq9")
    assert client.post("/screening/phq9", data={"phq9_1": "2", "action": "save"}).status_code == 302
    code = resume_code(client.get("/screening/save").get_data(as_text=True))
    other = browser(app, "en-US,en;q=0.9")  # another device, set to English
    assert other.post("/screening/resume", data={"code": code}).headers["Location"] == (
        "/screening/phq9")
    page = other.get("/screening/phq9").get_data(as_text=True)
    assert lang_of(page) == "es" and 'id="phq9_1-2" value="2" checked' in page
    assert "Hola de nuevo" in page


def test_form_errors_and_flash_messages_are_in_spanish(app):
    client = browser(app, SPANISH)
    location = walk(client, baseline(), until="phq9")
    client.post(location, data={"phq9_1": "2"})
    page = client.get(location).get_data(as_text=True)
    assert "Hay un problema" in page and "Elija una respuesta a esta pregunta." in page
    assert "Choose an answer" not in page
    client.post("/screening/restart", data={"confirm": "yes"})
    assert "Sus respuestas se borraron." in client.get("/").get_data(as_text=True)


def test_the_send_and_sent_pages_are_in_spanish(app):
    client = browser(app, SPANISH)
    complete(client, baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)))
    page = client.get("/screening/send").get_data(as_text=True)
    assert "Su nombre" in page and "Acepto que la clínica" in page
    client.post("/screening/send", data={"name": "", "email": "", "consent": ""})
    page = client.get("/screening/send").get_data(as_text=True)
    assert "Escriba su nombre." in page and "Enter your name" not in page
    response = client.post("/screening/send", data={
        "name": "Ana Ejemplo", "email": "ana@example.com", "contact_method": "email",
        "consent": "y"})
    assert response.headers["Location"] == "/screening/sent"
    sent = client.get("/screening/sent").get_data(as_text=True)
    assert lang_of(sent) == "es" and "Sus respuestas se enviaron el" in sent
    lead = parse(sent).find("p", class_="lead").text
    assert re.match(r"Sus respuestas se enviaron el \d{1,2} de [a-z]+ de \d{4}, a las", lead)
    assert "Su resultado: " in sent  # the printable copy
    assert stored_rows(app)[0].language == "es"


def test_english_names_on_a_spanish_page_are_marked_english(app):
    page = browser(app, SPANISH).get("/help").get_data(as_text=True)
    assert '(<span lang="en">Crisis Text Line</span>)' in page
    assert 'Envíe <span lang="en">HOME</span> por texto' in page
    english = browser(app).get("/help").get_data(as_text=True)
    assert '<span lang="en">' not in english and "(Crisis Text Line)" in english


def test_the_language_chosen_at_the_start_stays_with_the_screening(app):
    """Started in Spanish, the screening stays Spanish when the browser's header changes."""
    client = browser(app, SPANISH)
    walk(client, baseline(), until="phq9")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert lang_of(client.get("/screening/phq9").get_data(as_text=True)) == "es"


@pytest.mark.csrf
def test_the_switch_needs_its_csrf_token(app):
    client = browser(app)
    page = client.get("/").get_data(as_text=True)
    token = parse(page).find("input", name="csrf_token").get("value")  # the start form's
    refused = client.post("/language", data={"language": "es", "next": "/help"})
    assert refused.status_code in (302, 400)
    assert lang_of(client.get("/").get_data(as_text=True)) == "en"
    response = client.post("/language", data={"language": "es", "next": "/help",
                                              "csrf_token": token})
    assert response.headers["Location"] == "/help"
    assert lang_of(client.get("/help").get_data(as_text=True)) == "es"


@pytest.mark.postgres
def test_a_spanish_journey_on_postgres_switch_and_resume_included(pg_app):
    client = browser(pg_app, SPANISH)
    location = walk(client, WITH_PLAN, until="safety")
    data = dict(step_data("safety", WITH_PLAN), action="language-en")
    assert client.post(location, data=data).headers["Location"] == "/screening/safety"
    assert client.post("/screening/safety", data={**step_data("safety", WITH_PLAN),
                                                  "action": "save"}).status_code == 302
    code = resume_code(client.get("/screening/save").get_data(as_text=True))
    other = browser(pg_app, SPANISH)
    assert other.post("/screening/resume", data={"code": code}).status_code == 302
    assert lang_of(other.get("/screening/safety").get_data(as_text=True)) == "en"
    assert ("cssrs_plan", "yes") in recorded(pg_app)
    assert [row.language for row in stored_rows(pg_app)] == ["en"]
