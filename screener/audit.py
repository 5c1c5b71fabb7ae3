"""The one place that records who did what to which screening. Never answers or contact details."""

from __future__ import annotations

import uuid
from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from .extensions import db
from .models import AuditEvent

# Keys allowed in an event's detail: ids, counts, statuses, filter names. Nothing a patient typed.
SAFE_DETAIL_KEYS = {
    "from", "to", "rows", "format", "identified", "filters", "assignee_id", "role", "reason",
    "drafts", "closed", "count", "user_id", "email", "active", "note_id", "dry_run",
}


def record(
    action: str,
    screening_id: uuid.UUID | None = None,
    actor=None,
    commit: bool = False,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session (and commit it when ``commit``)."""
    unknown = set(detail) - SAFE_DETAIL_KEYS
    if unknown:
        raise ValueError(f"audit detail keys not allowed: {sorted(unknown)}")
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        action=action,
        screening_id=screening_id,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) if actor is not None else None,
        detail=detail,
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    if commit:
        db.session.commit()
    return event
