"""A patient in a real browser: walks the wizard by mouse (or by keyboard, see ``keyboard``).

Everything the patient reads or clicks comes from the questionnaire: a question is found by its
text (the legend of its fieldset), an answer by its label. Nothing clinical is written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlparse

from screener.core.questionnaire import Question, Questionnaire, Step

STEP_PATH = re.compile(r"^/screening/(?P<step>[a-z0-9_]+)$")
NOT_STEPS = {"review", "result", "send", "sent", "crisis", "help-now", "already-sent", "start",
             "restart", "save", "resume"}

# Called on each page the walk passes: (page kind, name, step or None).
Visit = Callable[[str, str, "Step | None"], None]


@dataclass
class Contact:
    """What a patient types into the send-to-the-clinic form."""

    name: str
    email: str = ""
    phone: str = ""
    method_label: str = ""
    message: str = ""


@dataclass
class Journey:
    """Where a walk went: the steps in order and the pages it passed."""

    steps: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)


def path_of(page) -> str:
    return urlparse(page.url).path


def current_step(page, questionnaire: Questionnaire) -> Step | None:
    """The step whose page is open, from the URL; None on any other page."""
    match = STEP_PATH.match(path_of(page))
    if not match or match["step"] in NOT_STEPS:
        return None
    return questionnaire.steps_by_id[match["step"]]


def group(page, question: Question):
    """The fieldset of a question, found by its legend as a screen reader would."""
    return page.get_by_role("group", name=question.text, exact=True)


def labels_for(question: Question, value: Any) -> list[str]:
    """The label(s) a patient clicks to give ``value``."""
    values = value if isinstance(value, list) else [value]
    if question.kind == "scale":
        return [str(v) for v in values]
    by_value = {choice.value: choice.label for choice in question.choices}
    return [by_value[v] for v in values]


def answer_by_mouse(page, step: Step, answers: dict[str, Any]) -> None:
    """Click the answers to every question of the step that is on the page."""
    for question in step.questions:
        fieldset = group(page, question)
        if question.id not in answers or fieldset.count() == 0:
            continue
        wanted = set(labels_for(question, answers[question.id]))
        for choice in fieldset.get_by_role("checkbox").all():
            label = choice.evaluate("el => el.labels[0].textContent.trim()")
            if choice.is_checked() != (label in wanted):
                choice.click()
        for label in wanted:
            fieldset.get_by_label(label, exact=True).check()


def press_continue(page) -> None:
    """The step's forward button: "Continue", or "Save and return to review" after a Change
    link."""
    page.locator("button[name=action][value=continue]").click()
    page.wait_for_load_state()


def walk_steps(page, questionnaire: Questionnaire, answers: dict[str, Any],
               visit: Visit | None = None, errors_first: bool = False,
               answer: Callable = answer_by_mouse, submit: Callable = press_continue,
               journey: Journey | None = None, until: str | None = None) -> Journey:
    """Answer each step the wizard shows until it leaves the steps (review, crisis page...)
    or reaches the step ``until``.

    With ``errors_first``, each step is first sent unanswered to see its error page.
    """
    journey = journey or Journey()
    for _ in range(len(questionnaire.steps) + 1):
        step = current_step(page, questionnaire)
        if step is None or step.id == until:
            return journey
        journey.steps.append(step.id)
        if visit:
            visit("step", step.id, step)
        if errors_first:
            submit(page)
            assert current_step(page, questionnaire) == step, "an empty step was accepted"
            if visit:
                visit("step-errors", step.id, step)
        answer(page, step, answers)
        submit(page)
    raise AssertionError(f"the wizard did not leave the steps: {journey.steps}")


def start(page, base_url: str) -> None:
    """Open the landing page and press the start button."""
    page.goto(base_url + "/")
    page.get_by_role("button", name="Start screening").click()
    page.wait_for_load_state()


def fill_contact(page, contact: Contact, consent: bool = True) -> None:
    """Fill the send form by mouse and keyboard typing, as most people do."""
    page.get_by_label("Your name").fill(contact.name)
    if contact.email:
        page.get_by_label("Email address", exact=True).fill(contact.email)
    if contact.phone:
        page.get_by_label("Phone number").fill(contact.phone)
    if contact.method_label:
        page.get_by_label(contact.method_label, exact=True).check()
    if contact.message:
        page.get_by_label(re.compile("Anything you would like")).fill(contact.message)
    if consent:
        page.get_by_role("checkbox", name=re.compile("I agree")).check()


def outcome_of(page) -> str:
    """The outcome id the result page shows (``data-outcome`` on <main>)."""
    return page.locator("main").get_attribute("data-outcome")


def complete(page, base_url: str, questionnaire: Questionnaire, answers: dict[str, Any],
             contact: Contact | None = None) -> str:
    """A quick mouse journey to the result (and the clinic, given a contact): the outcome id."""
    start(page, base_url)
    walk_steps(page, questionnaire, answers)
    if path_of(page) == "/screening/help-now":
        page.get_by_role("link", name="Continue the screening").click()
        page.wait_for_load_state()
        walk_steps(page, questionnaire, answers)
    page.get_by_role("button", name="See my result").first.click()  # top of two
    page.wait_for_load_state()
    outcome = outcome_of(page)
    if contact is not None:
        send_from_result(page, contact)
    return outcome


def send_from_result(page, contact: Contact) -> None:
    """From the result page: the send link, the contact form filled in, Send; on /sent after."""
    page.get_by_role("link", name="Send my answers to the clinic").click()
    page.wait_for_load_state()
    fill_contact(page, contact)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert path_of(page) == "/screening/sent", page.url
