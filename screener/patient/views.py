"""Patient blueprint: landing page, the screening wizard, result, send to the clinic, crisis help.

The journey is anonymous. The browser holds only a draft token (``session``); which step comes
next is decided on the server from the stored answers (``navigation``), never from anything
the browser sends, and every successful POST redirects. The step views live in
``steps``, the review/result/send views in ``finish``; the routes are all here.
"""

from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from screener.web.languages import gettext, lazy_gettext as _l
from screener.storage import drafts
from screener.patient import session
from screener.patient import finish, forms, steps
from screener.patient import resume as resume_codes  # `resume` is also a view here
from screener.web import languages
from screener.web.access_log import ROUTE_KEY
from screener.web.errors import render_error
from screener.extensions import limiter
from screener.web.questionnaires import current_questionnaire
from screener.web.security import local_path
from screener.patient.flow import (journey_for, load_draft, posted_safety_answers, resume_url,
                                   step_context)

bp = Blueprint("wizard", __name__)

SAVE_CONFLICT = _l("Your answers were being saved from another window at the same moment, so "
                   "this page was not saved. Please go back, check your answers and continue.")
CSRF_STEP = _l("For your security this page had expired, so what you entered below is not saved "
               "yet. Please check it and press the button again.")
CSRF_OTHER = _l("For your security that page had expired. Please try again. If this keeps "
                "happening, your browser may be blocking the cookie the screening needs.")


def _start_limit() -> str:
    return current_app.config["SCREENING_START_RATE_LIMIT"]


def _resume_limit() -> str:
    return current_app.config["RESUME_RATE_LIMIT"]


@bp.after_request
def _route_for_access_log(response):
    """Tell the access log the route, not the step: a step's name tells a person's answers
    (web/access_log.py)."""
    rule = request.url_rule.rule if request.url_rule is not None else None
    if request.endpoint in ("wizard.step", "wizard.crisis"):
        rule = "/screening/<step>"
    request.environ[ROUTE_KEY] = rule
    return response


@bp.record_once
def _check_forms(state) -> None:
    """Build every step form at start-up: a question the forms cannot handle stops the app."""
    forms.check_forms(state.app.extensions["questionnaire"])


@bp.get("/")
def landing():
    """What the screening is, the privacy note, and the start (or continue) button."""
    screening = session.current()
    if screening is not None and screening.status == "submitted":
        screening = None
    return render_template("patient/landing.html", screening=screening)


@bp.get("/help")
def crisis_resources():
    """Crisis resources, linked from every page footer."""
    return render_template("patient/help.html")


@bp.get("/screening/start")
def start_page():
    """The start button posts; a bookmarked start address shows the landing page."""
    return redirect(url_for(".landing"))


@bp.post("/screening/start")
@limiter.limit(_start_limit)
def start():
    """Create a draft (or continue the unsent one this browser already has)."""
    screening = session.current()
    if screening is None or screening.status == "submitted":
        screening = session.start(current_questionnaire())
    _, journey = journey_for(screening)
    return redirect(resume_url(screening, journey))


@bp.get("/screening/restart")
def confirm_restart():
    """Start over asks first: "Delete all your answers and start again?" (works without
    JavaScript)."""
    return render_template("patient/start_over.html", has_answers=session.current() is not None)


@bp.post("/screening/restart")
def restart():
    """Start over, once confirmed: delete the unsent answers and forget the screening on this
    device. A POST without the confirmation (an old page, a stray click) deletes nothing."""
    if request.form.get("confirm") != "yes":
        return redirect(url_for(".confirm_restart"))
    session.drop_receipt()
    if session.discard():
        flash(gettext("Your answers have been deleted. You can start again whenever you are "
                      "ready."), "success")
    else:
        flash(gettext("This device no longer holds your screening."), "success")
    return redirect(url_for(".landing"))


@bp.post("/language")
def switch_language():
    """The language switch (a page's header): this browser's pages and the screening in progress
    change language; back to the page it was pressed on. A step's switch sends the step form
    instead (``steps.step``), which keeps its choices."""
    language = request.form.get("language")
    if languages.is_supported(language) and not session.set_language(session.current(),
                                                                       language):
        return redirect(url_for(".resume"))  # sent meanwhile: wherever that leads
    return redirect(local_path(request.form.get("next")) or url_for(".landing"))


@bp.get("/screening/language/<language>")
def follow_language_link(language: str):
    """The language switch's link (a page's header): like ``switch_language``, then back to
    ``next`` (303). On a step, wizard.js sends the step form instead, which keeps its choices."""
    if not languages.is_supported(language):
        abort(404)
    if not session.set_language(session.current(), language):
        return redirect(url_for(".resume"), 303)  # sent meanwhile: wherever that leads
    return redirect(local_path(request.args.get("next")) or url_for(".landing"), 303)


@bp.get("/screening/")
def resume():
    """Continue where the patient stopped."""
    screening = load_draft(editable=False)
    _, journey = journey_for(screening)
    return redirect(resume_url(screening, journey))


bp.add_url_rule("/screening/review", "review", finish.review, methods=["GET"])
bp.add_url_rule("/screening/review", "finish", finish.finish, methods=["POST"])
bp.add_url_rule("/screening/result", "result", finish.result, methods=["GET"])
bp.add_url_rule("/screening/send", "send", finish.send, methods=["GET", "POST"])
bp.add_url_rule("/screening/sent", "sent", finish.sent, methods=["GET"])
bp.add_url_rule("/screening/already-sent", "already_sent", finish.already_sent, methods=["GET"])
bp.add_url_rule("/screening/save", "save", resume_codes.save_page, methods=["GET"])
bp.add_url_rule("/screening/save", "make_code", resume_codes.make_code, methods=["POST"])
bp.add_url_rule("/screening/resume", "resume_code", resume_codes.resume_page, methods=["GET"])
bp.add_url_rule("/screening/resume", "claim_code",
                limiter.limit(_resume_limit)(resume_codes.resume_with_code), methods=["POST"])
bp.add_url_rule("/screening/help-now", "crisis", steps.crisis, methods=["GET"])
bp.add_url_rule("/screening/<step_id>", "step", steps.step, methods=["GET", "POST"])


@bp.errorhandler(drafts.SaveConflict)
def save_conflict(error: drafts.SaveConflict):
    """Saves of one draft from several windows kept overtaking this one: nothing was lost."""
    return render_error(409, SAVE_CONFLICT)


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """Never a bare 400 mid-screening: re-show a step or the send form with the unsaved input;
    elsewhere explain and go back."""
    try:
        if request.endpoint == "wizard.step":
            screening, questionnaire, step, journey = step_context(request.view_args["step_id"])
            # Nothing is saved, but a safety answer that reached the server is kept (the
            # session cookie is SameSite=Lax: a cross-site POST carries no draft to add it to).
            session.record(screening, posted_safety_answers(questionnaire, step))
            form = forms.step_form(questionnaire, step, journey.questions(step),
                                   formdata=request.form)
            return steps.render_step(journey, step, form, CSRF_STEP, 400)
        if request.endpoint == "wizard.send":
            screening = load_draft()
            if not finish.offers_sending(screening):
                return redirect(url_for(".result"))
            form = forms.ContactForm(request.form, texts=current_questionnaire().localized(
                languages.page_language()).texts)
            return render_template("patient/send.html", form=form, problem=CSRF_STEP), 400
    except HTTPException as exc:  # lost session, sent screening, unknown step
        return exc.get_response() if exc.code is None else render_error(exc.code)
    flash(str(CSRF_OTHER), "error")
    target = {"wizard.finish": ".review", "wizard.claim_code": ".resume_code",
              "wizard.make_code": ".save"}.get(request.endpoint, ".landing")
    return redirect(url_for(target))
