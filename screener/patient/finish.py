"""Wizard views after the last step: review, result, send to the clinic, confirmation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for

from screener.storage import drafts
from screener.patient import forms
from screener.core import rules
from screener.patient.flow import (JUST_SENT_KEY, journey_for, keep_pending, load_draft,
                                   resume_url, take_pending, write_refused)

CHECK_FIRST = "Please check your answers, then press 'See my result'."
SENT_ONCE = ("For your privacy, the confirmation of a sent screening is shown only once, just "
             "after sending. If you sent your answers, the clinic has them.")


def review():
    """Every answer, grouped by step, each with a Change link back to its step."""
    screening = load_draft()
    questionnaire, journey = journey_for(screening)
    if not journey.finished:
        return redirect(resume_url(screening, journey))
    sections = [
        (step, [(q, journey.answers.get(q.id)) for q in journey.questions(step)])
        for step in journey.steps
    ]
    return render_template("patient/review.html", questionnaire=questionnaire, sections=sections,
                           screening=screening)


def finish():
    """Re-validate every step, evaluate on the server and store the assessment (formtools'
    ``render_done``)."""
    screening = load_draft()
    questionnaire, journey = journey_for(screening)
    if rules.validate_answers(questionnaire, screening.answers) or not journey.finished:
        flash("Some answers are missing or need checking. Please answer this page.", "error")
        first = journey.first_open or journey.steps[0]
        return redirect(url_for("wizard.step", step_id=first.id))
    assessment = rules.evaluate(questionnaire, screening.answers)
    if not drafts.complete(screening, questionnaire, assessment):
        return write_refused()
    return redirect(url_for("wizard.result"))


def result():
    """The outcome, its reasons, the scores and the consultation recommendation."""
    screening = load_draft(editable=False)
    questionnaire, journey = journey_for(screening)
    if screening.status == "draft":
        if journey.finished:
            flash(CHECK_FIRST, "info")
        return redirect(resume_url(screening, journey))
    return render_template("patient/result.html", **_result_context(screening, questionnaire))


def _result_context(screening, questionnaire) -> dict:
    """What the result page (and the printable copy on the sent page) shows."""
    assessment = rules.evaluate(questionnaire, screening.answers)
    scores = [(s, assessment.scores[s.id]) for s in questionnaire.scores
              if s.id in assessment.scores]
    return dict(questionnaire=questionnaire, screening=screening, assessment=assessment,
                scores=scores, version=questionnaire.version,
                outcome=questionnaire.outcomes_by_id[assessment.outcome])


def send():
    """The contact form; a valid one with consent sends the screening to the clinic, once.

    A form with errors redirects to itself (what was typed waits on the draft, not in the URL).
    Once sent, the screening leaves this device: the session forgets it, and only the
    confirmation page that follows may show it, once.
    """
    screening = load_draft()
    if screening.status != "completed":
        return redirect(url_for("wizard.result"))
    if request.method == "GET":
        kept = take_pending(screening, "send")
        form = forms.ContactForm(kept["formdata"] if kept else None)
        if kept:
            form.validate()
        return render_template("patient/send.html", form=form)
    form = forms.ContactForm(request.form)
    if not form.validate():
        keep_pending(screening, "send", form)
        return redirect(url_for("wizard.send"))
    if not drafts.submit(screening, form.contact_details()):
        return write_refused()
    session[JUST_SENT_KEY] = session.get(drafts.SESSION_KEY)
    drafts.forget()
    return redirect(url_for("wizard.sent"))


def sent():
    """Confirmation: what happens next, the crisis resources and a printable copy of the result,
    shown once; after it, nothing of the screening is left on this device."""
    screening = drafts.by_token(session.pop(JUST_SENT_KEY, None))
    if screening is None or screening.status != "submitted":
        flash(SENT_ONCE, "info")
        return redirect(url_for("wizard.landing"))
    questionnaire, _ = journey_for(screening)
    return render_template("patient/sent.html", **_result_context(screening, questionnaire))
