"""Wizard views after the last step: review, result, send to the clinic, confirmation."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from screener.web.languages import gettext, lazy_gettext as _l
from screener.storage import drafts, sending
from screener.patient import session
from screener.patient import forms
from screener.core import presentation, rules, safety
from screener.patient.flow import (journey_for, keep_pending, load_draft, resume_url,
                                   take_pending, write_refused)
from screener.web.languages import page_language
from screener.web.questionnaires import current_questionnaire

CHECK_FIRST = _l("Please check your answers, then press 'See my result'.")
SENT_ONCE = _l("For your privacy, the confirmation of a sent screening is kept only for a while "
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
        flash(gettext("Some answers are missing or need checking. Please answer this page."),
              "error")
        first = journey.first_open or journey.steps[0]
        return redirect(url_for("wizard.step", step_id=first.id))
    # Stored in English whatever the page's language: staff read the reasons (same outcome).
    questionnaire = questionnaire.localized("en")
    assessment = rules.evaluate(questionnaire, screening.answers)
    urgency = safety.changed_urgency(questionnaire, drafts.safety_records(screening),
                                     screening.answers)
    changed = () if urgency is None else (questionnaire.safety_answers.changed_flag,)
    if not session.complete(screening, questionnaire, assessment, changed, urgency):
        return write_refused()
    return redirect(url_for("wizard.result"))


def result():
    """The outcome, its reasons, the scores and the consultation recommendation."""
    screening = load_draft(editable=False)
    questionnaire, journey = journey_for(screening)
    if screening.status == "draft":
        if journey.finished:
            flash(str(CHECK_FIRST), "info")
        return redirect(resume_url(screening, journey))
    context = _result_context(screening, questionnaire)
    return render_template("patient/result.html", **_next_step(context["shown"].offer_booking),
                           **context)


def _result_context(screening, questionnaire) -> dict:
    """What the result page (and the printable copy on the sent page) shows: what the patient
    reads is ``core.presentation``'s (no reassurance for anyone at risk), worked out once."""
    assessment = rules.evaluate(questionnaire, screening.answers)
    shown = _presented(screening, questionnaire, assessment)
    scores = [(s, assessment.scores[s.id]) for s in questionnaire.scores
              if s.id in assessment.scores]
    return dict(questionnaire=questionnaire, screening=screening, assessment=assessment,
                scores=scores, version=questionnaire.version, shown=shown,
                outcome=shown.outcome, reasons=shown.reasons, crisis_first=shown.crisis_first)


def _presented(screening, questionnaire, assessment: rules.Assessment):
    """The patient's view of the assessment, with any taken-back safety answer's urgency."""
    urgency = safety.changed_urgency(questionnaire, drafts.safety_records(screening),
                                     screening.answers)
    return presentation.patient_result(questionnaire, assessment, urgency)


def offers_sending(screening) -> bool:
    """Whether the screening's result offers sending (never for a minor: staff never receive a
    minor's answers; it is data: ``offer_send``, ``blocks_sending``)."""
    questionnaire, _ = journey_for(screening)
    assessment = rules.evaluate(questionnaire, screening.answers)
    return _presented(screening, questionnaire, assessment).can_send


def send():
    """The contact form; a valid one with consent sends the screening to the clinic, once.

    A form with errors redirects to itself (what was typed waits on the draft, not in the URL).
    Once sent, the screening leaves this device: the session forgets it, and only the
    confirmation page that follows may show it, once. Sent again from the same form (the first
    answer lost with a dropped connection, or a double click), it leads to that confirmation.
    """
    if request.method == "POST" and session.claim_receipt(request.form.get("send_key")):
        return redirect(url_for("wizard.sent"))
    screening = load_draft()
    if screening.status != "completed":
        return redirect(url_for("wizard.result"))
    if not offers_sending(screening):
        return redirect(url_for("wizard.result"))  # nothing is stored, nothing is kept
    texts = current_questionnaire().localized(page_language()).texts
    if request.method == "GET":
        kept = take_pending(screening, "send")
        form = forms.ContactForm(kept["formdata"] if kept else None, texts=texts)
        if kept:
            form.validate()
        return render_template("patient/send.html", form=form)
    form = forms.ContactForm(request.form, texts=texts)
    if not form.validate():
        keep_pending(screening, "send", form)
        return redirect(url_for("wizard.send"))
    # Urgent means the urgency of the questionnaire in force; no alert without a recipient.
    alert_up_to = (current_questionnaire().urgent_up_to
                   if current_app.config.get("URGENT_NOTIFY_TO") else None)
    receipt_token = session.receipt_token(form.send_key.data)
    device = sending.Device(token=session.token() or "", receipt_token=receipt_token,
                            crisis_first=_crisis_first(screening), ttl=session.ttl())
    if not session.ended(sending.submit(screening, form.contact_details(), request.remote_addr,
                                        alert_up_to=alert_up_to, device=device)):
        return write_refused()
    _wake_alert_sender()
    session.hold_receipt(receipt_token)
    return redirect(url_for("wizard.sent"))


def _crisis_first(screening) -> bool:
    """Whether the sent page leads with the crisis resources: a suicide-risk flag, or an urgent
    submission (kept on the receipt, the only thing the device keeps)."""
    questionnaire, _ = journey_for(screening)
    shown = _presented(screening, questionnaire, rules.evaluate(questionnaire, screening.answers))
    return bool(shown.crisis_first) or drafts.is_urgent(screening, questionnaire)


def _wake_alert_sender() -> None:
    """Let this process's alert sender look at the outbox now rather than at its next poll."""
    sender = current_app.extensions.get("urgent_alert_sender")
    if sender is not None:
        sender.wake()


def sent():
    """Confirmation. Just after sending: what happens next, the crisis resources (first, when
    the receipt says so) and a printable copy of the result, shown once (server state). After
    that, Back, a bookmark or a reload show only "Your answers were sent on … Reference …"."""
    receipt = session.receipt()
    if receipt is None:
        flash(str(SENT_ONCE), "info")
        return redirect(url_for("wizard.landing"))
    reference = session.take_printable()
    screening = sending.find_sent(reference) if reference else None
    if screening is None:
        # The receipt does not say which result was shown, so no booking link: only the result
        # the patient sees decides it (DECISIONS, "What the data decides").
        return render_template("patient/sent.html", receipt=receipt, urgent=receipt.crisis_first,
                               printable=False, **_next_step(False))
    questionnaire, _ = journey_for(screening)
    context = _result_context(screening, questionnaire)
    offer = context["shown"].offer_booking and not receipt.crisis_first
    return render_template("patient/sent.html", receipt=receipt, urgent=receipt.crisis_first,
                           printable=True, **_next_step(offer), **context)


def already_sent():
    """A cookie from before the send: that the answers were sent, and nothing else (no
    reference, nothing that tells a risk level). The browser that sent them (a double click's
    other request lands here) holds the receipt: it goes to the confirmation."""
    if session.receipt() is not None:
        return redirect(url_for("wizard.sent"))
    return render_template("patient/already_sent.html")


def _next_step(offer: bool) -> dict:
    """The booking link (BOOKING_URL) or the clinic's phone (CLINIC_PHONE) when the result shown
    offers booking (``offer_booking``, never on a crisis result); neither otherwise."""
    if not offer:
        return {"booking_url": None, "clinic_phone": None}
    return {"booking_url": current_app.config.get("BOOKING_URL") or None,
            "clinic_phone": current_app.config.get("CLINIC_PHONE") or None}
