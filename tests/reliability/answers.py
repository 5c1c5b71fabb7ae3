"""Random but valid answer sets and contact details for simulated patients.

Answers are drawn from the questionnaire itself (steps, skip logic, allowed values), so they
follow questions.yaml wherever it goes; only enabled questions get answers.
"""

from __future__ import annotations

import random
import secrets

from screener.core.rules import enabled_questions, enabled_view
from tests.helpers import baseline

ADULT = "age_18_plus"  # the question whose "no" makes a result that cannot be sent


def random_answers(questionnaire, rng: random.Random) -> dict:
    """A complete, valid answer set: every enabled required question, some optional ones.

    Half are wholly random (which mostly means crisis or safety review); the other half start
    from the spec's calm baseline with one or two steps answered at random, for a mix of outcomes.
    Every simulated patient is an adult: they all send their answers, and a minor's result
    offers no sending (the minor's journey has request and browser tests of its own).
    """
    if rng.random() < 0.5:
        return complete_answers(questionnaire, {ADULT: "yes"}, rng)
    answers = baseline()
    for step in rng.sample(questionnaire.steps, rng.randint(1, 2)):
        for question in step.questions:
            if question.id != ADULT:
                answers.pop(question.id, None)
    return complete_answers(questionnaire, answers, rng)


def complete_answers(questionnaire, answers: dict, rng: random.Random) -> dict:
    """``answers`` with every enabled question it lacks answered at random; enabled ones only."""
    answers = dict(answers)
    for step in questionnaire.steps:
        steps, effective = enabled_view(questionnaire, answers)
        if step.id not in {s.id for s in steps}:
            continue
        # Question by question: an answer may turn on a follow-up on the same step
        # (cssrs_thoughts -> cssrs_plan), which must be answered too.
        for question in step.questions:
            effective = enabled_view(questionnaire, answers)[1]
            if question not in enabled_questions(step, effective, questionnaire):
                continue
            if question.id in answers or (not question.required and rng.random() < 0.5):
                continue
            answers[question.id] = _value(question, rng)
    return enabled_view(questionnaire, answers)[1]


def _value(question, rng: random.Random):
    allowed = list(question.allowed_values())
    if question.kind != "multi":
        return rng.choice(allowed)
    exclusive = {c.value for c in question.choices if c.exclusive}
    if exclusive and rng.random() < 0.15:
        return [rng.choice(sorted(exclusive))]
    pool = [v for v in allowed if v not in exclusive]
    chosen = set(rng.sample(pool, rng.randint(1, min(3, len(pool)))))
    return [v for v in allowed if v in chosen]  # in form (choice) order


def random_contact(number: int, rng: random.Random) -> dict:
    """Contact details with a unique marker, so logs can be searched for them."""
    marker = secrets.token_hex(4)
    first = rng.choice(["Quillon", "Marisol", "Thaddeus", "Oriane", "Bexley", "Ysolde"])
    return {
        "name": f"{first} Zed{marker}",
        "email": f"patient.{marker}@example.com",
        "phone": f"+1 202 555 {number % 10000:04d}",
        "contact_method": rng.choice(["email", "phone", "text"]),
        "contact_time": f"Weekday mornings {marker}",
        "message": f"Looking forward to hearing from you, ref {marker}",
    }


def secret_markers(contact: dict) -> list[str]:
    """Strings that must never show up in a log line: the patient's name, email, phone, text."""
    values = [contact["name"], contact["email"], contact["phone"], contact["message"],
              contact["contact_time"], contact["email"].split("@")[0]]
    return values + [contact["name"].split()[-1]]
