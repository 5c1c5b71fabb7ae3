"""Wizard drafts, the database half: a Screening row found through the hash of a random token.

The browser holds only the token (in the signed session cookie: ``patient.session``); the row
stores only its hash, and the answers live in the database, so several workers can serve one
patient and a restarted server loses nothing. Nothing here reads the request or the cookie: the
wizard passes the token and how long an unsent draft is kept (``ttl``).

Reads take no lock and writes are optimistic: every UPDATE matches only the row version it read
(``updated_at``) and never a screening that was sent (``status != 'submitted'``). A save that
finds the row changed since its read (a second tab, a double click) reads it again and re-applies
its step to the new answers, so neither save loses the other's answers; a screening sent to the
clinic can never change again, and sending twice at once makes exactly one submission. Nothing
holds SQLite's write lock, or a PostgreSQL row lock, while a request validates and renders.

A step's plain save is one guarded statement committed on its own connection. The writes that
must land together (a new draft and its version row, a save with its safety answers, a send with
its audit event and receipt: ``sending``) begin a write in the request's session and return: the
wizard (``patient.session.ended``) commits them, or rolls back a refused one, at the edge. Every
function that stamps a time takes a ``clock`` (``utcnow`` unless a test passes its own).

Drafts are read and written with prebuilt SQLAlchemy Core statements into a small ``Draft``
record rather than through ORM entities: a wizard step is the busiest request the app serves, and
loading a full ``Screening`` entity (and diffing it to write) cost about half of a step's time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Sequence

from sqlalchemy import bindparam, delete, insert, select, update

from screener.storage import safety
from screener.storage.database import autocommit_connection, begin_write
from screener.extensions import db
from screener.storage.models import NO_PRIORITY, Screening, hash_token, utcnow
from screener.core.questionnaire import Questionnaire
from screener.core.rules import Assessment
from screener.core.safety import Recorded
from screener.storage.submissions import assessment_columns, cleared_assessment_columns
from screener.storage.versions import ensure_current_version_stored

Clock = Callable[[], datetime]  # the time now (UTC); tests pass a fixed one
SAVE_ATTEMPTS = 5  # concurrent saves of one draft before giving up (two tabs, a double click)
_ORM_ONLY = {"synchronize_session": False}

# A save's answers as a function of the stored ones, so it can be re-applied to what a
# concurrent save of the same draft stored first.
Merge = Callable[[dict[str, Any]], Mapping[str, Any]]


class SaveConflict(Exception):
    """Other saves of the same draft kept winning; nothing was written."""


@dataclass
class Draft:
    """What the wizard knows of the patient's screening row (never the contact details)."""

    id: uuid.UUID
    status: str
    answers: dict[str, Any]
    questionnaire_sha256: str
    expires_at: datetime | None
    updated_at: datetime  # the version read: a write matches only this version
    completed_at: datetime | None = None
    submitted_at: datetime | None = None


_table = Screening.__table__
_c = _table.c
DRAFT_COLUMNS = (_c.id, _c.status, _c.answers, _c.questionnaire_sha256, _c.expires_at,
                  _c.updated_at, _c.completed_at, _c.submitted_at)
# Built once: SQLAlchemy caches a statement's compiled form by the statement object.
_READ = select(*DRAFT_COLUMNS).where(_c.token_hash == bindparam("token_hash"))
_REREAD = select(*DRAFT_COLUMNS).where(_c.id == bindparam("draft_id"))
_NOT_SENT = (_c.id == bindparam("draft_id"), _c.status != "submitted",
             _c.updated_at == bindparam("seen_updated_at"))
_SAVE = update(_table).where(*_NOT_SENT).values(
    answers=bindparam("new_answers"), current_step=bindparam("new_step"),
    expires_at=bindparam("new_expires_at"), updated_at=bindparam("now"))
# Changed answers re-open a completed screening: its stored assessment no longer applies.
_SAVE_REOPENING = _SAVE.values(status="draft", completed_at=None, **cleared_assessment_columns())


_MOVE = update(_table).where(*_NOT_SENT).values(
    answers=bindparam("new_answers"), questionnaire_id=bindparam("new_questionnaire_id"),
    questionnaire_version=bindparam("new_version"), questionnaire_sha256=bindparam("new_sha"),
    status="draft", completed_at=None, updated_at=bindparam("now"),
    **cleared_assessment_columns())


def is_expired(screening: Draft | Screening, now: datetime | None = None) -> bool:
    """An unsent screening past its ``expires_at`` counts as gone (purge deletes it later)."""
    if screening.status == "submitted" or screening.expires_at is None:
        return False
    return screening.expires_at <= (now or utcnow())


def find(token: Any, clock: Clock = utcnow) -> Draft | None:
    """The screening of a draft token, unless there is none or it has expired (read without a
    lock)."""
    if not isinstance(token, str) or not token:
        return None
    row = autocommit_connection().execute(_READ, {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    draft = Draft(*row)
    return None if is_expired(draft, clock()) else draft


def _reread(draft: Draft) -> Draft | None:
    row = autocommit_connection().execute(_REREAD, {"draft_id": draft.id}).first()
    return None if row is None else Draft(*row)


def create(questionnaire: Questionnaire, token: str, ttl: timedelta, source: str,
           clock: Clock = utcnow) -> Draft:
    """A new empty draft under the questionnaire in force (loaded from the text ``source``),
    found by ``token``."""
    begin_write()  # the version row and the draft commit together
    now = clock()
    draft = Draft(id=uuid.uuid4(), status="draft", answers={},
                  questionnaire_sha256=ensure_current_version_stored(
                      db.session, questionnaire, source),
                  expires_at=now + ttl, updated_at=now)
    db.session.execute(insert(_table).values(
        id=draft.id, token_hash=hash_token(token), questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_sha256=draft.questionnaire_sha256, status=draft.status,
        answers=draft.answers, expires_at=draft.expires_at, created_at=now, updated_at=now))
    return draft  # the caller commits (the version row and the draft together)


def move_to_current(draft: Draft, questionnaire: Questionnaire,
                    answers: Mapping[str, Any], source: str, clock: Clock = utcnow) -> bool:
    """Put an unsent draft answered under an older questionnaire under the current one
    (``questionnaire``, loaded from the text ``source``), with
    ``answers`` (those the current one still asks); a completed one is re-opened, since its
    result was worked out under the old rules. Its safety records stay as they are. False when
    it was sent or changed meanwhile (nothing written). The caller commits, or rolls back on
    False."""
    begin_write()  # the version row and the move commit together
    now = clock()
    sha = ensure_current_version_stored(db.session, questionnaire, source)
    params = {"draft_id": draft.id, "seen_updated_at": draft.updated_at,
              "new_answers": dict(answers), "new_questionnaire_id": questionnaire.id,
              "new_version": questionnaire.version, "new_sha": sha, "now": now}
    if db.session.execute(_MOVE, params).rowcount != 1:
        return False
    _become(draft, replace(draft, answers=dict(answers), questionnaire_sha256=sha,
                           status="draft", completed_at=None, updated_at=now))
    return True


def save(draft: Draft, merge: Merge, step_id: str, ttl: timedelta,
         record: Sequence[tuple[str, Any]] = (), clock: Clock = utcnow) -> bool:
    """Store ``merge(stored answers)``; False when the screening was sent or deleted meanwhile.

    When another save of this draft comes first, the row is read again and ``merge`` applied to
    what that save stored, so neither loses its answers. Changed answers re-open a completed
    screening: its stored assessment no longer applies. After a save ``draft`` is what was stored.

    ``record``: safety answers this save writes, as (question id, value) pairs
    (``core.safety.to_record``); they are kept in ``safety_answers`` in the same transaction as
    the answers, where no later save can change them.
    """
    seen = draft
    for _ in range(SAVE_ATTEMPTS):
        answers = dict(merge(seen.answers))
        reopening = seen.status == "completed" and answers != seen.answers
        now = clock()
        saved = replace(seen, answers=answers, expires_at=now + ttl, updated_at=now)
        if reopening:
            saved = replace(saved, status="draft", completed_at=None)
        params = {"draft_id": seen.id, "seen_updated_at": seen.updated_at,
                  "new_answers": answers, "new_step": step_id,
                  "new_expires_at": saved.expires_at, "now": now}
        statement = _SAVE_REOPENING if reopening else _SAVE
        if (_write_recording(statement, params, record) if record
                else _write(statement, params)):
            _become(draft, saved)
            return True
        seen = _reread(seen)
        if seen is None or seen.status == "submitted":
            return False
    raise SaveConflict(f"{SAVE_ATTEMPTS} concurrent saves of one draft")


def record(draft: Draft, pairs: Sequence[tuple[str, Any]], clock: Clock = utcnow) -> bool:
    """Record safety answers posted without changing any stored answer (a follow-up posted while
    its parent says "no", a page sent again unchanged); False when the screening was sent or
    deleted meanwhile. Nothing to record is a success that writes nothing. The caller commits,
    or rolls back on False."""
    if not pairs:
        return True
    begin_write()
    found = db.session.execute(select(_c.status).where(_c.id == draft.id)).scalar()
    if found is None or found == "submitted":
        return False
    safety.add(db.session, draft.id, pairs, clock())
    return True


def _become(draft: Draft, stored: Draft) -> None:
    """Make the caller's record what the row now holds (the wizard reads it after a save)."""
    for field in fields(Draft):
        setattr(draft, field.name, getattr(stored, field.name))


def is_urgent(draft: Draft, questionnaire: Questionnaire) -> bool:
    """The screening's stored urgency counts as urgent (1–2 in 1.2.0: an alert email) under
    ``questionnaire`` (the one it was answered under)."""
    priority = autocommit_connection().execute(
        select(_c.priority).where(_c.id == draft.id)).scalar()
    if priority is None or priority == NO_PRIORITY:
        return False
    return questionnaire.is_urgent(priority)


def safety_records(draft: Draft) -> list[Recorded]:
    """The draft's recorded safety answers, oldest first."""
    return safety.records_for(autocommit_connection(), draft.id)


def complete(draft: Draft, questionnaire: Questionnaire, assessment: Assessment,
             ttl: timedelta, extra_flags: tuple[str, ...] = (),
             changed_urgency: int | None = None, clock: Clock = utcnow) -> bool:
    """Store the assessment (and ``extra_flags`` beside its flags, ``changed_urgency`` the
    urgency of a changed safety answer's flag) and mark the screening completed.

    False when the screening was sent, or its answers changed since ``draft`` was read (the
    assessment would not be theirs); nothing is written then.
    """
    now = clock()
    completed_at = draft.completed_at if draft.status == "completed" else now
    values = dict(assessment_columns(questionnaire, assessment, extra_flags, changed_urgency),
                  status="completed",
                  completed_at=completed_at, expires_at=now + ttl, updated_at=now)
    statement = update(_table).where(*_NOT_SENT).values(values)
    if not _write(statement, {"draft_id": draft.id, "seen_updated_at": draft.updated_at}):
        return False
    draft.status, draft.completed_at = "completed", completed_at
    draft.expires_at, draft.updated_at = values["expires_at"], now
    return True


def _write(statement, params: dict[str, Any]) -> bool:
    """Run one guarded UPDATE, committed at once; False when it matched no row (the screening
    was sent, deleted or saved by another request since it was read)."""
    return autocommit_connection().execute(statement, params).rowcount == 1


def _write_recording(statement, params: dict[str, Any],
                     record: Sequence[tuple[str, Any]]) -> bool:
    """``_write`` and the safety answers in one write transaction (the rare path: a step that
    saved a safety answer), committed together by the caller, so an answer is never stored
    without its record. False when the UPDATE matched no row: nothing was written (a retry's
    ``begin_write`` ends the empty transaction)."""
    begin_write()
    if db.session.execute(statement, params).rowcount != 1:
        return False
    safety.add(db.session, params["draft_id"], record, params["now"])
    return True


def delete_unsent(token: str) -> bool:
    """Delete the unsent screening of ``token``; True when there was one. A submitted screening
    stays with the clinic."""
    result = db.session.execute(
        delete(Screening).where(Screening.token_hash == hash_token(token),
                                Screening.status != "submitted"),
        execution_options=_ORM_ONLY,
    )
    return result.rowcount > 0  # the caller commits
