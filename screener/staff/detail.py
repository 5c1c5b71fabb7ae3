"""One submission: its page, and the status, assignment, note and contact-attempt forms on it."""

from __future__ import annotations

import uuid
from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from screener.core import languages, safety
from screener.extensions import db
from screener.staff import kept, presenters, review
from screener.staff.blueprint import bp, words
from screener.staff.forms import AttemptForm, NoteForm
from screener.staff.navigation import next_in_view, queue_view, without_place
from screener.storage import audit, kept_notes, safety as safety_store
from screener.storage.models import StaffUser
from screener.web import transactions
from screener.web.auth import permission_required, request_actor
from screener.web.errors import abort_with
from screener.web.lookups import sent_submission_or_404
from screener.web.questionnaires import questionnaire_for


@bp.get("/submissions/<uuid:screening_id>")
@permission_required("review")
def detail(screening_id: uuid.UUID):
    """One submission: urgent panel, contact and actions first, then notes, attempts, answers."""
    screening = sent_submission_or_404(screening_id)
    typed, drop = kept.put_back(screening.id)
    note, attempt = typed.get("note"), typed.get("attempt")
    note_form = NoteForm(formdata=None, body=note.body) if note else NoteForm()
    attempt_form = (AttemptForm(formdata=None, note=attempt.body, method=attempt.method,
                                outcome=attempt.outcome) if attempt else AttemptForm())
    page = _render_detail(screening, note_form, attempt_form)
    # After rendering: committing first would expire the loaded screening and user and make
    # the page load them again. The history leaves views out, so the page is the same.
    screening_id = screening.id

    def record() -> None:
        kept_notes.drop(db.session, drop)  # back in the form now: the page holds them
        audit.record("submission_viewed", screening_id=screening_id, **request_actor())

    transactions.write_apart(record)
    return page


def _render_detail(screening, note_form: NoteForm, attempt_form: AttemptForm,
                   status: int = 200):
    events = audit.events_for(screening.id, exclude=review.HISTORY_EXCLUDES)
    staff = review.assignable_staff()
    names = {user.id: user.name for user in staff}
    names.update(review.staff_names(
        [e.actor_id for e in events] + [e.detail.get("assignee_id") for e in events]))
    view = queue_view(request.values.get("view"))
    questionnaire = questionnaire_for(screening)
    records = safety_store.records_for(db.session, screening.id)
    answers = screening.answers or {}
    changed = safety.changed_urgency(questionnaire, records, answers)
    body = render_template(
        "staff/detail.html", screening=screening, q=questionnaire,
        safety_answers=safety.kept(questionnaire, records, answers),
        flag_urgency=presenters.flag_urgencies(questionnaire, screening.flags, changed),
        patient_saw=presenters.patient_saw(questionnaire, answers, changed),
        assessment=screening.assessment or {}, groups=presenters.answer_groups(screening),
        **languages.staff_context(questionnaire, screening),
        next_statuses=review.next_statuses(screening.review_status), staff=staff,
        history=presenters.history(screening, events, names), note_form=note_form,
        note_max=review.NOTE_MAX_CHARS, attempt_form=attempt_form,
        suggest_contacted=review.suggests_contacted(screening),
        duplicates=presenters.possible_duplicates(screening), view=view,
        back_url=url_for("staff.queue") + (f"?{without_place(view)}" if view else ""),
        next_link=next_in_view(screening, view),
    )
    return body, status


def _back(screening_id: uuid.UUID, anchor: str | None = "flashes"):
    view = queue_view(request.form.get("view"))
    return redirect(url_for("staff.detail", screening_id=screening_id, _anchor=anchor,
                            **({"view": view} if view else {})))


@bp.post("/submissions/<uuid:screening_id>/status")
@permission_required("review")
def change_status(screening_id: uuid.UUID):
    """Move a submission along the workflow (new → in review → contacted → closed, reopen)."""
    screening = sent_submission_or_404(screening_id)
    new = request.form.get("status", "")
    try:
        review.change_status(screening, new, request.form.get("from") or None)
    except review.WorkflowError as problem:
        abort_with(400, str(problem))
    except review.Conflict as problem:
        flash(str(problem), "error")
        return _back(screening_id)
    flash(f"Marked as {words(new).lower()}.", "success")
    return _back(screening_id)


@bp.post("/submissions/<uuid:screening_id>/assignee")
@permission_required("review")
def assign(screening_id: uuid.UUID):
    """Assign a submission: 'me' (the "Assign to me" button), a user id, or '' to unassign.

    "Assign to me" posts its own form; should a page send both a chosen person and 'me', the
    pressed button ('me') wins, never the select that happens to come first.
    """
    screening = sent_submission_or_404(screening_id)
    values = [value.strip() for value in request.form.getlist("assignee")]
    choice = "me" if "me" in values else (values[0] if values else "")
    try:
        assignee = chosen_assignee(choice)
    except LookupError:
        abort_with(400, "That staff member does not exist or is no longer active.")
    review.assign(screening, assignee)
    flash(f"Assigned to {assignee.name}." if assignee else "Unassigned.", "success")
    return _back(screening_id)


def chosen_assignee(choice: str) -> StaffUser | None:
    """'me' (the logged-in account), an active staff member's id, or '' (nobody); LookupError
    for anything else."""
    if choice == "me":
        return db.session.get(StaffUser, current_user.id)
    if not choice:
        return None
    valid_id = choice.isascii() and choice.isdigit() and len(choice) < 10  # not "²"
    assignee = db.session.get(StaffUser, int(choice)) if valid_id else None
    if assignee is None or not assignee.active:
        raise LookupError(choice)
    return assignee


def _posts_typed_text(kind: str):
    """Route the POST of a form on a submission's page that keeps its typed text for after a
    login that timed out (kept.py): the view gets the submission and the valid form; an invalid
    form shows the page again with its errors (422)."""
    form_class = {"note": NoteForm, "attempt": AttemptForm}[kind]

    def decorate(view):
        @bp.post(f"/submissions/<uuid:screening_id>/{kind}s")
        @kept.keeps_typed_text(kind)
        @permission_required("review")
        @wraps(view)
        def posted(screening_id: uuid.UUID):
            screening = sent_submission_or_404(screening_id)
            forms = {"note": NoteForm(formdata=None), "attempt": AttemptForm(formdata=None)}
            forms[kind] = form = form_class()
            if not form.validate_on_submit():
                return _render_detail(screening, forms["note"], forms["attempt"], status=422)
            return view(screening, form)

        return posted

    return decorate


@_posts_typed_text("note")
def add_note(screening, form: NoteForm):
    """Append a note; an empty or too long note comes back as a form error."""
    review.add_note(screening, form.body.data.strip(), current_user._get_current_object())
    flash("Note added.", "success")
    return _back(screening.id)


@_posts_typed_text("attempt")
def add_attempt(screening, form: AttemptForm):
    """Record a contact attempt; after reaching the patient, suggest marking it contacted."""
    review.record_attempt(screening, form.method.data, form.outcome.data,
                          (form.note.data or "").strip(), current_user._get_current_object())
    if review.suggests_contacted(screening):
        flash("Contact attempt recorded: you reached the patient. Mark the submission as "
              "contacted below when you are done.", "success")
    else:
        flash("Contact attempt recorded.", "success")
    return _back(screening.id)
