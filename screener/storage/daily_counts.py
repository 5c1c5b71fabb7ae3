"""The dashboard's numbers: events per clinic day, rolled up into ``daily_counts``.

An event is counted on the clinic day it happened: a screening ``started`` (its row was created),
``completed`` (the patient saw a result), ``sent`` (with its ``outcome``, whether it carried an
``urgent`` flag, and each score's band or value), and a submission's first contact: its first
logged contact attempt or first change of review status to ``contacted``, whichever came first
(minutes since it was sent, urgent or other). Counts are by event, so a
screening started on the last day of a period and sent on the next counts in each period once.

``roll_up(until)`` counts the events between the last roll-up and ``until`` from the rows and adds
them to ``daily_counts``; ``counts(first, last)`` is the stored counts plus the events since the
last roll-up, counted from the rows the same way. ``flask purge`` rolls up before it deletes, so
the counts of purged drafts and submissions stay; the dashboard rolls up to a settled quarter
hour, so a page reads minutes of rows. A draft deleted by "start over" before a roll-up is not
counted as started.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Iterable

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from screener.core.questionnaire import Questionnaire
from screener.storage.database import begin_write
from screener.storage.versions import questionnaire_by_sha256
from screener.storage.models import (AuditEvent, CountsRolledUp, DailyCount,
                                     Screening)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MARK_ID = 1
CONTACTED = "contacted"
CONTACT_ATTEMPT = "contact_attempt"  # the audit action of a logged contact attempt
CONTACTS = ("status_changed", CONTACT_ATTEMPT)  # the audit actions that may be a first contact
CHUNK = 500
ROLL_UP_STEP = timedelta(days=7)  # events counted per roll-up transaction
Key = tuple[date, str, str]  # (day, measure, item)


def urgent_flags(session, sha256: str | None, current: Questionnaire) -> frozenset[str]:
    """The flags that make a submission urgent (urgency 1–2, ``Questionnaire.is_urgent_flag``)
    under the questionnaire text ``sha256`` (None: ``current``, the one in force), so a
    submission counts with the urgencies of its own version. Not the queue's priority: that
    drops once a submission is contacted, and the dashboard counts what it was."""
    questionnaire = (questionnaire_by_sha256(session, sha256, current) if sha256 is not None
                     else current)
    return frozenset(flag.id for flag in questionnaire.flags
                     if questionnaire.is_urgent_flag(flag.id))


class _UrgentFlags(dict):
    """``urgent_flags`` per questionnaire text, each looked up once per count."""

    def __init__(self, session, current: Questionnaire) -> None:
        super().__init__()
        self.session, self.current = session, current

    def __missing__(self, sha256: str) -> frozenset[str]:
        self[sha256] = urgent_flags(self.session, sha256, self.current)
        return self[sha256]


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The clinic day (in ``zone``) an aware moment falls on: every count goes through here."""
    return moment.astimezone(zone).date()


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def day_begins(day: date, zone: tzinfo) -> datetime:
    """The moment (UTC) the clinic day ``day`` starts in ``zone``."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)


def rolled_up_through(session) -> datetime:
    """Every event before this moment is in ``daily_counts``."""
    mark = session.scalar(select(CountsRolledUp.through).where(CountsRolledUp.id == MARK_ID))
    return mark or EPOCH


def roll_up(session, until: datetime, zone: tzinfo, current: Questionnaire) -> bool:
    """Add the events between the last roll-up and ``until`` to ``daily_counts``, a week of
    events per transaction, and commit each; True when the mark moved. ``current`` is the
    questionnaire in force (urgent flags are those of each submission's own version).

    Short transactions keep SQLite's write lock free for patients, and a long first roll-up (a
    year of history after an upgrade) keeps what it finished if its request is cut off. A
    roll-up that finds another one at work stops and leaves the rest to it: the mark moves only
    from the moment a step started from, so nothing is counted twice.
    """
    moved = False
    while True:
        since = rolled_up_through(session)
        if since >= until:
            session.rollback()
            return moved
        start = _first_event(session) if since == EPOCH else since
        step_end = until if start is None else min(until, max(start, since) + ROLL_UP_STEP)
        if not _roll_up_step(session, since, step_end, zone, current):
            return moved
        moved = True


def _first_event(session) -> datetime | None:
    """The earliest moment anything countable happened (two index lookups)."""
    moments = [session.scalar(select(func.min(Screening.created_at))),
               session.scalar(select(func.min(AuditEvent.at)))]
    return min((m for m in moments if m is not None), default=None)


def _roll_up_step(session, since: datetime, until: datetime, zone: tzinfo,
                  current: Questionnaire) -> bool:
    """Count ``[since, until)`` into ``daily_counts`` and move the mark, in one transaction;
    False when another roll-up moved the mark first."""
    begin_write()
    if rolled_up_through(session) != since:
        session.rollback()
        return False
    found = count_events(session, since, until, zone, current)
    try:
        # A concurrent roll-up of the same events fails here (a duplicate day row, or a mark
        # that moved on); PostgreSQL makes this one wait for the other's commit first.
        _add(session, found)
        if since == EPOCH and session.get(CountsRolledUp, MARK_ID) is None:
            session.add(CountsRolledUp(id=MARK_ID, through=until))
            session.flush()
        else:
            moved = session.execute(
                update(CountsRolledUp)
                .where(CountsRolledUp.id == MARK_ID, CountsRolledUp.through == since)
                .values(through=until), execution_options={"synchronize_session": False})
            if moved.rowcount != 1:
                session.rollback()
                return False
        session.commit()
    except IntegrityError:  # another process rolled up the same events at the same moment
        session.rollback()
        return False
    return True


WEEKLY = ("outcome", "urgent", "contact_urgent", "contact_other")  # read by day; others summed


def counts(session, first: date, last: date, zone: tzinfo,
           current: Questionnaire) -> Counter[Key]:
    """Every count of the clinic days ``first`` to ``last`` (inclusive): stored plus live.

    The measures in ``WEEKLY`` come by day; the others are summed over the period in the
    database and come on the day ``first`` (a period's totals are all the page needs of them).
    """
    in_period = (DailyCount.day >= first, DailyCount.day <= last)
    for _ in range(3):
        mark = rolled_up_through(session)
        daily = session.execute(
            select(DailyCount.day, DailyCount.measure, DailyCount.item, DailyCount.total)
            .where(*in_period, DailyCount.measure.in_(WEEKLY))).all()
        summed = session.execute(
            select(DailyCount.measure, DailyCount.item, func.sum(DailyCount.total))
            .where(*in_period, DailyCount.measure.not_in(WEEKLY))
            .group_by(DailyCount.measure, DailyCount.item)).all()
        if rolled_up_through(session) == mark:  # no roll-up in between: nothing counted twice
            break
    total: Counter[Key] = Counter({(day, measure, item): n for day, measure, item, n in daily})
    total.update({(first, measure, item): int(n) for measure, item, n in summed})
    end = day_begins(last + timedelta(days=1), zone)
    if mark < end:
        live = count_events(session, max(mark, day_begins(first, zone)), end, zone, current)
        for (day, measure, item), n in live.items():
            total[(day if measure in WEEKLY else first, measure, item)] += n
    return total


def count_events(session, since: datetime, until: datetime, zone: tzinfo,
                 current: Questionnaire) -> Counter[Key]:
    """The events in ``[since, until)`` counted from the rows, by clinic day."""
    found: Counter[Key] = Counter()
    s = Screening
    for (moment,) in session.execute(
            select(s.created_at).where(s.created_at >= since, s.created_at < until)):
        found[(local_day(moment, zone), "started", "")] += 1
    for (moment,) in session.execute(
            select(s.completed_at).where(s.completed_at >= since, s.completed_at < until)):
        found[(local_day(moment, zone), "completed", "")] += 1
    # Only a submission has a submitted_at; naming the status too would lead SQLite to the
    # status index, which holds every submission, instead of the submitted_at range.
    sent = select(s.submitted_at, s.status, s.outcome, s.flags, s.assessment,
                  s.questionnaire_sha256).where(s.submitted_at >= since, s.submitted_at < until)
    urgent = _UrgentFlags(session, current)
    for moment, status, outcome, flags, assessment, sha256 in session.execute(sent):
        if status != "submitted":
            continue
        day = local_day(moment, zone)
        found[(day, "sent", "")] += 1
        found[(day, "outcome", outcome or "")] += 1
        if urgent[sha256].intersection(flags or ()):
            found[(day, "urgent", outcome or "")] += 1
        for score_id, score in ((assessment or {}).get("scores") or {}).items():
            item = score_item(score)
            if item is not None:
                found[(day, f"score:{score_id}"[:40], item)] += 1
    found.update(_first_contacts(session, since, until, zone, current))
    return found


def score_item(score: dict) -> str | None:
    """What a stored score counts as: its band id, or its value when it has no band."""
    if not isinstance(score, dict):
        return None
    if score.get("band"):
        return str(score["band"])[:64]
    value = score.get("value")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    return None


def _first_contact(action: str, detail: dict | None) -> bool:
    """Whether an audit event is a contact with the patient: a logged contact attempt (whatever
    its outcome: the clinic tried) or a change of review status to ``contacted``."""
    return action == CONTACT_ATTEMPT or (
        action == "status_changed" and (detail or {}).get("to") == CONTACTED)


def _first_contacts(session, since: datetime, until: datetime, zone: tzinfo,
                    current: Questionnaire) -> Counter[Key]:
    """Minutes from sending to the first contact (the first logged attempt or the first status
    change to ``contacted``, whichever came first), by the day of that contact;
    ``contact_urgent`` for submissions with an urgent flag, ``contact_other`` else."""
    # The time range picks the rows (`action || ''` keeps planners off the action index, which
    # walks every status change ever); no export's audit of its ids (500 a row) is read.
    events = session.execute(
        select(AuditEvent.screening_id, AuditEvent.at, AuditEvent.action, AuditEvent.detail)
        .where(AuditEvent.at >= since, AuditEvent.at < until,
               AuditEvent.action.concat("").in_(CONTACTS))
        .order_by(AuditEvent.at, AuditEvent.id))
    first: dict[uuid.UUID, datetime] = {}
    for screening_id, at, action, detail in events:
        if screening_id is not None and screening_id not in first and _first_contact(
                action, detail):
            first[screening_id] = at
    found: Counter[Key] = Counter()
    if not first:
        return found
    earlier = set()
    for ids in _chunks(list(first)):
        for screening_id, action, detail in session.execute(
                select(AuditEvent.screening_id, AuditEvent.action, AuditEvent.detail)
                .where(AuditEvent.action.in_(CONTACTS),
                       AuditEvent.at < since, AuditEvent.screening_id.in_(ids))):
            if _first_contact(action, detail):
                earlier.add(screening_id)
        urgent = _UrgentFlags(session, current)
        for screening_id, submitted_at, flags, sha256 in session.execute(
                select(Screening.id, Screening.submitted_at, Screening.flags,
                       Screening.questionnaire_sha256)
                .where(and_(Screening.id.in_(ids), Screening.status == "submitted"))):
            if screening_id in earlier or submitted_at is None:
                continue
            at = first[screening_id]
            minutes = max(0, round((at - submitted_at).total_seconds() / 60))
            urgent_one = urgent[sha256].intersection(flags or ())
            measure = "contact_urgent" if urgent_one else "contact_other"
            found[(local_day(at, zone), measure, str(minutes))] += 1
    return found


def _add(session, found: Counter[Key]) -> None:
    """Add ``found`` to the stored counts (rows of the same day, measure and item add up)."""
    days = sorted({day for day, _, _ in found})
    existing: dict[Key, int] = {}
    for day_chunk in _chunks(days):
        existing.update({(d, m, i): n for d, m, i, n in session.execute(
            select(DailyCount.day, DailyCount.measure, DailyCount.item, DailyCount.total)
            .where(DailyCount.day.in_(day_chunk)))})
    new = []
    for key, n in found.items():
        if key in existing:
            day, measure, item = key
            session.execute(
                update(DailyCount)
                .where(DailyCount.day == day, DailyCount.measure == measure,
                       DailyCount.item == item)
                .values(total=existing[key] + n),
                execution_options={"synchronize_session": False})
        else:
            new.append({"day": key[0], "measure": key[1], "item": key[2], "total": n})
    for start in range(0, len(new), 5000):
        session.execute(DailyCount.__table__.insert(), new[start:start + 5000])


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    return (values[start:start + size] for start in range(0, len(values), size))
