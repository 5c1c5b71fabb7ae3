"""Shared by the wizard views: load the patient's draft, and work out where they go next."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from screener.web.languages import gettext, lazy_gettext as _l
from screener.patient import session
from screener.core import navigation, rules, safety
from screener.storage import drafts, pending
from screener.storage.drafts import Draft
from screener.web.errors import abort_with
from screener.web.languages import page_language
from screener.core.questionnaire import Questionnaire, Step
from screener.web.questionnaires import current_questionnaire, current_source, questionnaire_for

LOST = _l("We could not find your screening: your session has ended. Please start again.")
MOVED = _l("You opened this screening on another device, so it is no longer on this one. "
           "Carry on there, or start again here.")


def load_draft(editable: bool = True) -> Draft:
    """The session's screening, or a redirect: to the sent confirmation when this browser sent
    it, to the neutral "already sent" page for a cookie copied before the send, to the landing
    page (saying why) when it moved to another device, expired or was lost.

    A screening sent to the clinic leaves the device: the cookie keeps only a receipt, and none
    of its pages (steps, review, result) are shown again here. ``editable`` is kept for callers
    that only read; a sent screening is refused to both.
    """
    screening = session.current()
    if screening is None:
        abort(redirect(_no_draft()))
    if screening.status != "submitted" and not _moved_to_current(screening):
        abort(redirect(url_for("wizard.resume")))  # changed meanwhile: load it again
    if screening.status == "submitted":
        # Sent before receipts existed, with the token still on the row: nothing about it.
        abort(redirect(url_for("wizard.already_sent")))
    return screening


def _no_draft() -> str:
    """Where a browser whose cookie opens no draft goes, and what it is told."""
    reason = session.retired_reason()
    if reason == "sent":
        # A cookie from before the send (a copy, or a double click's other request): the
        # session is left alone, so the receipt the sending response set is not overwritten.
        return url_for("wizard.already_sent")
    if session.has_receipt():
        return url_for("wizard.sent")  # this browser sent it: Back, a bookmark, the result URL
    expired = session.had_token()
    session.forget()
    if reason == "moved":
        flash(str(MOVED), "info")
    else:
        hours = current_app.config["DRAFT_TTL_HOURS"]
        flash(gettext("Your screening has expired: answers that are not sent to the clinic "
                      "are deleted after %(hours)s hours. Please start again.", hours=hours)
              if expired else str(LOST), "info")
    return url_for("wizard.landing")


def _moved_to_current(screening: Draft) -> bool:
    """A draft begun under an older questionnaire (in progress when a new version was deployed)
    moves to the one in force: answers to retired questions are dropped, the rest kept, and it
    resumes at the first step with an unanswered question. True when it is current (now)."""
    current = current_questionnaire()
    if screening.questionnaire_sha256 == current.source_sha256:
        return True
    return session.ended(drafts.move_to_current(
        screening, current, carried_answers(current, screening.answers), current_source()))


def carried_answers(questionnaire: Questionnaire, answers: dict) -> dict:
    """The answers ``questionnaire`` still asks, with values it accepts, pruned by its skip
    logic."""
    kept = {qid: value for qid, value in answers.items()
            if qid in questionnaire.questions
            and rules.answer_problem(questionnaire.questions[qid], value) is None}
    return rules.enabled_view(questionnaire, kept)[1]


def keep_pending(screening: Draft, page: str, form, problem: str | None = None):
    """Keep what ``form``'s fields were sent with, for the redirect that shows the errors."""
    names = [field.name for field in form]
    pending.keep(screening.id, page,
                 {name: request.form.getlist(name) for name in names if name in request.form},
                 problem)
    session.expect_pending(page)


def take_pending(screening: Draft, page: str) -> dict | None:
    """The input kept for ``page`` by ``keep_pending`` (once), as posted form data, or None."""
    if not session.take_pending_page(page):
        return None
    kept = pending.take(screening.id, page)
    if kept is None:
        return None
    data = MultiDict([(name, value) for name, values in kept["data"].items()
                      for value in values])
    return {"formdata": data, "problem": kept.get("problem")}


def write_refused():
    """A save found the screening sent (or gone) meanwhile: redirect accordingly."""
    load_draft()  # sent or deleted: load_draft redirects (confirmation or landing page)
    return redirect(url_for("wizard.resume"))  # changed meanwhile: where the patient stands


def journey_for(screening: Draft) -> tuple[Questionnaire, navigation.Journey]:
    """The questionnaire the screening is answered under, in the page's language, and the
    journey of its answers (ids: the same whatever the language)."""
    questionnaire = questionnaire_for(screening).localized(page_language())
    return questionnaire, navigation.journey(questionnaire, screening.answers)


def resume_url(screening: Draft, journey: navigation.Journey) -> str:
    """Where a patient continues: the first unanswered step, else review, result or sent."""
    if screening.status == "submitted":
        return url_for("wizard.sent")
    if journey.first_open is not None:
        return url_for("wizard.step", step_id=journey.first_open.id)
    return url_for("wizard.result" if screening.status == "completed" else "wizard.review")


def returning() -> dict[str, str]:
    """``return_to=review`` when the step was opened with a Change link from the review page."""
    return {"return_to": "review"} if request.args.get("return_to") == "review" else {}


def step_context(step_id: str) -> tuple[Draft, Questionnaire, Step, navigation.Journey]:
    """Everything a step view needs, for a step the patient may open; else 404 or a redirect."""
    screening = load_draft()
    questionnaire, journey = journey_for(screening)
    step = questionnaire.steps_by_id.get(step_id)
    if step is None:
        abort_with(404, _l("There is no such page in the screening."))
    if not journey.is_reachable(step.id):
        if request.method == "POST":  # a stale page: nothing is saved, safety answers are kept
            session.record(screening, posted_safety_answers(questionnaire, step))
        abort(redirect(resume_url(screening, journey)))
    return screening, questionnaire, step, journey


def posted_safety_answers(questionnaire: Questionnaire, step: Step) -> list:
    """The safety answers in everything this POST sent for ``step``'s questions, shown or not
    (a follow-up revealed by script is posted even when its parent says "no")."""
    kept = questionnaire.safety_answers
    asked = {c.ref for c in kept.conditions} if kept is not None else set()
    # The raw values of the safety questions alone: to_record reads "2" as 2 and drops what is
    # not an answer, so no second form is built on every post of these steps.
    posted = {q.id: request.form.getlist(q.id) if q.kind_spec.multiple else request.form.get(q.id)
              for q in step.questions if q.id in asked}
    return safety.to_record(questionnaire, {k: v for k, v in posted.items() if v})
