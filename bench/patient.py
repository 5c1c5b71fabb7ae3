"""Virtual patients for the wizard: walk to a step, or take a whole screening and send it.

The patient is the test kit's (tests/kit/patient.py: it reads each page's forms and answers what
the page asks); here its requests go through the benchmark's timed ``Client``, labelled by page.
Answers come from ``AnswerSampler`` (random, valid, drawn from the questionnaire). Answer sets
that would open the crisis page mid-journey are left out: that page is a pause with a link
onward, not a form, and it is tested elsewhere. So are those whose result offers no sending (a
minor's): every virtual patient sends.
"""

from __future__ import annotations

import copy
import random

from screener.cli.dev import AnswerSampler
from screener.core import presentation, rules
from screener.core.questionnaire import Questionnaire
from tests.kit import patient
from tests.kit.pages import Page, parse
from tests.kit.patient import PREFIX

from .load import Client, LoadError

REDIRECTS = (302, 303)
CONTACT = {"name": "Bench Patient", "email": "bench.patient@example.com", "phone": "",
           "contact_method": "email", "contact_time": "Weekday mornings",
           "message": "Load test"}


class AnswerSource:
    """Answer sets for virtual patients; each patient (thread) gets its own random stream."""

    def __init__(self, questionnaire: Questionnaire, seed: int = 8):
        self.questionnaire = questionnaire
        self.seed = seed
        self.template = AnswerSampler(questionnaire, random.Random(seed))

    def stream(self, number: int):
        """A function returning a new valid answer set that never triggers a crisis page and
        can be sent."""
        sampler = copy.copy(self.template)
        sampler.rng = random.Random(self.seed * 100003 + number)
        return lambda: self._sendable_without_crisis_page(sampler)

    def _sendable_without_crisis_page(self, sampler: AnswerSampler) -> dict:
        questionnaire = self.questionnaire
        while True:
            answers = sampler.answers()
            steps, effective = rules.enabled_view(questionnaire, answers)
            if any(s.crisis_page_when is not None and rules.condition_holds(
                    questionnaire, s.crisis_page_when, effective) for s in steps):
                continue
            assessment = rules.evaluate(questionnaire, effective)
            if presentation.patient_result(questionnaire, assessment).can_send:
                return answers


class Patient(patient.Patient):
    """One visitor with one draft, whose requests the benchmark's ``Client`` times."""

    def __init__(self, client: Client, questionnaire: Questionnaire, answers: dict):
        super().__init__(questionnaire, answers, CONTACT)
        self.client = client

    def fetch(self, method: str, path: str, data) -> Page:
        """One request through the client: a POST must redirect, a GET must answer 200."""
        response = self.client.request(method, path, data, label=_label(method, path),
                                       expect=REDIRECTS if method == "POST" else (200,))
        return parse(response.text, "http://127.0.0.1" + path, response.status,
                     {k.lower(): v for k, v in response.headers.items()})

    def step_post(self, step_id: str) -> tuple[str, list[tuple[str, str]]]:
        """Walk to step ``step_id``; return the POST that answers it: (path, body)."""
        page = self._as_load_error(self.run_until, PREFIX + step_id)
        form = self.step_form(page)
        if form is None:
            raise LoadError(f"no step form with questions at {page.path}")
        _, target, body = self.prepare(page, form, self._as_load_error(self.answer_pairs, form))
        return target, body

    def complete(self) -> str:
        """All steps, review, result, send: return the outcome the result page showed."""
        self._as_load_error(self.run)
        return self.result.outcome or ""

    @staticmethod
    def _as_load_error(call, *args):
        # The load runner counts a LoadError as a failed iteration and goes on.
        try:
            return call(*args)
        except patient.PatientError as error:
            raise LoadError(str(error)) from None


def _label(method: str, path: str) -> str:
    """The latency label of a request: landing, start, step GET/POST, review POST, result,
    send GET/POST, sent (the review page's GET counts as a step's)."""
    name = path.split("?")[0]
    if name == "/":
        return "landing"
    name = name.removeprefix(PREFIX)
    if name in ("start", "result", "sent"):
        return name
    if name == "send" or (name == "review" and method == "POST"):
        return f"{name} {method}"
    return f"step {method}"
