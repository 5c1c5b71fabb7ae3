"""gunicorn with LOG_FORMAT=json (issue 26): every line the server writes is one JSON object, and
a request's access line carries the id returned in its X-Request-ID header."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest


@pytest.mark.slow
def test_every_server_line_is_json_and_the_access_line_has_the_request_id(
        sqlite_env, start_server):
    server = start_server(dict(sqlite_env, LOG_FORMAT="json"), 1)
    with urllib.request.urlopen(server.url + "/staff/login", timeout=10) as response:
        request_id = response.headers["X-Request-ID"]
    deadline = time.monotonic() + 10  # a worker logs a request just after its response
    while request_id not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    records = [json.loads(line) for line in server.log_text().splitlines() if line.strip()]
    assert {"time", "level", "logger", "message", "request_id"} <= set(records[0])
    [access] = [record for record in records if record["request_id"] == request_id]
    assert access["logger"] == "gunicorn.access" and '"GET /staff/login" 200' in access["message"]
    assert any(record["logger"] == "gunicorn.error" and record["request_id"] is None
               for record in records)  # gunicorn's own lines, outside any request
