"""Staff blueprint: login/logout, the queue, a submission's detail, status, assignment, notes."""

from __future__ import annotations

import uuid

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from screener.storage import audit
from screener.staff import review, admin as staff_admin
from screener.web.auth import ALL_STAFF, LoginBlocked, authenticate, end_session, role_required, start_session
from screener.web.errors import abort_with
from screener.extensions import db, limiter
from screener.storage.models import StaffUser
from screener.storage.filters import FilterError, ScreeningFilters
from screener.storage.queue import (DEFAULT_FILTERS, PAGE_SIZE, QUEUE_STATUS, QueuePage,
                                    build_queue_query, fetch_page, key_scores, status_counts)
from screener.staff.forms import LoginForm, NoteForm, safe_next
from screener.storage.versions import current_questionnaire, questionnaire_for

bp = Blueprint("staff", __name__, url_prefix="/staff")
bp.register_blueprint(staff_admin.bp)
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
            minutes = blocked.block.wait_minutes
            flash(f"Too many attempts from this address. Try again in {minutes} "
                  f"minute{'s' if minutes != 1 else ''}.", "error")
            return render_template("staff/login.html", form=form), 429
        if user is not None:
            start_session(user)
            audit.record("login", actor=user, commit=True)
            return redirect(safe_next(request.args.get("next")) or url_for("staff.queue"))
        flash("Email or password is incorrect.", "error")
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
def logout():
    """End the staff session on the server and in the browser."""
    if current_user.is_authenticated:
        audit.record("logout", actor=current_user, commit=True)
    end_session()
    flash("You have been logged out.", "info")
    return redirect(url_for("staff.login"))


@bp.get("/")
@role_required(*ALL_STAFF)
def queue():
    """The submission queue, urgent first; filters and page cursors in the query string."""
    questionnaire = current_questionnaire()
    error, filters, page = None, DEFAULT_FILTERS, QueuePage([], None, None)
    try:
        filters = ScreeningFilters.from_args(request.args, questionnaire, user_id=current_user.id,
                                             default_status=QUEUE_STATUS)
        page = fetch_page(db.session, build_queue_query(filters),
                          after=request.args.get("after", ""),
                          before=request.args.get("before", ""),
                          size=current_app.config.get("STAFF_PAGE_SIZE", PAGE_SIZE))
    except FilterError as problem:
        error = str(problem)
    _audit_queue_view(filters, len(page.rows), error)
    score_ids = current_app.config.get("STAFF_QUEUE_SCORES")
    body = render_template(
        "staff/queue.html", filters=filters,
        filter_args=filters.to_args(default_status=QUEUE_STATUS),
        page=page, error=error,
        counts=status_counts(db.session), scores=key_scores(questionnaire, score_ids),
    )
    return body, 400 if error else 200


def _audit_queue_view(filters: ScreeningFilters, shown: int, error: str | None) -> None:
    """Who looked at which slice of the queue and how many rows it showed: ids and dates only,
    as exports describe their filters (whether a search was used, never its text, which may be
    a patient's name), and no answers."""
    described = filters.describe()
    if request.args.get("after") or request.args.get("before"):
        described["page"] = "later" if request.args.get("after") else "earlier"
    if error:
        described["invalid"] = True
    audit.record("queue_viewed", commit=True, filters=described, count=shown)


def _submission_or_404(screening_id: uuid.UUID):
    screening = review.get_submission(screening_id)
    if screening is None:
        abort(404)
    return screening


@bp.get("/submissions/<uuid:screening_id>")
@role_required(*ALL_STAFF)
def detail(screening_id: uuid.UUID):
    """One submission: contact, outcome with reasons, scores, answers, workflow, notes."""
    screening = _submission_or_404(screening_id)
    page = _render_detail(screening, NoteForm())
    # After rendering: committing first would expire the loaded screening and user and make
    # the page load them again. The history leaves views out, so the page is the same.
    audit.record("submission_viewed", screening_id=screening.id, commit=True)
    return page


def _render_detail(screening, note_form: NoteForm, status: int = 200):
    events = audit.events_for(screening.id, exclude=review.HISTORY_EXCLUDES)
    staff = review.assignable_staff()
    names = {user.id: user.name for user in staff}
    names.update({n.author_id: n.author.name for n in screening.notes})
    if screening.assignee is not None:
        names[screening.assignee.id] = screening.assignee.name
    body = render_template(
        "staff/detail.html", screening=screening, q=questionnaire_for(screening),
        assessment=screening.assessment or {}, groups=review.answer_groups(screening),
        next_statuses=review.next_statuses(screening.review_status), staff=staff,
        names=names, events=events, note_form=note_form, note_max=review.NOTE_MAX_CHARS,
    )
    return body, status


def _back(screening_id: uuid.UUID, anchor: str | None = None):
    return redirect(url_for("staff.detail", screening_id=screening_id, _anchor=anchor))


@bp.post("/submissions/<uuid:screening_id>/status")
@role_required(*ALL_STAFF)
def change_status(screening_id: uuid.UUID):
    """Move a submission along the workflow (new → in review → contacted → closed, reopen)."""
    screening = _submission_or_404(screening_id)
    new = request.form.get("status", "")
    try:
        review.change_status(screening, new, request.form.get("from") or None)
    except review.WorkflowError as problem:
        abort_with(400, str(problem))
    except review.Conflict as problem:
        flash(str(problem), "error")
        return _back(screening_id, "workflow")
    flash(f"Marked as {words(new).lower()}.", "success")
    return _back(screening_id, "workflow")


@bp.post("/submissions/<uuid:screening_id>/assignee")
@role_required(*ALL_STAFF)
def assign(screening_id: uuid.UUID):
    """Assign a submission to a staff member ('me', a user id, or '' to unassign)."""
    screening = _submission_or_404(screening_id)
    choice = request.form.get("assignee", "").strip()
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
    return _back(screening_id, "workflow")


@bp.post("/submissions/<uuid:screening_id>/notes")
@role_required(*ALL_STAFF)
def add_note(screening_id: uuid.UUID):
    """Append a note; an empty or too long note comes back as a form error."""
    screening = _submission_or_404(screening_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_detail(screening, form, status=422)
    review.add_note(screening, form.body.data.strip(), current_user._get_current_object())
    flash("Note added.", "success")
    return _back(screening_id, "notes")
