"""The one place that records who did what to which screening. Never answers or contact details.

Events are only ever added: the app has no route or command that edits or deletes them. Who did
it, and from which address, is always passed in: the web layer gives the logged-in staff member
and the client's address, the command line ``actor_label=CLI_ACTOR``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, select

from screener.extensions import db
from screener.storage.models import AuditEvent

# Keys allowed in an event's detail: ids, counts, statuses, filter names. Nothing a patient typed.
SAFE_DETAIL_KEYS = {
    "from", "to", "rows", "format", "identified", "filters", "assignee_id", "role", "reason",
    "drafts", "closed", "count", "user_id", "email", "active", "note_id", "dry_run",
    "old_role", "chars", "attempts", "attempt_id", "method", "outcome",
    "screening_ids", "part", "parts",
}
IDS_PER_EVENT = 500  # ids of one export per "export_rows" event: each row stays small
CLI_ACTOR = "cli"


def record(
    action: str,
    screening_id: uuid.UUID | None = None,
    actor=None,
    actor_label: str | None = None,
    remote_addr: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session; the caller's unit of work commits it.

    ``actor`` is the staff account that did it (None: nobody logged in, such as a patient or a
    failed login); its email is the label unless ``actor_label`` is given (``"cli"``).
    """
    unknown = set(detail) - SAFE_DETAIL_KEYS
    if unknown:
        raise ValueError(f"audit detail keys not allowed: {sorted(unknown)}")
    event = AuditEvent(
        action=action,
        screening_id=screening_id,
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or (getattr(actor, "email", None) if actor is not None else None),
        detail=detail,
        remote_addr=_kept_address(remote_addr, screening_id, actor, actor_label),
    )
    db.session.add(event)
    return event


def record_screening_ids(action: str, chunks: Iterable[Sequence], parts: int, actor=None,
                         actor_label: str | None = None, remote_addr: str | None = None) -> int:
    """Record which submissions a view or export showed (their ids only, never their data), one
    event per chunk of at most ``IDS_PER_EVENT`` ids (``part`` of ``parts``, the expected count),
    added to the caller's unit of work: an export's are committed before its first byte is sent.
    Each event is flushed as it is made, so a million ids never sit in memory at once. Returns the
    events written."""
    written = 0
    for written, chunk in enumerate(chunks, start=1):
        record(action, actor=actor, actor_label=actor_label, remote_addr=remote_addr,
               screening_ids=[str(screening_id) for screening_id in chunk], part=written,
               parts=max(parts, written))
        db.session.flush()
    if not written:  # an empty export still says it exported nothing
        record(action, actor=actor, actor_label=actor_label, remote_addr=remote_addr,
               screening_ids=[], part=1, parts=1)
        written = 1
    return written


def _kept_address(remote_addr, screening_id, actor, actor_label) -> str | None:
    """The address an event keeps. A patient's own event about their screening (no staff
    actor) keeps none: the trail outlives the screening and rows are never edited, so an
    address written now could not be removed at purge. The cut keeps a caller's odd value from
    failing the write (addresses are parsed at the edge, web/proxy.py; 45 = longest IPv6)."""
    if screening_id is not None and actor is None and actor_label is None:
        return None
    return remote_addr[:45] if remote_addr else None


def events_for(screening_id: uuid.UUID, exclude: tuple[str, ...] = ()) -> list[AuditEvent]:
    """A screening's events, oldest first (its history)."""
    query = select(AuditEvent).where(AuditEvent.screening_id == screening_id)
    if exclude:
        query = query.where(AuditEvent.action.not_in(exclude))
    return list(db.session.scalars(query.order_by(AuditEvent.at, AuditEvent.id)))


def known_actions() -> list[str]:
    """Every action recorded so far, for the audit log's filter."""
    query = select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    return list(db.session.scalars(query))


def build_log_query(filters: dict[str, Any]) -> Select:
    """Events matching ``filters`` (action, actor, screening_id, a ``Period``, before: an event
    id), newest first."""
    query = select(AuditEvent)
    if filters.get("action"):
        query = query.where(AuditEvent.action == filters["action"])
    if filters.get("actor"):
        query = query.where(AuditEvent.actor_label == filters["actor"])
    if filters.get("screening_id"):
        query = query.where(AuditEvent.screening_id == filters["screening_id"])
    if filters.get("period"):
        query = query.where(*filters["period"].conditions(AuditEvent.at))
    if filters.get("before"):
        query = query.where(AuditEvent.id < filters["before"])
    return query.order_by(AuditEvent.id.desc())
