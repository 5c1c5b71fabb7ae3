"""Rendered radio and checkbox groups, reused while nothing they show has changed.

The radio groups are most of a step page and most of its rendering time. A group's HTML depends
only on the macro, its question, the answer shown and the field's errors, so a group with no
errors and a valid answer (or none) is rendered once per question and answer, then reused.
Anything else (errors, an invalid value posted back, templates reloading in development) is
rendered afresh.

A step shown with the patient's stored answers (every GET of a step) has no errors by
construction, so all of its groups together are kept too, by step and answers: most views of a
step are a patient's first, with nothing answered yet, and those pages then build no WTForms form
at all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Mapping, Sequence

from flask import current_app
from markupsafe import Markup

from screener.core.questionnaire import Question, Questionnaire, Step
from screener.core.rules import answer_problem

MAX_ENTRIES = 4096  # a few hundred in practice: each answer of each question, once
_cache: dict[tuple, tuple[Any, Any, Markup]] = {}

MAX_STEP_ENTRIES = 256  # whole steps are larger (up to ~15 KB): keep the most recently shown
_steps: OrderedDict[tuple, tuple[Step, Markup]] = OrderedDict()
_steps_lock = threading.Lock()


def choice_groups(form) -> Markup:
    """Every question of a step form as its radio or checkbox group, in order."""
    macro = current_app.jinja_env.get_template("_form.html").module.choice_group
    return Markup("\n").join(cached_group(macro, field) for field in form)


def answered_step(questionnaire: Questionnaire, step: Step, questions: Sequence[Question],
                  answers: Mapping[str, Any], build_form: Callable[[], Any]) -> Markup:
    """The groups of ``questions`` showing the stored ``answers`` (``build_form()`` is called
    only when this step has not been shown with these answers lately)."""
    key = None if current_app.jinja_env.auto_reload else _step_key(questionnaire, step,
                                                                   questions, answers)
    if key is None:
        return choice_groups(build_form())
    with _steps_lock:
        cached = _steps.get(key)
        if cached is not None and cached[0] is step:
            _steps.move_to_end(key)
            return cached[1]
    html = choice_groups(build_form())
    with _steps_lock:
        _steps[key] = (step, html)
        if len(_steps) > MAX_STEP_ENTRIES:
            _steps.popitem(last=False)
    return html


def _step_key(questionnaire: Questionnaire, step: Step, questions: Sequence[Question],
              answers: Mapping[str, Any]) -> tuple | None:
    """What a step's groups depend on, or None when an answer is not one the step offers."""
    shown = []
    for question in questions:
        value = answers.get(question.id)
        if value is not None and value != []:
            if answer_problem(question, value) is not None:
                return None
            value = tuple(value) if isinstance(value, list) else (type(value), value)
        else:
            value = None
        shown.append((question.id, value))
    return questionnaire.source_sha256, step.id, tuple(shown)


def cached_group(macro: Callable[[Any], Markup], field) -> Markup:
    """``macro(field)``, from the cache when the same macro already rendered the same group."""
    key = None if current_app.jinja_env.auto_reload else _key(macro, field)
    if key is None:
        return macro(field)
    cached = _cache.get(key)
    if cached is not None and cached[0] is macro and cached[1] is field.question:
        return cached[2]
    html = macro(field)
    if len(_cache) >= MAX_ENTRIES:
        _cache.clear()
    _cache[key] = (macro, field.question, html)
    return html


def _key(macro, field) -> tuple | None:
    """What the group's HTML depends on, or None when it must not be cached."""
    question = getattr(field, "question", None)
    if question is None or field.errors:
        return None
    data = field.data
    if data is None or data == []:
        value = None
    elif answer_problem(question, data) is None:
        value = (type(data), tuple(data) if isinstance(data, list) else data)
    else:
        return None
    return id(macro), id(question), field.name, value
