"""Crisis resources are links that act on a phone, on every page the spec lists them on."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import escape

from tests.helpers import baseline, phq9
from tests.web.wizard_client import complete, questionnaire, send, step_data, walk

# What the spec asks for, whatever the texts around them say.
EXPECTED = {"tel:911", "tel:988", "sms:988", "https://988lifeline.org/chat", "sms:838255",
            "tel:711"}


class Links(HTMLParser):
    """Each crisis section's links, in order, with their text (``sections``; ``links``: all)."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.links: list[list[str]] = []
        self.sections: list[list[list[str]]] = []
        self._in_link = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "crisis" in (attrs.get("class") or "").split():
            self.depth = 1
            self.sections.append([])
        elif self.depth and tag == "section":
            self.depth += 1
        if self.depth and tag == "a":
            self.links.append([attrs.get("href") or "", attrs.get("class") or "", ""])
            self.sections[-1].append(self.links[-1])
            self._in_link = True

    def handle_endtag(self, tag):
        if tag == "section" and self.depth:
            self.depth -= 1
        if tag == "a":
            self._in_link = False

    def handle_data(self, data):
        if self._in_link and self.links:
            self.links[-1][2] += data


def crisis_sections(page: str) -> list[list[list[str]]]:
    parser = Links()
    parser.feed(page)
    return parser.sections


def assert_all_links(page: str) -> None:
    """Every crisis section on the page (the sent page also has one in its printable copy)
    carries every configured link, in order."""
    sections = crisis_sections(page)
    assert sections
    for links in sections:
        assert_section(links)
    assert 'lang="es"' in page  # the Spanish line is marked for screen readers


def assert_section(links: list[list[str]]) -> None:
    hrefs = {href for href, _, _ in links}
    assert EXPECTED <= hrefs, hrefs
    text_home = [h for h in hrefs if h.startswith("sms:741741")]
    assert text_home, hrefs
    assert_home_body(text_home[0])
    assert "sms:988?&body=AYUDA" in hrefs  # the Spanish line: text AYUDA to 988
    configured = [link.href for r in questionnaire().crisis_resources for link in r.links]
    assert [href for href, _, _ in links] == configured
    for href, classes, text in links:
        assert "button" in classes.split(), href  # a big touch target (see screener.css)
        assert text.strip(), href


def assert_home_body(href: str) -> None:
    """``sms:741741?&body=HOME``: Android reads the query after "?", iOS after "&"."""
    parts = urlsplit(href)
    assert parts.scheme == "sms" and parts.path == "741741"
    assert_body(href, "HOME")


def assert_body(href: str, word: str) -> None:
    """An ``sms:`` link that fills in ``word`` on iOS (after "&") and Android (after "?")."""
    parts = urlsplit(href)
    assert parts.query.startswith("&"), "iOS needs the & before body"
    assert parse_qs(parts.query) == {"body": [word]}


def test_every_crisis_link_is_data_with_a_known_scheme():
    for resource in questionnaire().crisis_resources:
        assert resource.links, resource.text
        for link in resource.links:
            assert re.fullmatch(r"(tel:[0-9]+|sms:[0-9]+(\?&body=[A-Z]+)?|https://\S+)",
                                link.href), link.href


def test_help_page(client):
    assert_all_links(client.get("/help").get_data(as_text=True))


def test_safety_step_and_crisis_page(client):
    answers = baseline(cssrs_thoughts="yes", cssrs_plan="yes")
    location = walk(client, answers, until="safety")
    assert_all_links(client.get(location).get_data(as_text=True))
    client.post(location, data=step_data("safety", answers))
    assert_all_links(client.get("/screening/help-now").get_data(as_text=True))


def test_the_spanish_line_texts_ayuda_and_is_marked_spanish():
    [spanish] = [r for r in questionnaire().crisis_resources if r.lang == "es"]
    sms = [link.href for link in spanish.links if link.href.startswith("sms:")]
    assert sms and all(urlsplit(h).path == "988" for h in sms)
    assert_body(sms[0], "AYUDA")


def test_crisis_result_and_urgent_sent_page(client):
    page = complete(client, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes",
                                     cssrs_intent="yes")).get_data(as_text=True)
    assert_all_links(page)
    send(client)
    sent = client.get("/screening/sent").get_data(as_text=True)
    assert_all_links(sent)
    urgent = str(escape(questionnaire().texts["sent_urgent"]))
    assert sent.index('class="crisis"') < sent.index(urgent)
    assert "around the clock" in questionnaire().texts["sent_urgent"]


def test_crisis_result_shows_no_lower_outcome_reason(client):
    """Example 14 on top of example 1: crisis, and mild_concerns matched too; no lower
    outcome's reason (its reassurance least of all) is shown."""
    q = questionnaire()
    answers = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes",
                       cssrs_plan="yes")
    page = complete(client, answers).get_data(as_text=True)
    lower = [r for r in q.rules if r.outcome not in (None, "crisis")]
    assert any(r.id == "mild_concerns" for r in lower)
    for rule in lower:
        assert str(escape(rule.reason)) not in page, rule.id
    for rule_id in ("suicide_intent_or_plan", "self_harm_thoughts", "suicidal_thoughts"):
        assert str(escape(next(r.reason for r in q.rules if r.id == rule_id))) in page


@pytest.mark.parametrize("with_draft", [False, True])
def test_landing_says_not_for_emergencies_above_the_start_button(client, with_draft):
    if with_draft:
        walk(client, baseline(), until="phq9")
    page = client.get("/").get_data(as_text=True)
    note = page.index(str(escape(questionnaire().texts["landing_not_emergency"])))
    start = page.index('action="/screening/start"') if not with_draft else page.index(
        'href="/screening/"')
    assert note < start
    section = page[page.rindex("<section", 0, note):page.index("</section>", note)]
    assert 'href="tel:911"' in section and 'href="tel:988"' in section
    assert "around the clock" in questionnaire().texts["landing_not_emergency"]
