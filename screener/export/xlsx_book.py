"""Excel workbook export: the CSV's columns as typed cells, answers as labels, and a codebook.

The submissions sheet has the CSV's columns in the CSV's order (``csv_table.layout``), under one
header row of labels (question texts). Cells are typed: the time sent is a real date-time in the
clinic's zone (Excel has no zones: the header names it), scores and counts are numbers, and
every text, including a phone number ("+1 555…") and an id, is a text cell that Excel neither
turns into a number nor runs. A text that starts with "=" is written as text, never as a formula
(openpyxl would otherwise write it as one): the CSV's formula guard, by the cell's type.

openpyxl's write-only mode writes each row to a temporary file as it comes, with inline strings
(no shared-string table in memory), so memory stays flat at any size; the finished file is then
streamed from disk.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, tzinfo
from typing import Any, Callable, Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from screener.core.answers import AnswerFilter
from screener.core.questionnaire import Questionnaire
from screener.export import csv_table

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUBMISSIONS_SHEET = "Submissions"
CODEBOOK_SHEET = "Codebook"
CODEBOOK_HEADERS = ("Question id", "Question", "Answer code", "Answer label",
                    "Questionnaire version")
DATE_FORMAT = "yyyy-mm-dd hh:mm"
CHUNK_BYTES = 64 * 1024
# The web route's limit: at about 700–2,500 rows/s (bench/README.md) a larger workbook is not
# complete within a web worker's 30 s; the command line has no limit.
WEB_MAX_ROWS = 20_000
SUBMITTED_AT = "submitted_at"


def answer_labels(questionnaires: Sequence[Questionnaire]) -> dict[str, dict[str, str]]:
    """Per question id, each stored answer code (as text) → its label; the newest wording wins
    (``questionnaires`` lists the current version first)."""
    labels: dict[str, dict[str, str]] = {}
    for questionnaire in reversed(list(questionnaires)):
        for question in questionnaire.questions.values():
            for choice in question.choices:
                labels.setdefault(question.id, {})[str(choice.value)] = choice.label
    return labels


def header_labels(columns: csv_table.CsvLayout, zone_name: str) -> list[str]:
    """The header row: the CSV's labels, with the time column naming the clinic's zone."""
    return [f"Submitted at ({zone_name})" if column == SUBMITTED_AT else label
            for column, label in zip(columns.headers, columns.labels)]


def rows(columns: csv_table.CsvLayout, records: Iterable[Any],
         questionnaire_for: Callable[[str], Questionnaire],
         labels: dict[str, dict[str, str]], zone: tzinfo) -> Iterator[list[Any]]:
    """The CSV's rows with typed values: the time a local date-time, answers as labels."""
    filters: dict[str, AnswerFilter] = {}
    answer_columns = [(columns.headers.index(q), labels.get(q, {})) for q in columns.question_ids]
    when = columns.headers.index(SUBMITTED_AT)
    for record in records:
        answers_filter = filters.get(record.questionnaire_sha256)
        if answers_filter is None:
            answers_filter = filters[record.questionnaire_sha256] = AnswerFilter(
                questionnaire_for(record.questionnaire_sha256))
        cells = csv_table.row(columns, record, answers_filter(record.answers))
        cells[when] = local_time(record.submitted_at, zone)
        for index, names in answer_columns:
            value = cells[index]
            if value is not None and value != "" and names:
                cells[index] = csv_table.LIST_SEPARATOR.join(
                    names.get(part, part) for part in str(value).split(csv_table.LIST_SEPARATOR))
        yield cells


def local_time(value: datetime | None, zone: tzinfo) -> datetime | None:
    """An aware time as the clinic's wall-clock time, without a zone (Excel has none)."""
    return value.astimezone(zone).replace(tzinfo=None) if value is not None else None


def codebook(questionnaires: Sequence[Questionnaire]) -> Iterator[tuple]:
    """One row per answer code of each question of each version (one row for a question
    without codes: a number or a text)."""
    for questionnaire in questionnaires:
        for question in csv_table.column_order(questionnaire):
            if not question.choices:
                yield question.id, question.text, None, None, questionnaire.version
            for choice in question.choices:
                yield (question.id, question.text, choice.value, choice.label,
                       questionnaire.version)


def build(headers: Sequence[str], rows_: Iterable[Sequence[Any]],
          codebook_rows: Iterable[Sequence[Any]], stream) -> None:
    """Write the workbook (submissions, then codebook) to the binary ``stream``."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SUBMISSIONS_SHEET)
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, header) for header in headers])
    for cells in rows_:
        sheet.append([_cell(sheet, value) for value in cells])
    book_sheet = book.create_sheet(CODEBOOK_SHEET)
    book_sheet.append(list(CODEBOOK_HEADERS))
    for cells in codebook_rows:
        book_sheet.append([_cell(book_sheet, value) for value in cells])
    book.save(stream)


def _cell(sheet, value: Any) -> Any:
    """A value as openpyxl should write it: text stays text (never a formula), dates get a
    date format, characters XML cannot hold are dropped."""
    if value.__class__ is str:
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"  # openpyxl would write it as a formula
            return cell
        return value
    if value.__class__ is datetime:
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def chunks(write: Callable[[Any], None]) -> Iterator[bytes]:
    """Run ``write(stream)`` into a temporary file, then yield the file in chunks."""
    with tempfile.TemporaryFile() as stream:
        write(stream)
        stream.seek(0)
        while True:
            chunk = stream.read(CHUNK_BYTES)
            if not chunk:
                return
            yield chunk
