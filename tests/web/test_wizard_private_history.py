"""A shared device's browser history must not tell that someone saw a crisis page: no patient
URL path or <title> names an answer ("crisis", "suicide", "self-harm"), whatever the branch."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.kit.pages import parse
from tests.web.test_wizard_progress import BRANCHES
from tests.web.wizard_client import CONTACT, step_data, step_of

WORDS = re.compile(r"crisis|suicid|self.?harm", re.I)


def visit(client, path: str, seen: list) -> str:
    """GET ``path``, keeping its path and title; the page."""
    page = client.get(path).get_data(as_text=True)
    seen.append((path, parse(page).find("title").text))
    return page


@pytest.mark.parametrize("branch", ["crisis_plan", "item_9", "past_attempt", "possible_fit"])
def test_no_url_or_title_names_an_answer(app, branch):
    client, answers, seen = app.test_client(), BRANCHES[branch], []
    visit(client, "/", seen)
    location = client.post("/screening/start").headers["Location"]
    for _ in range(30):
        path = urlsplit(location).path + (f"#{urlsplit(location).fragment}"
                                          if urlsplit(location).fragment else "")
        visit(client, path, seen)
        step_id = step_of(location)
        if step_id is None and path != "/screening/help-now":
            break
        if step_id is None:
            location = client.get("/screening/").headers["Location"]
            continue
        location = client.post(location, data=step_data(step_id, answers)).headers["Location"]
    assert location == "/screening/review"
    client.post("/screening/review")
    visit(client, "/screening/result", seen)
    if client.get("/screening/send").status_code == 200:
        visit(client, "/screening/send", seen)
        client.post("/screening/send", data=CONTACT)
        visit(client, "/screening/sent", seen)
        visit(client, "/screening/sent", seen)
    visit(client, "/screening/restart", seen)
    if branch == "crisis_plan":
        assert "/screening/help-now" in [path for path, _ in seen]
    for path, title in seen:
        assert not WORDS.search(path), path
        assert not WORDS.search(title), (path, title)
