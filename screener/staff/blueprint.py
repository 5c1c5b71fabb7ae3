"""The staff blueprint, its sub-blueprints, and what every staff page's templates use.

Routes are registered on ``bp`` by views (login), queue_page, detail and bulk (staff/views.py
imports them all), so endpoint names stay ``staff.<view>``.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g
from flask_login import current_user

from screener.extensions import db
from screener.staff import admin, dashboard, mfa, password
from screener.storage import outbox
from screener.storage.models import NO_PRIORITY
from screener.storage.queue import urgent_waiting, waiting_for
from screener.storage.staffwork import open_assigned_count
from screener.web.questionnaires import current_questionnaire

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
