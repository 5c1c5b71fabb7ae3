"""Staff blueprint: login/logout, the queue, a submission's detail, status, assignment, notes."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from urllib.parse import parse_qsl

from flask import (Blueprint, current_app, flash, g, jsonify, redirect, render_template,
                   request, url_for)
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from screener.core import languages, safety
from screener.storage import audit, kept_notes, outbox, safety as safety_store
from screener.staff import admin, dashboard, kept, mfa, password, review
from screener.staff.navigation import next_in_view, opened_at, queue_view, without_place
from screener.web.auth import (LoginBlocked, authenticate, begin_second_factor, end_session,
                               finish_login, permission_required, request_actor,
                               second_factor_required)
from screener.web import transactions
from screener.web.errors import abort_with
from screener.web.lookups import sent_submission_or_404
from screener.extensions import db, limiter
from screener.storage.models import NO_PRIORITY, REVIEW_STATUSES, StaffUser
from screener.storage.filters import FilterError, ScreeningFilters
from screener.storage.queue import (DEFAULT_FILTERS, PAGE_SIZE, QUEUE_STATUS, QueuePage,
                                    build_queue_query, fetch_page, key_scores, poll_summary,
                                    status_counts, urgent_waiting, waiting_for)
from screener.storage.staffwork import attempt_summaries, open_assigned_count
from screener.staff.forms import AttemptForm, LoginForm, NoteForm, safe_next
from screener.web.questionnaires import current_questionnaire, questionnaire_for
from screener.web.clock import clinic_zone

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.register_blueprint(admin.bp)
bp.register_blueprint(dashboard.bp)
bp.register_blueprint(mfa.bp)
bp.register_blueprint(password.bp)
# Shape cues so an outcome never relies on colour alone, by the outcome's rank (most serious first).
OUTCOME_ICONS = ("‼", "⚠", "ℹ", "✓")


@bp.app_template_filter("words")
def words(value: str | None) -> str:
    """An id in words: 'in_review' → 'In review'."""
    return (value or "").replace("_", " ").capitalize()


@bp.app_template_filter("outcome_icon")
def outcome_icon(outcome: str | None) -> str:
    """A shape for an outcome, by its rank, so the badge does not rely on colour alone."""
    questionnaire = current_questionnaire()
    if outcome not in questionnaire.outcomes_by_id:
        return "•"
    return OUTCOME_ICONS[min(questionnaire.outcome_rank(outcome), len(OUTCOME_ICONS) - 1)]


@bp.app_template_filter("waiting")
def waiting(since: datetime | None, now: datetime | None = None) -> str:
    """How long a submission has waited: 'waiting 25 min', 'waiting 3 h', 'waiting 2 d 4 h'."""
    return waiting_for(since, now) if since is not None else ""


@bp.app_template_test("open_flagged")
def open_flagged(screening) -> bool:
    """Flagged and still open: sorted above unflagged rows, with how long it has waited."""
    return screening.priority < NO_PRIORITY


@bp.app_template_test("open_urgent")
def open_urgent(screening) -> bool:
    """Open with an urgency of 1–2 (``urgent_up_to``): marked urgent. Urgency 3 (low suicide
    risk, a recent admission) sorts above unflagged rows but is not urgent."""
    return current_questionnaire().is_urgent(screening.priority)


@bp.context_processor
def staff_alerts():
    """On every staff page: the urgent submissions nobody has contacted yet, and for admins the
    urgent alert emails that could not be delivered. Counted once per page, when shown."""

    def alerts() -> dict:
        if "staff_alerts" not in g:
            failed = outbox.failed_count() if current_user.can("administer") else 0
            up_to = current_questionnaire().urgent_up_to
            g.staff_alerts = {"urgent": urgent_waiting(db.session, up_to),
                              "failed_alerts": failed}
        return g.staff_alerts

    return {"staff_alerts": alerts, "no_priority": NO_PRIORITY}


def mine_count() -> int:
    """How many open submissions are assigned to the logged-in staff member."""
    if not current_user.is_authenticated:
        return 0
    return open_assigned_count(db.session, current_user.id)


@bp.app_context_processor
def mine():
    """``mine_count()`` for the staff header on every staff page (a function: pages that do not
    call it run no query)."""
    return {"mine_count": mine_count}


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    """Only failed attempts count: a clinic's staff share one IP every morning.

    The limit is per address only: a per-account limit would let anyone who knows a staff email
    refuse its owner from everywhere (web/throttle.py throttles per account *and* address)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except LoginBlocked as blocked:
            flash(blocked.block.message, "error")
            return render_template("staff/login.html", form=form), 429
        if user is not None:
            target = safe_next(request.args.get("next"))
            if not second_factor_required():
                return redirect(finish_login(user, "password", target) or url_for("staff.queue"))
            begin_second_factor(user, target)
            transactions.commit()  # a password rehash, if any
            step = ("challenge" if user.has_second_factor else
                    "new_password" if user.must_change_password else "setup")
            return redirect(url_for(f"staff.mfa.{step}"))
        flash("Email or password is incorrect.", "error")
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
def logout():
    """End the staff session on the server and in the browser."""
    if current_user.is_authenticated:
        audit.record("logout", **request_actor())
    end_session()
    flash("You have been logged out.", "info")
    return redirect(url_for("staff.login"))


@bp.get("/")
@permission_required("review")
def queue():
    """The submission queue, urgent first; filters and page cursors in the query string."""
    body, error = _render_queue(request.args,
                                queue_view(request.query_string.decode("utf-8", "replace")))
    return body, 400 if error else 200


def _render_queue(args, view: str, bulk_form: dict | None = None) -> tuple[str, str | None]:
    """The queue page for ``args`` (a view's query arguments), audited after rendering;
    ``bulk_form``: the bulk form as it was sent (ticks, action, note), shown again."""
    questionnaire = current_questionnaire()
    error, filters, page = None, DEFAULT_FILTERS, QueuePage([], None, None)
    try:
        filters = ScreeningFilters.from_args(args, questionnaire, user_id=current_user.id,
                                             default_status=QUEUE_STATUS, zone=clinic_zone())
        page = fetch_page(db.session, build_queue_query(filters),
                          after=args.get("after", ""), before=args.get("before", ""),
                          size=current_app.config.get("STAFF_PAGE_SIZE", PAGE_SIZE))
    except FilterError as problem:
        error = str(problem)
    score_ids = current_app.config.get("STAFF_QUEUE_SCORES")
    body = render_template(
        "staff/queue.html", filters=filters,
        filter_args=filters.to_args(default_status=QUEUE_STATUS),
        page=page, error=error,
        counts=status_counts(db.session), scores=key_scores(questionnaire, score_ids),
        attempts=attempt_summaries(db.session, [s.id for s in page.rows]),
        staff=review.assignable_staff() if page.rows else [], statuses=REVIEW_STATUSES,
        view=without_place(view), opened_at=opened_at, seen=int(time.time()),
        bulk_form=bulk_form or {},
    )
    # After rendering: committing first would expire the page's rows and make the template
    # load each of them again (one query per row). A write of its own: a GET's read
    # transaction is never upgraded (web/transactions.py).
    transactions.write_apart(lambda: _audit_queue_view(filters, page.rows, error, args))
    return body, error


@bp.post("/still-here")
@permission_required("review")
def still_here():
    """The idle warning's "Stay logged in": a request like any other, so the login's idle
    clock starts again (web/auth.py); nothing else happens."""
    return "", 204


@bp.get("/queue.json")
def queue_poll():
    """The queue page's refresh poll: the urgent count, status counts and the first page's ids.

    Counts and ids only, not audited (it shows no patient), and it does not touch the login
    (web/auth.py skips this endpoint), so an unattended queue still times out. No redirect to
    the login page: the script stops on a 401."""
    if not current_user.is_authenticated or not current_user.can("review"):
        return jsonify(error="login"), 401
    questionnaire = current_questionnaire()
    try:
        filters = ScreeningFilters.from_args(request.args, questionnaire, user_id=current_user.id,
                                             default_status=QUEUE_STATUS, zone=clinic_zone())
        summary = poll_summary(db.session, build_queue_query(filters),
                               current_app.config.get("STAFF_PAGE_SIZE", PAGE_SIZE),
                               questionnaire.urgent_up_to)
    except FilterError:
        return jsonify(error="filters"), 400
    summary["counts"] = status_counts(db.session)
    return jsonify(summary), 200, {"Cache-Control": "no-store"}


def _audit_queue_view(filters: ScreeningFilters, rows: list, error: str | None,
                      args) -> None:
    """Who looked at which slice of the queue and how many rows it showed: ids and dates only,
    as exports describe their filters (whether a search was used, never its text, which may be
    a patient's name), and no answers."""
    described = filters.describe()
    if args.get("after") or args.get("before"):
        described["page"] = "later" if args.get("after") else "earlier"
    if error:
        described["invalid"] = True
    # The ids of the rows shown (names are on the page): who saw which patient (issue 23).
    audit.record("queue_viewed", **request_actor(), filters=described, count=len(rows),
                 screening_ids=[str(row.id) for row in rows])


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
        flag_urgency=review.flag_urgencies(questionnaire, screening.flags, changed),
        patient_saw=review.patient_saw(questionnaire, answers, changed),
        assessment=screening.assessment or {}, groups=review.answer_groups(screening),
        **languages.staff_context(questionnaire, screening),
        next_statuses=review.next_statuses(screening.review_status), staff=staff,
        history=review.history(screening, events, names), note_form=note_form,
        note_max=review.NOTE_MAX_CHARS, attempt_form=attempt_form,
        suggest_contacted=review.suggests_contacted(screening),
        duplicates=review.possible_duplicates(screening), view=view,
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
    assignee = None
    if choice == "me":
        assignee = db.session.get(StaffUser, current_user.id)
    elif choice:
        valid_id = choice.isascii() and choice.isdigit() and len(choice) < 10  # not "²"
        assignee = db.session.get(StaffUser, int(choice)) if valid_id else None
        if assignee is None or not assignee.active:
            abort_with(400, "That staff member does not exist or is no longer active.")
    review.assign(screening, assignee)
    flash(f"Assigned to {assignee.name}." if assignee else "Unassigned.", "success")
    return _back(screening_id)


@bp.post("/submissions/<uuid:screening_id>/notes")
@kept.keeps_typed_text("note")
@permission_required("review")
def add_note(screening_id: uuid.UUID):
    """Append a note; an empty or too long note comes back as a form error."""
    screening = sent_submission_or_404(screening_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_detail(screening, form, AttemptForm(formdata=None), status=422)
    review.add_note(screening, form.body.data.strip(), current_user._get_current_object())
    flash("Note added.", "success")
    return _back(screening_id)


@bp.post("/submissions/<uuid:screening_id>/attempts")
@kept.keeps_typed_text("attempt")
@permission_required("review")
def add_attempt(screening_id: uuid.UUID):
    """Record a contact attempt; after reaching the patient, suggest marking it contacted."""
    screening = sent_submission_or_404(screening_id)
    form = AttemptForm()
    if not form.validate_on_submit():
        return _render_detail(screening, NoteForm(formdata=None), form, status=422)
    review.record_attempt(screening, form.method.data, form.outcome.data,
                          (form.note.data or "").strip(), current_user._get_current_object())
    if review.suggests_contacted(screening):
        flash("Contact attempt recorded: you reached the patient. Mark the submission as "
              "contacted below when you are done.", "success")
    else:
        flash("Contact attempt recorded.", "success")
    return _back(screening_id)


@bp.post("/bulk")
@permission_required("review")
def bulk():
    """Assign, change the status of, or add a note to the selected submissions: all or none.

    A refused action shows the queue again with the ticks and the note as they were sent (a
    redirect would lose them), the reason at the top."""
    view = queue_view(request.form.get("view"))
    action = request.form.get("action", "")
    note = request.form.get("note", "")
    assignee = None
    try:
        selection = review.parse_selection(request.form.getlist("selected"))
        if action != "note" and note.strip():
            raise review.BulkError(
                f"The note was not added: \u201c{BULK_ACTION_WORDS.get(action, action)}\u201d "
                "does not add one. Choose \u201cAdd a note\u201d to add it, or clear the note; "
                "nothing was changed.")
        if action == "assign":
            assignee = _bulk_assignee(request.form.get("assignee", "").strip())
        count = review.bulk_apply(
            selection, action, current_user._get_current_object(),
            status=request.form.get("status", ""), assignee=assignee, note=note)
    except review.BulkError as problem:
        transactions.rollback()
        flash(str(problem), "error")
        sent = {"selected": {value.partition(":")[0] for value in
                             request.form.getlist("selected")},
                "action": action, "note": note, "status": request.form.get("status", ""),
                "assignee": request.form.get("assignee", "")}
        body, _ = _render_queue(MultiDict(parse_qsl(view)), view, bulk_form=sent)
        return body, 409
    done = {"assign": f"assigned to {assignee.name}" if assignee else "unassigned",
            "status": f"marked {words(request.form.get('status')).lower()}",
            "note": "given the note"}[action]
    flash(f"{count} submission{'s' if count != 1 else ''} {done}.", "success")
    return redirect(url_for("staff.queue") + (f"?{without_place(view)}" if view else "")
                    + "#flashes", 303)


BULK_ACTION_WORDS = {"assign": "Assign to\u2026", "status": "Change status to\u2026"}


def _bulk_assignee(choice: str) -> StaffUser | None:
    """'me', an active staff member's id, or '' (nobody); BulkError otherwise."""
    if choice == "me":
        return db.session.get(StaffUser, current_user.id)
    if not choice:
        return None
    valid_id = choice.isascii() and choice.isdigit() and len(choice) < 10  # not "²"
    assignee = db.session.get(StaffUser, int(choice)) if valid_id else None
    if assignee is None or not assignee.active:
        raise review.BulkError("That staff member does not exist or is no longer active; "
                               "nothing was changed.")
    return assignee
