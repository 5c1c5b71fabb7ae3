"""Admin-only staff pages: the audit log, the list of accounts (both read-only), login blocks.

Accounts are changed with ``flask users ...``; audit events are never changed at all.
"""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from screener.storage import audit
from screener.web import throttle, transactions
from screener.web.auth import permission_required, request_actor
from screener.extensions import db
from screener.storage.models import StaffUser, utcnow
from screener.storage.filters import FilterError
from screener.web.clock import clinic_zone, utc_now
from screener.web.filter_args import period_from_args

bp = Blueprint("admin", __name__)
AUDIT_PAGE_SIZE = 100
AUDIT_FILTER_ARGS = ("action", "actor", "screening", "from", "to")
_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@bp.get("/audit")
@permission_required("administer")
def audit_log():
    """Audit events, newest first, filtered by action, actor, submission and date."""
    error, events, filters = None, [], {}
    try:
        filters = _audit_filters(request.args)
        query = audit.build_log_query(filters).limit(AUDIT_PAGE_SIZE + 1)
        events = list(db.session.scalars(query))
    except FilterError as problem:
        error = str(problem)
    more = len(events) > AUDIT_PAGE_SIZE
    events = events[:AUDIT_PAGE_SIZE]
    # Only the log's own filters go back into url_for: "endpoint", "_method", "_external",
    # "_scheme" or "_anchor" from the query string would break it or rewrite the links.
    args = {k: v for k, v in request.args.items() if k in AUDIT_FILTER_ARGS and v}
    body = render_template(
        "staff/audit.html", events=events, error=error, args=args,
        actions=audit.known_actions(),
        next_before=events[-1].id if more and events else None,
    )
    # Reading the log is itself logged: which filters (names, not an actor's email), how many
    # rows; a write of its own after rendering (a GET's reads are never upgraded).
    shown = sorted(key for key in args if key != "actor") + (["actor"] if "actor" in args else [])
    transactions.write_apart(lambda: audit.record(
        "audit_log_viewed", screening_id=filters.get("screening_id"), **request_actor(),
        filters=shown, count=len(events)))
    return body, 400 if error else 200


def _audit_filters(args) -> dict:
    """The log's filters from the query string; a bad value raises FilterError."""
    filters: dict = {}
    action = args.get("action", "").strip()
    if action and not _ACTION.match(action):
        raise FilterError("An action is a name like status_changed.")
    filters["action"] = action
    filters["actor"] = args.get("actor", "").strip().lower()[:320]
    screening = args.get("screening", "").strip()
    if screening:
        try:
            filters["screening_id"] = uuid.UUID(screening)
        except ValueError:
            raise FilterError("The submission id is not valid.") from None
    filters["period"] = period_from_args(args, zone=clinic_zone())
    before = args.get("before", "").strip()
    if before:
        if not (before.isascii() and before.isdigit()) or len(before) > 18:  # not "²"
            raise FilterError("That page link is not valid.")
        filters["before"] = int(before)
    return filters


@bp.get("/users")
@permission_required("administer")
def users():
    """Staff accounts (change them with ``flask users ...``)."""
    accounts = list(db.session.scalars(select(StaffUser).order_by(StaffUser.active.desc(),
                                                                  StaffUser.name)))
    body = render_template("staff/users.html", accounts=accounts, now=utcnow())
    transactions.write_apart(lambda: audit.record("users_viewed", **request_actor(),
                                                  count=len(accounts)))
    return body


@bp.get("/blocked-logins")
@permission_required("administer")
def login_blocks():
    """Addresses and (account, address) pairs with recent failed logins; blocked ones first."""
    return render_template("staff/login_blocks.html", rows=throttle.listing(), now=utc_now())


@bp.post("/blocked-logins/<int:row_id>/clear")
@permission_required("administer")
def clear_login_block(row_id: int):
    """Forget one pair's or address's failures (say, a colleague who mistyped at a shared PC)."""
    row = throttle.clear(row_id)
    if row is not None:
        audit.record("login_block_cleared", **request_actor(), email=row.email or None,
                     count=row.failures,
                     reason="account_and_address" if row.email else "address")
        transactions.commit()
        flash("Cleared.", "success")
    return redirect(url_for("staff.admin.login_blocks"))
