"""Rendered radio and checkbox groups, reused while nothing they show has changed.

The radio groups are most of a step page and most of its rendering time. A group's HTML depends
only on the macro, its question, the answer shown and the field's errors, so a group with no
errors and a valid answer (or none) is rendered once per question and answer, then reused.
Anything else (errors, an invalid value posted back, templates reloading in development) is
rendered afresh.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import current_app
from markupsafe import Markup

from .rules import answer_problem

MAX_ENTRIES = 4096  # a few hundred in practice: each answer of each question, once
_cache: dict[tuple, tuple[Any, Any, Markup]] = {}


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
