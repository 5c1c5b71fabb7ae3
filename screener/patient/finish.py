"""Wizard views after the last step: review, result, send to the clinic, confirmation."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from screener.storage import drafts
from screener.patient import session
from screener.patient import forms
from screener.core import rules, safety
from screener.patient.flow import journey_for, load_draft, resume_url, write_refused
from screener.storage.versions import current_questionnaire

CHECK_FIRST = "Please check your answers, then press 'See my result'."


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
    changed = safety.changed_flags(questionnaire, drafts.safety_records(screening),
                                   screening.answers)
    if not session.complete(screening, questionnaire, assessment, changed):
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
    assessment = rules.evaluate(questionnaire, screening.answers)
    scores = [(s, assessment.scores[s.id]) for s in questionnaire.scores
              if s.id in assessment.scores]
    outcome = questionnaire.outcomes_by_id[assessment.outcome]
    changed = safety.changed_flags(questionnaire, drafts.safety_records(screening),
                                   screening.answers)
    return render_template(
        "patient/result.html", questionnaire=questionnaire, screening=screening,
        assessment=assessment, scores=scores, version=questionnaire.version, outcome=outcome,
        reasons=patient_reasons(questionnaire, assessment),
        crisis_first=outcome.show_crisis_resources or bool(changed),
    )


def patient_reasons(questionnaire, assessment: rules.Assessment) -> list[str]:
    """The reasons the patient reads. On a result that shows the crisis resources, only the
    reasons of rules with that outcome, and notes: a lower outcome's reason ("your scores are in
    the lower ranges") would read as reassurance there. Staff see every matched rule."""
    outcome = questionnaire.outcomes_by_id[assessment.outcome]
    if not outcome.show_crisis_resources:
        return [rule.reason for rule in assessment.rules]
    return [rule.reason for rule in assessment.rules
            if rule.outcome is None or rule.outcome == assessment.outcome]


def send():
    """The contact form; a valid one with consent sends the screening to the clinic, once."""
    screening = load_draft()
    if screening.status != "completed":
        return redirect(url_for("wizard.result"))
    form = forms.ContactForm(request.form if request.method == "POST" else None,
                             texts=current_questionnaire().texts)
    if request.method == "POST":
        if form.validate():
            alerts = bool(current_app.config.get("URGENT_NOTIFY_TO"))
            if drafts.submit(screening, form.contact_details(), request.remote_addr,
                             alert_if_urgent=alerts):
                _wake_alert_sender()
                return redirect(url_for("wizard.sent"))
            return write_refused()
        return render_template("patient/send.html", form=form), 422
    return render_template("patient/send.html", form=form)


def _wake_alert_sender() -> None:
    """Let this process's alert sender look at the outbox now rather than at its next poll."""
    sender = current_app.extensions.get("urgent_alert_sender")
    if sender is not None:
        sender.wake()


def sent():
    """Confirmation: what happens next, and the crisis resources."""
    screening = load_draft(editable=False)
    questionnaire, journey = journey_for(screening)
    if screening.status != "submitted":
        return redirect(resume_url(screening, journey))
    return render_template("patient/sent.html", questionnaire=questionnaire, screening=screening,
                           urgent=drafts.is_urgent(screening))
