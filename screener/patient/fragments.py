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

Both kinds live in one ``FragmentCache`` per app (``app.extensions["fragments"]``, made by
``init_app``): a locked LRU bounded by the characters it holds. Nothing in it belongs to one
visitor: no CSRF token, no name; an answer only as the checked choice of a question.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Mapping, Sequence

from flask import Flask, current_app
from markupsafe import Markup

from screener.core.questionnaire import Question, Questionnaire, Step
from screener.core.rules import answer_problem

# About what the two caches this replaced could hold together: 4,096 groups of ~1 KB and 256
# whole steps of up to ~15 KB. In practice a few hundred groups and the steps shown lately.
MAX_CHARS = 8_000_000


class FragmentCache:
    """Rendered HTML by key, least recently used dropped first once more than ``max_chars``
    characters are held. One lock guards every read and change (threaded workers share it).

    Each entry keeps its owners, the objects its key names by ``id()`` (a macro, a question, a
    step); a hit needs the very same objects, so a reused id can never serve another's HTML.
    """

    def __init__(self, max_chars: int = MAX_CHARS):
        self.max_chars = max_chars
        self.chars = 0
        self._entries: OrderedDict[tuple, tuple[tuple, Markup]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple, owners: tuple) -> Markup | None:
        """The HTML kept under ``key`` for these very ``owners``, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or len(entry[0]) != len(owners) or not all(
                    kept is owner for kept, owner in zip(entry[0], owners)):
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple, owners: tuple, html: Markup) -> None:
        """Keep ``html`` under ``key``, dropping the least recently used entries beyond
        ``max_chars``."""
        if len(html) > self.max_chars:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.chars -= len(old[1])
            self._entries[key] = (owners, html)
            self.chars += len(html)
            while self.chars > self.max_chars:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.chars -= len(dropped)


def init_app(app: Flask) -> None:
    """Give ``app`` its fragment cache."""
    app.extensions["fragments"] = FragmentCache()


def _cache() -> FragmentCache:
    return current_app.extensions["fragments"]


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
    cache = _cache()
    html = cache.get(key, (step,))
    if html is None:
        html = choice_groups(build_form())
        cache.put(key, (step,), html)
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
    return "step", questionnaire.source_sha256, questionnaire.language, step.id, tuple(shown)


def cached_group(macro: Callable[[Any], Markup], field) -> Markup:
    """``macro(field)``, from the cache when the same macro already rendered the same group."""
    key = None if current_app.jinja_env.auto_reload else _key(macro, field)
    if key is None:
        return macro(field)
    cache, owners = _cache(), (macro, field.question)
    html = cache.get(key, owners)
    if html is None:
        html = macro(field)
        cache.put(key, owners, html)
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
    return "group", id(macro), id(question), field.name, value
