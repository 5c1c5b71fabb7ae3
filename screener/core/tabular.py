"""Spreadsheet-safe CSV: the formula-injection guard and a streaming RFC 4180 writer.

One guard for every CSV the app writes (the submissions export, the dashboard's tables): pure,
so the export and staff audiences share it without importing each other.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any, Iterable, Iterator, Sequence

# A spreadsheet runs a cell that starts with one of these as a formula; quoting does not stop it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(FORMULA_STARTS)
BOM = "\ufeff"
E164 = re.compile(r"\+[0-9]{1,15}")
_E164_MATCH = E164.fullmatch


def guard(value: Any) -> Any:
    """Neutralise a text cell a spreadsheet would run as a formula, by a leading apostrophe.

    Every text cell is guarded, whoever wrote it: a phone number "+1 555…" is written "'+1 555…".
    Look-alikes count too: after Unicode normalisation (NFKC: "＝" is "=") and with invisible
    format characters (zero-width space, joiners, direction marks) stripped from the start.
    Numbers are left as numbers (a negative score stays a number), and so is an E.164 phone
    number ("+15550100"): '+' and digits only is a number to a spreadsheet, never a formula.
    """
    if value.__class__ is str and value and not _E164_MATCH(value) and (
            value[0] in _FORMULA_CHARS or (not value.isascii() and _looks_like_formula(value))):
        return "'" + value
    return value


def _looks_like_formula(text: str) -> bool:
    """``text`` starts with a formula character once normalised and stripped of invisibles."""
    normal = unicodedata.normalize("NFKC", text)
    start = 0
    while start < len(normal) and unicodedata.category(normal[start]) == "Cf":
        start += 1
    return normal[start:start + 1] in _FORMULA_CHARS


def write(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], labels: Sequence[str] | None = None,
    bom: bool = False, chunk_rows: int = 200,
) -> Iterator[str]:
    """RFC 4180 text in chunks: the header at once, then about ``chunk_rows`` rows per chunk;
    every cell through ``guard``.

    Every text cell is quoted (numbers are not): unquoted, "x;=1+1" is split by a spreadsheet
    whose list separator is ";" and its second half run as a formula.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([guard(h) for h in headers])
    if labels is not None:
        writer.writerow([guard(label) for label in labels])
    yield (BOM if bom else "") + _drain(buffer)
    writerow, pending = writer.writerow, 0
    for cells in rows:
        writerow(list(map(guard, cells)))
        pending += 1
        if pending >= chunk_rows:
            yield _drain(buffer)
            pending = 0
    if pending:
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
