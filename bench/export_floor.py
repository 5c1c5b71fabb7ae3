"""The export floor: raw SQLAlchemy Core + ``csv`` writing the same columns as the app's CSV.

``python -m bench.export_floor DATABASE_URL HEADER_FROM.csv OUT.csv`` — the header row is taken
from the app's own export so both files have the same columns; the cells are read straight from
the row (no formula guard, no questionnaire lookups: this is the floor, not an export).
"""

from __future__ import annotations

import csv
import json
import sys
import uuid

from sqlalchemy import MetaData, Table, create_engine, select

FIXED = ("questionnaire_id", "questionnaire_version", "outcome", "contact_name",
         "contact_email", "contact_phone", "contact_method", "contact_time", "contact_message")
COLUMNS = FIXED + ("id", "submitted_at", "review_status", "flag_list", "answers", "assessment")


def extractor(name: str):
    """A function from a row to the cell of column ``name``, decided once per export."""
    if name == "submission_id":
        return lambda row: str(row.id if isinstance(row.id, uuid.UUID) else uuid.UUID(row.id))
    if name == "submitted_at":
        return lambda row: row.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if name == "status":
        return lambda row: row.review_status
    if name == "flags":
        return lambda row: ";".join(row.flag_list.split())
    if name in FIXED:
        return lambda row: getattr(row, name)
    if name == "rules":
        return lambda row: ";".join(rule["id"] for rule in _json(row.assessment)["rules"])
    if name.endswith("_score") or name.endswith("_band"):
        score, _, part = name.rpartition("_")
        key = "value" if part == "score" else "band"
        return lambda row: _json(row.assessment)["scores"].get(score, {}).get(key)
    return lambda row: _answer(_json(row.answers).get(name))


def main(url: str, header_from: str, output: str) -> int:
    """Write OUTPUT with the header row of HEADER_FROM; print how many rows were written."""
    with open(header_from, newline="", encoding="utf-8-sig") as source:
        headers = next(csv.reader(source))
    cells = [extractor(name) for name in headers]
    engine = create_engine(url)
    table = Table("screenings", MetaData(), autoload_with=engine)
    count = 0
    with engine.connect() as connection, open(output, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        query = (select(*(table.c[name] for name in COLUMNS))
                 .where(table.c.status == "submitted").order_by(table.c.submitted_at, table.c.id))
        for partition in connection.execution_options(yield_per=1000).execute(query).partitions():
            for row in partition:
                _JSON.clear()
                writer.writerow([cell(row) for cell in cells])
                count += 1
    engine.dispose()
    print(count)
    return 0


_JSON: dict[int, object] = {}  # the current row's decoded JSON columns, decoded once each


def _json(value):
    """Reflected JSON columns may come back as text (SQLite): decode once per row."""
    if not isinstance(value, str):
        return value
    key = id(value)
    if key not in _JSON:
        _JSON[key] = json.loads(value)
    return _JSON[key]


def _answer(value):
    return ";".join(map(str, value)) if isinstance(value, list) else value


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
