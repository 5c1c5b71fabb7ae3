"""Virtual patients for the wizard: walk to a step, or take a whole screening and send it.

Answers come from ``AnswerSampler`` (random, valid, drawn from the questionnaire). Forms are read
from each page: the hidden inputs (CSRF token), the fields the page asks for (question ids), and
the forward button. Answer sets that would open the crisis page mid-journey are left out: that
page is a pause with a link onward, not a form, and it is tested elsewhere.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass

from screener.core import rules
from screener.cli.dev import AnswerSampler
from screener.core.questionnaire import Questionnaire

from .load import Client, LoadError
from .pages import Form, parse

PREFIX = "/screening/"
REDIRECTS = (302, 303)
CONTACT = {"name": "Bench Patient", "email": "bench.patient@example.com", "phone": "",
           "contact_method": "email", "contact_time": "Weekday mornings",
           "message": "Load test", "consent": "y"}


class AnswerSource:
    """Answer sets for virtual patients; each patient (thread) gets its own random stream."""

    def __init__(self, questionnaire: Questionnaire, seed: int = 8):
        self.questionnaire = questionnaire
        self.seed = seed
        self.template = AnswerSampler(questionnaire, random.Random(seed))

    def stream(self, number: int):
        """A function returning a new valid answer set that never triggers a crisis page."""
        sampler = copy.copy(self.template)
        sampler.rng = random.Random(self.seed * 100003 + number)
        return lambda: self._without_crisis_page(sampler)

    def _without_crisis_page(self, sampler: AnswerSampler) -> dict:
        while True:
            answers = sampler.answers()
            steps, effective = rules.enabled_view(self.questionnaire, answers)
            if not any(s.crisis_page_when is not None and rules.condition_holds(
                    self.questionnaire, s.crisis_page_when, effective) for s in steps):
                return answers


@dataclass
class Patient:
    """One visitor with one draft."""

    client: Client
    questionnaire: Questionnaire
    answers: dict
    path: str = "/"

    def start(self) -> None:
        """Press "Start screening" on the landing page."""
        landing = self.client.get("/", label="landing")
        form = parse(landing.text).form_posting_to(PREFIX + "start")
        if form is None:
            raise LoadError("no start form on the landing page")
        self.path = self._follow(self.client.post(PREFIX + "start", form.hidden(),
                                                  label="start", expect=REDIRECTS))

    def walk_to(self, step_id: str) -> str:
        """Answer steps until the page of ``step_id`` is reached; return its HTML."""
        page = self.client.get(self.path, label="step GET")
        while self.path != PREFIX + step_id:
            if self.path == PREFIX + "review":
                raise LoadError(f"reached review without passing step {step_id!r}")
            self.path = self.answer_step(page.text)
            page = self.client.get(self.path, label="step GET")
        return page.text

    def step_form(self, html: str) -> tuple[str, list[tuple[str, str]]]:
        """The step's form action and the body that answers it (CSRF token included)."""
        form = _answer_form(html, self.questionnaire)
        return (form.action or self.path), self.body(form)

    def answer_step(self, html: str) -> str:
        """POST the current step's answers; return where the app sends the patient next."""
        action, body = self.step_form(html)
        return self._follow(self.client.post(action, body, label="step POST", expect=REDIRECTS))

    def body(self, form: Form) -> list[tuple[str, str]]:
        """Hidden inputs, this patient's answers to the fields present, the forward button."""
        pairs = form.hidden() + form.forward_button()
        for name in sorted(form.names() & self.questionnaire.questions.keys()):
            value = self.answers.get(name)
            if value is None:
                continue
            for item in value if isinstance(value, list) else [value]:
                if str(item) not in form.options(name):
                    raise LoadError(f"{name}: the page offers no choice {item!r}")
                pairs.append((name, str(item)))
        return pairs

    def complete(self) -> str:
        """All steps, review, result, send: return the outcome the result page shows."""
        self.start()
        page = self.walk_to("review")
        review = parse(page).form_posting_to(PREFIX + "review")
        result_path = PREFIX + "result"
        if review is not None:
            result_path = self._follow(self.client.post(
                PREFIX + "review", review.hidden() + review.forward_button(), label="review POST",
                expect=REDIRECTS))
        result = self.client.get(result_path, label="result")
        outcome = parse(result.text).main.get("data-outcome", "")
        send_page = self.client.get(PREFIX + "send", label="send GET")
        form = parse(send_page.text).form_posting_to(PREFIX + "send", {"consent"})
        if form is None:
            raise LoadError("no send form")
        body = form.hidden() + list(CONTACT.items()) + form.forward_button()
        sent = self.client.post(form.action or PREFIX + "send", body, label="send POST",
                                expect=REDIRECTS)
        self.client.get(sent.location, label="sent")
        return outcome

    def _follow(self, response) -> str:
        target = response.location
        if not target.startswith(PREFIX):
            raise LoadError(f"redirected out of the screening, to {target!r}")
        return target


def _answer_form(html: str, questionnaire: Questionnaire) -> Form:
    page = parse(html)
    for form in page.forms:
        if form.method == "post" and form.names() & questionnaire.questions.keys():
            return form
    raise LoadError("no step form with questions on the page")
