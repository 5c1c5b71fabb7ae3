"""Wizard views for the questionnaire steps and the crisis page (routed in ``wizard``)."""

from __future__ import annotations

from typing import Any, Sequence

from flask import redirect, render_template, request, url_for

from screener.web.languages import lazy_gettext as _l
from screener.patient import session
from screener.patient import follow_ups, forms, fragments, resume
from screener.core import navigation, rules
from screener.web import languages
from screener.core.questionnaire import Question, Questionnaire, Step
from screener.patient.flow import (journey_for, keep_pending, load_draft,
                                   posted_safety_answers, resume_url, returning, step_context,
                                   take_pending, write_refused)

UNEXPECTED = _l("This page was sent with answers to questions it does not ask, so nothing was "
                "saved. Please check your answers below and press Continue.")
PROBLEMS = {"unexpected": UNEXPECTED}
LANGUAGE_ACTION = "language-"  # the language switch on a step: "language-es"


def render_step(journey: navigation.Journey, step: Step, form: forms.StepForm | None = None,
                problem: str | None = None, status: int = 200, new: Sequence[str] = ()):
    """The step page: progress, crisis resources when the step has them, the questions.

    Without ``form`` the questions show the stored answers (a GET); with it, what was posted.
    A step with follow-up questions also carries them hidden, for the script to reveal, and
    points out ``new`` ones (just turned on by Continue) without it.
    """
    questionnaire = journey.questionnaire
    shown = ([field.question for field in form] if form is not None
             else journey.questions(step))
    if new or step.stems or follow_ups.hidden(step, shown):
        groups = follow_ups.groups(questionnaire, step, shown, form, journey.answers, new)
    elif form is None:
        questions = journey.questions(step)
        groups = fragments.answered_step(
            questionnaire, step, questions, journey.answers,
            lambda: forms.step_form(questionnaire, step, questions, answers=journey.answers))
    else:
        groups = fragments.choice_groups(form)
    position, total = journey.position(step.id)
    return render_template(
        "patient/step.html", questionnaire=questionnaire, step=step, form=form, groups=groups,
        problem=problem, position=position, total=total, returning=returning(),
    ), status


def step(step_id: str):
    """One step of the questionnaire: show it, or save it and move on (or back)."""
    screening, questionnaire, step, journey = step_context(step_id)
    if request.method == "GET":
        return _show(screening, journey, step)
    # Every safety answer that reaches the server is kept, whatever this POST does next (spec:
    # "Self-harm answers that change"); it is written with the save, in one transaction.
    record = posted_safety_answers(questionnaire, step)
    form = _posted_form(questionnaire, step, journey, request.form)
    action = request.form.get("action") or ""
    if action in ("back", "save") or action.startswith(LANGUAGE_ACTION):
        if not _keep_valid(screening, questionnaire, step, form, record):
            return write_refused()
        if action == "save":
            return resume.show_new_code(screening)
        if action == "back":
            return _go_back(screening, questionnaire, step)
        return _switch_language(screening, step, action.removeprefix(LANGUAGE_ACTION))
    unexpected = form.unexpected(request.form, asked={q.id for q in step.questions})
    if not form.validate() or unexpected:
        revealed = _only_revealed_missing(form, journey.questions(step))
        if revealed and not unexpected:
            return _show_follow_up(screening, questionnaire, step, form, revealed, record)
        return _refused(screening, questionnaire, step, form, unexpected, record)
    given = form.answers()
    if not session.save(screening, lambda stored: navigation.merge_step(
            questionnaire, stored, step, given), step.id, record=record):
        return write_refused()
    after = navigation.journey(questionnaire, screening.answers)
    if after.crisis_page_due(step):
        return redirect(url_for("wizard.crisis"))
    return redirect(_next_url(after, step))


def _show(screening, journey: navigation.Journey, step: Step):
    """A GET of the step: the stored answers, or once after a refused POST, what was sent with
    its errors (Post/Redirect/Get: the input waited on the draft, see ``keep_pending``)."""
    kept = take_pending(screening, step.id)
    if kept is None:
        return render_step(journey, step, new=follow_ups.take_new())
    form = _posted_form(journey.questionnaire, step, journey, kept["formdata"])
    form.validate()
    return render_step(journey, step, form, PROBLEMS.get(kept["problem"]))


def _refused(screening, questionnaire: Questionnaire, step: Step, form: forms.StepForm,
             unexpected: list[str], record: list[tuple[str, Any]]):
    """A step with errors: keep its valid answers (the step stays unanswered until complete),
    keep what was sent for the error page, and redirect to the step to show it. A tampered page
    saves no answer, but its safety answers are still recorded."""
    kept = (session.record(screening, record) if unexpected
            else _keep_valid(screening, questionnaire, step, form, record))
    if not kept:
        return write_refused()
    keep_pending(screening, step.id, form, "unexpected" if unexpected else None)
    return redirect(url_for("wizard.step", step_id=step.id, **returning()))


def _posted_form(questionnaire: Questionnaire, step: Step, journey: navigation.Journey,
                 formdata) -> forms.StepForm:
    """The step's form for what was posted. Its questions are those that the stored answers and
    the answers posted on this page enable: a follow-up question on the same page (shown only
    after "yes") is checked when it was answered with it, and asked for when it was not."""
    questions = journey.questions(step)
    for _ in range(len(step.questions)):  # each round can only turn more questions on
        form = forms.step_form(questionnaire, step, questions, formdata=formdata)
        merged = navigation.merge_step(questionnaire, journey.answers, step, form.valid_answers())
        enabled = rules.enabled_questions(step, merged, questionnaire)
        if [q.id for q in enabled] == [q.id for q in questions]:
            break
        questions = enabled
    return form


def _only_revealed_missing(form: forms.StepForm, shown: list[Question]) -> list[str]:
    """The follow-up questions this post turned on, when the only problem is that they are not
    answered yet (the patient has not seen them); otherwise []."""
    shown_ids = {q.id for q in shown}
    failing = [field for field in form if field.errors]
    if not failing or any(f.name in shown_ids or f.data not in (None, []) for f in failing):
        return []
    return [f.name for f in failing]


def _show_follow_up(screening, questionnaire: Questionnaire, step: Step, form: forms.StepForm,
                    revealed: list[str], record: list[tuple[str, Any]]):
    """Save the answers given and show the step again, now asking its follow-up question."""
    given = form.valid_answers()
    if not session.save(screening, lambda stored: navigation.merge_step(
            questionnaire, stored, step, given), step.id, record=record):
        return write_refused()
    # No anchor: a question id in the URL would tell the browser's history an answer.
    follow_ups.remember_new(revealed)
    return redirect(url_for("wizard.step", step_id=step.id, **returning()))


def _next_url(journey: navigation.Journey, step: Step) -> str:
    """The next enabled step; back to review (or its first gap) after a Change link."""
    back_to_review = returning()
    if back_to_review and journey.finished:
        return url_for("wizard.review")
    following = journey.first_open if back_to_review else journey.following(step.id)
    if following is None:
        return url_for("wizard.review")
    return url_for("wizard.step", step_id=following.id, **back_to_review)


def _keep_valid(screening, questionnaire: Questionnaire, step: Step, form: forms.StepForm,
                record: list[tuple[str, Any]]) -> bool:
    """Store the valid choices of a step sent without validating it (Back, Save and continue
    later, a step with errors), laid over the stored answers; False when the screening was sent
    or deleted meanwhile. The posted safety answers are recorded for good, as on every POST,
    even when no answer changed."""
    kept = form.valid_answers()

    def merged(stored):
        return navigation.merge_step(questionnaire, stored, step, kept, replace=False)

    if merged(screening.answers) == screening.answers:
        return session.record(screening, record)
    return session.save(screening, merged, step.id, record=record)


def _go_back(screening, questionnaire: Questionnaire, step: Step):
    """Back never validates: it keeps every stored answer and the valid new choices."""
    journey = navigation.journey(questionnaire, screening.answers)
    if returning() and journey.finished:
        return redirect(url_for("wizard.review"))
    previous = journey.previous(step.id)
    if previous is None:
        return redirect(url_for("wizard.landing"))
    return redirect(url_for("wizard.step", step_id=previous.id, **returning()))


def _switch_language(screening, step: Step, language: str):
    """The language switch on a step: its valid choices are kept (as by Back), then the same
    step again, in the language chosen."""
    if languages.is_supported(language) and not session.set_language(screening, language):
        return write_refused()
    return redirect(url_for("wizard.step", step_id=step.id, **returning()))


def crisis():
    """After an answer that calls for it (``crisis_page_when``): help now, then a way on."""
    screening = load_draft(editable=False)
    _, journey = journey_for(screening)
    # The latest step whose answers call for it: the one the patient has just answered when
    # going forward (a recent attempt on the diagnosis step, then a plan on the safety step).
    due = next((s for s in reversed(journey.steps) if journey.crisis_page_due(s)), None)
    if due is None:
        return redirect(url_for("wizard.crisis_resources"))
    return render_template("patient/crisis.html", questionnaire=journey.questionnaire, step=due,
                           continue_url=resume_url(screening, journey))
