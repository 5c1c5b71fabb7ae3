"""The submission queue (urgent first; filters and page cursors in the query string) and its
refresh poll."""

from __future__ import annotations

import time

from flask import current_app, jsonify, render_template, request
from flask_login import current_user

from screener.extensions import db
from screener.staff import review
from screener.staff.blueprint import bp
from screener.staff.navigation import opened_at, queue_view, without_place
from screener.storage import audit
from screener.storage.filters import FilterError, ScreeningFilters
from screener.storage.models import REVIEW_STATUSES
from screener.storage.queue import (DEFAULT_FILTERS, PAGE_SIZE, QUEUE_STATUS, QueuePage,
                                    fetch_page, key_scores, poll_summary, searched_queue_query,
                                    status_counts)
from screener.storage.staffwork import attempt_summaries
from screener.web import transactions
from screener.web.auth import permission_required, request_actor
from screener.web.clock import clinic_zone
from screener.web.filter_args import screening_filters
from screener.web.questionnaires import current_questionnaire


@bp.get("/")
@permission_required("review")
def queue():
    """The submission queue, urgent first; filters and page cursors in the query string."""
    body, error = render_queue(request.args,
                                queue_view(request.query_string.decode("utf-8", "replace")))
    return body, 400 if error else 200


def render_queue(args, view: str, bulk_form: dict | None = None) -> tuple[str, str | None]:
    """The queue page for ``args`` (a view's query arguments), audited after rendering;
    ``bulk_form``: the bulk form as it was sent (ticks, action, note), shown again."""
    questionnaire = current_questionnaire()
    error, filters, page = None, DEFAULT_FILTERS, QueuePage([], None, None)
    try:
        filters = screening_filters(args, questionnaire, user_id=current_user.id,
                                    default_status=QUEUE_STATUS, zone=clinic_zone())
        page = fetch_page(db.session, searched_queue_query(db.session, filters),
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
        filters = screening_filters(request.args, questionnaire, user_id=current_user.id,
                                    default_status=QUEUE_STATUS, zone=clinic_zone())
        summary = poll_summary(db.session, searched_queue_query(db.session, filters),
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
