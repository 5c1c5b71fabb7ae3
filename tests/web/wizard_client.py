"""Drive the patient wizard through the Flask test client, the way a browser posts its forms."""

from __future__ import annotations

import re
import threading

from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy import select

from screener.core.questionnaire import load
from screener.extensions import db
from screener.storage.models import SafetyAnswer, Screening
from tests.kit.apps import QUESTIONS
from tests.kit.pages import parse


@lru_cache(maxsize=1)
def questionnaire():
    """The real questionnaire (the one the test app serves)."""
    return load(QUESTIONS)


def step_data(step_id: str, answers: dict) -> dict:
    """The form data a browser posts for ``step_id``: question ids as names, values as text."""
    step = questionnaire().steps_by_id[step_id]
    data = {}
    for question in step.questions:
        if question.id in answers:
            value = answers[question.id]
            data[question.id] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def step_of(location: str) -> str | None:
    """The step id a wizard URL points at, or None for any other page."""
    path = urlsplit(location).path
    if not path.startswith("/screening/"):
        return None
    name = path.rsplit("/", 1)[1]
    return name if name in questionnaire().steps_by_id else None


def walk(client, answers: dict, until: str | None = None, read=None) -> str:
    """Start (or continue) and answer every step the wizard asks for; return where it stopped.

    Stops before posting ``until`` when given; passes the crisis page by its continue link.
    ``read(step_id, html)``, when given, sees each step's page before it is answered.
    """
    location = client.post("/screening/start").headers["Location"]
    for _ in range(30):
        if urlsplit(location).path == "/screening/help-now":
            location = client.get("/screening/").headers["Location"]
            continue
        step_id = step_of(location)
        if step_id is None or step_id == until:
            return location
        if read is not None:
            read(step_id, client.get(location).get_data(as_text=True))
        response = client.post(location, data=step_data(step_id, answers))
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
    raise AssertionError("the wizard did not reach the review page")


def complete(client, answers: dict):
    """Answer everything and see the result; returns the result page response."""
    assert walk(client, answers) == "/screening/review"
    response = client.post("/screening/review")
    assert response.headers["Location"] == "/screening/result"
    return client.get("/screening/result")


CONTACT = {
    "name": "Alex Example", "email": "alex@example.com", "phone": "",
    "contact_method": "email", "contact_time": "Weekday mornings", "message": "", "consent": "y",
}


def send(client, **changes):
    """Post the send-to-clinic form (a valid one unless ``changes`` spoil it)."""
    data = {k: v for k, v in {**CONTACT, **changes}.items() if v is not None}
    return client.post("/screening/send", data=data)


def send_twice_at_once(app, client) -> list[int]:
    """Two browsers holding ``client``'s session press Send at the same moment: their statuses."""
    cookie = client.get_cookie("session").value
    clients = [app.test_client() for _ in range(2)]
    for other in clients:
        other.set_cookie("session", cookie)
    barrier = threading.Barrier(len(clients))
    statuses = []

    def click(other):
        barrier.wait()
        statuses.append(send(other).status_code)

    threads = [threading.Thread(target=click, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


_WAITING = re.compile(r'<div class="follow-up" hidden[^>]*>.*?</fieldset>\s*</div>\s*</div>', re.S)


def shown_outcome(page: str) -> str:
    """The outcome the result page shows (``<main data-outcome>``)."""
    return parse(page).main["data-outcome"]


def visible(page: str) -> str:
    """The page as a browser without script shows it: hidden follow-ups (for wizard.js) left
    out."""
    return _WAITING.sub("", page)


def recorded(app) -> list[tuple[str, object]]:
    """The safety answers recorded so far, oldest first, as (question id, value)."""
    with app.app_context():
        rows = db.session.scalars(select(SafetyAnswer).order_by(SafetyAnswer.id))
        return [(row.question_id, row.value) for row in rows]


def stored(app) -> Screening:
    """The one screening in the database, detached so it can be read after the app context."""
    with app.app_context():
        row = db.session.scalars(select(Screening)).one()
        db.session.expunge(row)
        return row
