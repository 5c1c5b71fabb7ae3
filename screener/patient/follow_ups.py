"""Follow-up questions on the same step, as the patient meets them.

With JavaScript, a follow-up that an answer on the page would turn on is already in the page,
hidden, with the condition that shows it (``data-when``); wizard.js reveals it in place. Without
JavaScript, Continue saves the answer and shows the step again with the new question, a note
"One more question about your answer" before it, focused (``autofocus``, no script). Either way
the server decides what applies from what was posted (steps._posted_form), and every safety
answer posted is recorded, revealed or not.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from flask import current_app, session
from markupsafe import Markup, escape

from screener.web.languages import lazy_gettext as _l
from screener.core.questionnaire import Question, Questionnaire, Step
from screener.core.questionnaire.types import Comparison
from screener.patient import forms
from screener.patient.fragments import cached_group

NOTE = _l("One more question about your answer")
NEW_KEY = "follow_up"  # the questions the last Continue turned on (shown once, with the note)
_OPERATORS = ("=", "!=")  # what wizard.js can check; anything else is left to the server


def remember_new(question_ids: Sequence[str]) -> None:
    """The next view of the step points out these questions (once)."""
    session[NEW_KEY] = list(question_ids)


def take_new() -> list[str]:
    """The questions the last Continue turned on, once."""
    kept = session.pop(NEW_KEY, None)
    return [q for q in kept if isinstance(q, str)] if isinstance(kept, list) else []


def hidden(step: Step, shown: Sequence[Question]) -> list[Question]:
    """The step's questions not shown now that one answer on this page would turn on."""
    ids = {q.id for q in step.questions}
    shown_ids = {q.id for q in shown}
    return [q for q in step.questions if q.id not in shown_ids
            and isinstance(q.enable_when, Comparison) and q.enable_when.source == "question"
            and q.enable_when.operator in _OPERATORS and q.enable_when.ref in ids]


def groups(questionnaire: Questionnaire, step: Step, shown: Sequence[Question], form,
           answers: Mapping[str, Any] | None, new: Sequence[str]) -> Markup:
    """Every question of the step in order: those shown, the hidden follow-ups (for the script)
    and the note before a question the last Continue turned on."""
    if form is None:
        form = forms.step_form(questionnaire, step, list(shown), answers=answers or {})
    waiting = hidden(step, shown)
    extra = forms.step_form(questionnaire, step, waiting) if waiting else None
    macro = current_app.jinja_env.get_template("_form.html").module.choice_group
    shown_ids, waiting_ids = {q.id for q in shown}, {q.id for q in waiting}
    first_new = next((q.id for q in step.questions if q.id in new and q.id in shown_ids), None)
    parts: dict[str, Markup] = {}
    noted: list = []
    for question in step.questions:
        if question.id in shown_ids:
            html = cached_group(macro, form[question.id])
            if question.id == first_new:
                html = _note(autofocus=True) + html
            parts[question.id] = html
        elif question.id in waiting_ids:
            # One note per answer that reveals questions, before the first of them.
            first = question.enable_when not in noted
            noted.append(question.enable_when)
            parts[question.id] = _waiting(question, cached_group(macro, extra[question.id]),
                                          first)
    return _in_stems(step, parts)


def _in_stems(step: Step, parts: Mapping[str, Markup]) -> Markup:
    """The groups in step order; each run of questions under a ``stems`` time frame wrapped with
    its stem, so the pinned stem scrolls away with its own questions."""
    covered = {qid: (text, ids) for text, ids in step.stems for qid in ids}
    out, done = [], set()
    for question in step.questions:
        if question.id in done or question.id not in parts:
            continue
        stem = covered.get(question.id)
        if stem is None:
            out.append(parts[question.id])
            continue
        text, ids = stem
        inner = [parts[q] for q in ids if q in parts]
        done.update(ids)
        out.append(Markup('<div class="stem-group"><p class="stem stem-sticky">{}</p>\n{}</div>')
                   .format(text, Markup("\n").join(inner)))
    return Markup("\n").join(out)


def _note(autofocus: bool = False) -> Markup:
    """The note before a follow-up; focused on the page that shows it without script."""
    focus = ' tabindex="-1" autofocus' if autofocus else ""
    return Markup(f'<p class="follow-up-note"{focus}>{escape(str(NOTE))}</p>')


def _waiting(question: Question, html: Markup, with_note: bool) -> Markup:
    """A follow-up hidden until its condition holds on the page (wizard.js)."""
    when = question.enable_when
    return Markup('<div class="follow-up" hidden data-when="{}" data-op="{}" data-value="{}">'
                  '{}{}</div>').format(when.ref, when.operator, str(when.answer),
                                       _note() if with_note else "", html)
