"""Admin-only staff pages: the audit log and the list of accounts (both read-only).

Accounts are changed with ``flask users ...``; audit events are never changed at all.
"""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, render_template, request
from sqlalchemy import select

from screener.storage import audit
from screener.web.auth import permission_required
from screener.extensions import db
from screener.storage.models import StaffUser, utcnow
from screener.storage.filters import FilterError, Period

bp = Blueprint("admin", __name__)
AUDIT_PAGE_SIZE = 100
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
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    body = render_template(
        "staff/audit.html", events=events, error=error, args=args,
        actions=audit.known_actions(),
        next_before=events[-1].id if more and events else None,
    )
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
    filters["period"] = Period.from_args(args)
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
    accounts = db.session.scalars(select(StaffUser).order_by(StaffUser.active.desc(),
                                                             StaffUser.name))
    return render_template("staff/users.html", accounts=list(accounts), now=utcnow())
