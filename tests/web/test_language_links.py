"""The language switch as links (issue 27): every patient page links to itself in the other
language (``<a hreflang lang>``), following the link keeps the screening and its answers, and it
goes back only to a page of this site. On a step, wizard.js sends the step form instead (the
browser journey tests that); here, the link as a browser without script follows it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.helpers import baseline, phq9
from tests.kit.pages import parse
from tests.web.test_spanish_wizard import (SPANISH, WITH_PLAN, browser, lang_of, plan_checked,
                                           stored_rows, switch_links)
from tests.web.test_wizard_resume import resume_code
from tests.web.wizard_client import complete, recorded, send, step_data, walk

def switch_link(page: str, language: str) -> str | None:
    """The href of the page's link to ``language`` (marked with hreflang and lang), or None."""
    return next((href for href in switch_links(page, language) if href), None)


def follow(client, page: str, language: str):
    """Click the switch to ``language`` as a browser without script does."""
    href = switch_link(page, language)
    assert href is not None, "no link to " + language
    return client.get(href)


def test_every_patient_page_links_to_the_other_language(app):
    """Landing, help, a step, save, resume, restart, review, result, send, sent, the crisis
    page and an error page: each has the link, and only to the language it is not in."""
    client = browser(app, SPANISH)
    pages = ["/", "/help", "/screening/resume", "/no-such-page"]
    walk(client, baseline(), until="phq9")
    pages += ["/screening/phq9", "/screening/save", "/screening/restart",
              "/screening/no-such-step"]
    complete(client, baseline())
    pages += ["/screening/review", "/screening/result", "/screening/send"]
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert lang_of(page) == "es", path
        assert switch_link(page, "en") and switch_link(page, "es") is None, path
    assert send(client).headers["Location"] == "/screening/sent"
    sent = client.get("/screening/sent").get_data(as_text=True)
    assert lang_of(sent) == "es" and switch_link(sent, "en")
    english = browser(app)
    walk(english, WITH_PLAN)
    crisis = english.get("/screening/help-now").get_data(as_text=True)
    assert lang_of(crisis) == "en" and "988" in crisis
    assert switch_link(crisis, "es") and switch_link(crisis, "en") is None


def test_staff_pages_have_no_language_switch(app, client, login_as):
    assert "hreflang" not in client.get("/staff/login").get_data(as_text=True)
    login_as("intake")
    queue = client.get("/staff/", follow_redirects=True)
    assert queue.status_code == 200 and "hreflang" not in queue.get_data(as_text=True)


def test_the_link_comes_back_to_this_page_in_the_other_language(app):
    client = browser(app)
    page = client.get("/help").get_data(as_text=True)
    href = switch_link(page, "es")
    assert urlsplit(href).path == "/screening/language/es"
    assert parse_qs(urlsplit(href).query) == {"next": ["/help"]}
    response = client.get(href)
    assert response.status_code == 303 and response.headers["Location"] == "/help"
    spanish = client.get("/help").get_data(as_text=True)
    assert lang_of(spanish) == "es" and switch_link(spanish, "en")


def test_following_the_link_on_a_step_keeps_the_screening_and_its_answers(app):
    """Without script: the answers already saved stay, the same draft, the same step."""
    client = browser(app)
    location = walk(client, baseline(), until="phq9")
    client.post(location, data={**step_data("phq9", phq9(2, 1, 0, 0, 0, 0, 0, 0, 0)),
                                "action": "save"})
    before = stored_rows(app)
    page = client.get("/screening/phq9").get_data(as_text=True)
    response = follow(client, page, "es")
    assert response.status_code == 303 and response.headers["Location"] == "/screening/phq9"
    page = client.get("/screening/phq9").get_data(as_text=True)
    assert lang_of(page) == "es" and "Poco interés o placer en hacer cosas" in page
    assert 'id="phq9_1-2" value="2" checked' in page and 'id="phq9_2-1" value="1" checked' in page
    after = stored_rows(app)
    assert [row.id for row in after] == [row.id for row in before]
    assert after[0].answers == before[0].answers and after[0].language == "es"
    back = follow(client, page, "en")
    assert back.headers["Location"] == "/screening/phq9"
    assert lang_of(client.get("/screening/phq9").get_data(as_text=True)) == "en"
    assert stored_rows(app)[0].language == "en"


def test_a_step_link_carries_what_the_script_needs_to_send_the_step_form(app):
    """So choices made on the page, not yet sent, go with the switch (wizard.js)."""
    client = browser(app)
    page = client.get(walk(client, baseline(), until="phq9")).get_data(as_text=True)
    link = parse(page).find("a", hreflang="es")
    assert link.get("data-switch-form") == "step-form"
    assert link.get("data-switch-action") == "language-es"
    assert 'id="step-form"' in page and "wizard.js" in page


def test_the_link_goes_back_to_this_site_only(app):
    client = browser(app)
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example", "",
                      "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example",
                      "/ /evil.example", "/x\\..\\\\evil.example"):
        response = client.get("/screening/language/es", query_string={"next": elsewhere})
        assert response.status_code == 303 and response.headers["Location"] == "/", elsewhere
    assert client.get("/screening/language/en").headers["Location"] == "/"


def test_an_unknown_language_is_a_404_page_and_changes_nothing(app):
    client = browser(app, SPANISH)
    response = client.get("/screening/language/klingon", query_string={"next": "/help"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "No encontramos la página" in page
    assert lang_of(client.get("/").get_data(as_text=True)) == "es"


def test_a_draft_resumed_after_a_link_switch_opens_in_that_language(app):
    client = browser(app)
    location = walk(client, baseline(), until="phq9")
    client.post(location, data={"phq9_1": "2", "action": "save"})
    follow(client, client.get("/screening/phq9").get_data(as_text=True), "es")
    code = resume_code(client.get("/screening/save").get_data(as_text=True))
    other = browser(app, "en-US,en;q=0.9")
    assert other.post("/screening/resume", data={"code": code}).headers["Location"] == (
        "/screening/phq9")
    page = other.get("/screening/phq9").get_data(as_text=True)
    assert lang_of(page) == "es" and 'id="phq9_1-2" value="2" checked' in page


def test_a_safety_answer_saved_then_the_link_keeps_it_and_the_crisis_page_follows(app):
    """Without script the link cannot carry a choice not yet sent (the browser test covers the
    click with script); a plan sent with Save stays recorded through the switch."""
    client = browser(app)
    location = walk(client, WITH_PLAN, until="safety")
    client.post(location, data={**step_data("safety", WITH_PLAN), "action": "save"})
    follow(client, client.get("/screening/safety").get_data(as_text=True), "es")
    assert ("cssrs_plan", "yes") in recorded(app)
    page = client.get("/screening/safety").get_data(as_text=True)
    assert lang_of(page) == "es"
    assert plan_checked(page)
    response = client.post("/screening/safety", data=step_data("safety", WITH_PLAN))
    assert response.headers["Location"] == "/screening/help-now"
    assert lang_of(client.get("/screening/help-now").get_data(as_text=True)) == "es"


def test_the_link_after_the_screening_was_sent_leads_on_from_there(app):
    client = browser(app)
    complete(client, baseline())
    send(client)
    response = client.get("/screening/language/es", query_string={"next": "/screening/phq9"})
    assert response.status_code in (302, 303)
    assert lang_of(client.get("/").get_data(as_text=True)) == "es"
