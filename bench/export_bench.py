"""Exports of the seeded submissions: CSV and FHIR NDJSON through the CLI (seconds, rows/s, peak
RSS from /usr/bin/time -v), time to first byte over HTTP, and the Core + csv floor."""

from __future__ import annotations

import csv
import http.client
import sys
import time
from pathlib import Path

from . import servers
from .load import Client
from .queue_bench import login

def cli_export(db: servers.Database, folder: Path, rows: int, *args: str) -> dict:
    """``flask export ARGS -o FILE`` timed; counts what it wrote."""
    output = folder / {"csv": "export.csv", "xlsx": "export.xlsx"}.get(args[0], "export.ndjson")
    command = [str(servers.BIN / "flask"), "--app", "screener", "export", *args, "-o", str(output)]
    result = servers.timed_process(command, servers.app_env(db.url))
    result.update(_throughput(rows, result["seconds"]), file_mib=_mib(output))
    if args[0] == "csv":
        result["rows_written"] = _csv_rows(output)
    elif args[0] == "xlsx":
        result["rows_written"] = _xlsx_rows(output)
    else:
        result["responses_written"] = _count_lines(output, b'"QuestionnaireResponse"')
        result["responses_per_second"] = round(result["responses_written"] / result["seconds"])
    return result


def floor_export(db: servers.Database, folder: Path, rows: int) -> dict:
    """The raw Core + csv floor on the same rows and columns."""
    output = folder / "floor.csv"
    command = [sys.executable, "-m", "bench.export_floor", db.sqlalchemy_url,
               str(folder / "export.csv"), str(output)]
    result = servers.timed_process(command, servers.app_env(db.url))
    result.update(_throughput(rows, result["seconds"]), rows_written=_csv_rows(output))
    return result


def first_byte(server_url: str, cookies: dict, path: str, read_all: bool) -> dict:
    """Seconds to the first byte of the body (and to the last, with ``read_all``)."""
    port = int(server_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    header = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=header)
        response = connection.getresponse()
        first = response.read(1)
        result = {"status": response.status, "ttfb_s": round(time.perf_counter() - started, 3)}
        if read_all and first:
            size = 1 + sum(len(chunk) for chunk in iter(lambda: response.read(65536), b""))
            result.update(total_s=round(time.perf_counter() - started, 2),
                          mib=round(size / 2**20, 1))
    finally:
        connection.close()
    return result


def measure_exports(db: servers.Database, logs: Path, folder: Path, rows: int,
                    read_all: bool) -> dict:
    """Everything about exporting the seeded ``rows`` submissions."""
    results = {"rows": rows, "csv": cli_export(db, folder, rows, "csv")}
    results["floor_csv"] = floor_export(db, folder, rows)
    results["ndjson"] = cli_export(db, folder, rows, "fhir", "--ndjson")
    results["xlsx"] = cli_export(db, folder, rows, "xlsx")
    with servers.serving(servers.APP_TARGET, servers.app_env(db.url), logs) as server:
        client = Client(server.url)
        login(client)
        results["csv"]["http"] = first_byte(server.url, client.cookies, "/staff/export.csv",
                                            read_all)
        results["ndjson"]["http"] = first_byte(server.url, client.cookies,
                                               "/staff/export.ndjson", read_all)
        client.close()
    for name in ("export.csv", "export.ndjson", "export.xlsx", "floor.csv"):
        (folder / name).unlink(missing_ok=True)
    return results


def _throughput(rows: int, seconds: float) -> dict:
    return {"rows_per_second": round(rows / seconds) if seconds else None}


def _mib(path: Path) -> float:
    return round(path.stat().st_size / 2**20, 1)


def _csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as source:
        return sum(1 for _ in csv.reader(source)) - 1


def _xlsx_rows(path: Path) -> int:
    """Submission rows in the workbook's first sheet (read-only mode: streamed, not loaded)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in book["Submissions"].iter_rows(values_only=True)) - 1
    finally:
        book.close()


def _count_lines(path: Path, needle: bytes) -> int:
    with path.open("rb") as source:
        return sum(1 for line in source if needle in line)
