"""Export runs shared by the web and the CLI: select, count, audit, then stream.

A run fixes its moment (``as_of``) and counts its rows before the first byte, so the audit event
(who, which filters, how many rows, identified or not) is committed before any data leaves, and
submissions arriving during a long download do not change what the export holds.

Rows come from one query over only the columns the export needs, fetched ``BATCH_SIZE`` at a time
(a server-side cursor on PostgreSQL): memory stays flat at any size. On SQLite the database runs in
WAL mode, so this long read never blocks patients' submissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import String, cast, func, select

from screener.storage import audit
from screener.export import csv_table, xlsx_book
from screener.extensions import db
from screener.storage.filters import ScreeningFilters
from screener.export.fhir.ndjson import NdjsonWriter
from screener.storage.models import (ContactAttempt, Note, QuestionnaireVersion, Screening,
                                     StaffUser, utcnow)
from screener.core.questionnaire import Questionnaire
from screener.core.values import uuid_text
from screener.web.questionnaires import current_questionnaire, questionnaire_by_sha256

BATCH_SIZE = 1000
SCREENINGS = Screening.__table__
_CORE_COLUMNS = (
    "id", "submitted_at", "questionnaire_id", "questionnaire_version", "questionnaire_sha256",
    "review_status", "outcome", "flag_list", "assessment", "answers", "language",
)
_CONTACT_COLUMNS = tuple(column for column, _ in csv_table.CONTACT_COLUMNS)


@dataclass(frozen=True)
class ExportRun:
    """One export: its filters, its moment, how many submissions it holds, under which versions."""

    filters: ScreeningFilters
    as_of: datetime
    count: int
    questionnaires: dict[str, Questionnaire]  # by sha256: the current version, then older ones

    def where(self) -> list:
        """The SQL conditions selecting this run's submissions."""
        return self.filters.conditions(SCREENINGS.c) + [SCREENINGS.c.submitted_at <= self.as_of]

    def questionnaire(self, sha256: str) -> Questionnaire:
        """The questionnaire a row was answered under."""
        return self.questionnaires.get(sha256) or current_questionnaire()


def prepare(filters: ScreeningFilters) -> ExportRun:
    """Fix the moment, count the matching submissions, load the questionnaire versions.

    Every stored version is loaded (a handful), not only those of the matching rows: the count
    stays an index-only query, and every export of a deployment has the same columns.
    """
    as_of = utcnow()
    probe = ExportRun(filters, as_of, 0, {})
    count = db.session.scalar(select(func.count()).select_from(SCREENINGS).where(*probe.where()))
    current = current_questionnaire()
    questionnaires = {current.source_sha256: current}
    stored = db.session.scalars(select(QuestionnaireVersion.sha256)
                                .order_by(QuestionnaireVersion.created_at.desc()))
    for sha256 in stored:
        questionnaires.setdefault(sha256, questionnaire_by_sha256(sha256))
    return ExportRun(filters, as_of, count or 0, questionnaires)


def record_audit(run: ExportRun, fmt: str, identified: bool, actor=None,
                 actor_label: str | None = None, remote_addr: str | None = None) -> None:
    """Add the export's audit event (the caller commits it before the data is sent), by
    ``actor`` (a staff account) or ``actor_label`` (the command line)."""
    audit.record("export", actor=actor, actor_label=actor_label, remote_addr=remote_addr,
                 format=fmt, rows=run.count, filters=run.filters.describe(),
                 identified=identified)
    if identified:  # who exported which patients: the ids, in the same commit (issue 23)
        # Streamed a chunk at a time: the ids of a million-row export are never a list at once.
        # Read as text: a uuid.UUID made of each and printed again was two thirds of the time
        # before an identified export's first byte (0.57 s at 100,000 rows; bench/README).
        ids = db.session.scalars(select(cast(SCREENINGS.c.id, String)).where(*run.where())
                                 .order_by(SCREENINGS.c.submitted_at, SCREENINGS.c.id)
                                 .execution_options(yield_per=audit.IDS_PER_EVENT))
        expected = -(-run.count // audit.IDS_PER_EVENT)
        chunks = ([uuid_text(text) for text in chunk] for chunk in ids.partitions())
        audit.record_screening_ids("export_rows", chunks, expected, actor=actor,
                                   actor_label=actor_label, remote_addr=remote_addr)


def records(run: ExportRun, contact: bool = True, batch_size: int | None = None,
            review: bool = False) -> Iterator[Any]:
    """The run's submissions in submission order, streamed; with ``review``, also the assignee's
    name and the number of notes and contact attempts (CSV)."""
    names = _CORE_COLUMNS + (_CONTACT_COLUMNS + ("reference",) if contact else ())
    review_columns = (
        select(StaffUser.name).where(StaffUser.id == SCREENINGS.c.assignee_id)
        .scalar_subquery().label("assignee"),
        select(func.count()).select_from(Note).where(Note.screening_id == SCREENINGS.c.id)
        .scalar_subquery().label("notes"),
        select(func.count()).select_from(ContactAttempt)
        .where(ContactAttempt.screening_id == SCREENINGS.c.id)
        .scalar_subquery().label("contact_attempts"),
    ) if review else ()
    query = (select(*(SCREENINGS.c[name] for name in names), *review_columns)
             .where(*run.where())
             .order_by(SCREENINGS.c.submitted_at, SCREENINGS.c.id))
    with db.engine.connect() as connection:
        result = connection.execution_options(yield_per=batch_size or BATCH_SIZE).execute(query)
        yield from result


def csv_chunks(run: ExportRun, labels: bool = False, excel: bool = False,
               contact: bool = True) -> Iterator[str]:
    """The run as CSV text, in chunks; the header row comes first, at once."""
    columns = csv_table.layout(list(run.questionnaires.values()), contact=contact)
    cells = csv_table.rows(columns, records(run, contact=contact, review=True),
                           run.questionnaire)
    yield from csv_table.write(columns.headers, cells,
                                labels=columns.labels if labels else None, bom=excel)


def xlsx_chunks(run: ExportRun, zone, contact: bool = True) -> Iterator[bytes]:
    """The run as an Excel workbook (submissions and codebook sheets), in chunks of bytes."""
    questionnaires = list(run.questionnaires.values())
    columns = csv_table.layout(questionnaires, contact=contact)
    cells = xlsx_book.rows(columns, records(run, contact=contact, review=True),
                           run.questionnaire, xlsx_book.answer_labels(questionnaires), zone)
    headers = xlsx_book.header_labels(columns, getattr(zone, "key", str(zone)))
    yield from xlsx_book.chunks(lambda stream: xlsx_book.build(
        headers, cells, xlsx_book.codebook(questionnaires), stream))


def ndjson_chunks(run: ExportRun, identified: bool = False,
                  chunk_records: int = 50) -> Iterator[str]:
    """The run as FHIR NDJSON: per submission its (Patient,) QuestionnaireResponse, Observations.

    Responses leave out the item texts, which the Questionnaire resource holds.
    """
    writers = {sha: NdjsonWriter(q) for sha, q in run.questionnaires.items()}
    fallback = writers[current_questionnaire().source_sha256]
    lines: list[str] = []
    pending = 0
    for record in records(run, contact=identified):
        lines.append(writers.get(record.questionnaire_sha256, fallback).lines(record, identified))
        pending += 1
        if pending >= chunk_records:
            yield "".join(lines)
            lines, pending = [], 0
    if lines:
        yield "".join(lines)
