"""Real logging (issue 26): JSON lines that parse, a request id on each line of a request (a
trusted proxy's X-Request-ID, else a new one) returned in X-Request-ID, and no contact details or
answers in any line while an urgent submission is sent."""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading

import pytest

from screener.web.logs import gunicorn_logconfig
from tests.kit.apps import make_app
from tests.web.test_urgent_alerts import CONTACT, SmtpServer, deliver, mail_settings, rows, \
    submit_urgent

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logging_app(migrated_sqlite_template, tmp_path):
    """``logging_app(**settings)``: an app with a page that logs one line while it serves."""
    built = []

    def _build(**settings):
        database = tmp_path / f"logs{len(built)}.sqlite3"
        shutil.copyfile(migrated_sqlite_template, database)
        app = make_app(f"sqlite:///{database}", **settings)

        @app.get("/logs-a-line")
        def logs_a_line():
            logging.getLogger("screener.test").warning("served the page")
            return "ok"

        built.append(app)
        return app

    yield _build
    from screener.web import logs

    logs.configure()  # back to the default text lines for the tests that follow


def lines_with(err: str, text: str) -> list[dict]:
    """The JSON lines of ``err`` whose message contains ``text``."""
    found = []
    for line in err.splitlines():
        if line.startswith("{"):
            record = json.loads(line)  # every JSON line parses
            if text in record["message"]:
                found.append(record)
    return found


def test_json_lines_parse_and_carry_the_request_id(logging_app, capsys):
    client = logging_app(LOG_FORMAT="json").test_client()
    capsys.readouterr()
    response = client.get("/logs-a-line")
    request_id = response.headers["X-Request-ID"]
    assert GENERATED.fullmatch(request_id)
    [record] = lines_with(capsys.readouterr().err, "served the page")
    assert set(record) == {"time", "level", "logger", "message", "request_id"}
    assert (record["level"], record["logger"], record["request_id"]) == (
        "WARNING", "screener.test", request_id)
    assert record["time"].endswith("+00:00")
    second = client.get("/logs-a-line").headers["X-Request-ID"]
    assert second != request_id  # one id per request


def test_text_lines_carry_the_request_id(logging_app, capsys):
    client = logging_app().test_client()
    capsys.readouterr()
    request_id = client.get("/logs-a-line").headers["X-Request-ID"]
    [line] = [line for line in capsys.readouterr().err.splitlines() if "served the page" in line]
    assert f"WARNING screener.test [{request_id}] served the page" in line


def test_a_trusted_proxys_request_id_is_kept_and_echoed(logging_app, capsys):
    client = logging_app(LOG_FORMAT="json", TRUSTED_PROXY_HOPS=1).test_client()
    response = client.get("/logs-a-line", headers={"X-Forwarded-For": "203.0.113.7",
                                                   "X-Request-ID": "lb-4f2a.17_x"})
    assert response.headers["X-Request-ID"] == "lb-4f2a.17_x"
    [record] = lines_with(capsys.readouterr().err, "served the page")
    assert record["request_id"] == "lb-4f2a.17_x"


@pytest.mark.parametrize("hops, headers", [
    (0, {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "forged-by-a-client"}),  # no proxy
    (1, {"X-Request-ID": "forged-by-a-client"}),  # straight to the app, not through the proxy
    (1, {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "x" * 65}),  # too long
    (1, {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "two words"}),
    (1, {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "<script>"}),
])
def test_any_other_request_id_is_replaced_by_a_new_one(logging_app, capsys, hops, headers):
    client = logging_app(LOG_FORMAT="json", TRUSTED_PROXY_HOPS=hops).test_client()
    response = client.get("/logs-a-line", headers=headers)
    request_id = response.headers["X-Request-ID"]
    assert GENERATED.fullmatch(request_id)
    assert response.headers.getlist("X-Request-ID") == [request_id]
    [record] = lines_with(capsys.readouterr().err, "served the page")
    assert record["request_id"] == request_id


def test_a_patient_pages_path_is_logged_as_its_route(logging_app, capsys):
    """A 500 on a patient page: Flask logs "Exception on <path>", and a step's name tells an
    answer (the help-now page exists only after "a plan today")."""
    app = logging_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: logged, then a 500 page

    @app.get("/screening/help-now-test")
    def fails():
        raise RuntimeError("a bug")

    capsys.readouterr()
    response = app.test_client().get("/screening/help-now-test")
    assert response.status_code == 500
    logged = capsys.readouterr().err
    assert "Exception on /screening/<step> [GET]" in logged
    assert response.headers["X-Request-ID"] in logged
    assert "help-now" not in logged
    logging.getLogger("screener.test").warning("refused a value on POST /screening/safety")
    assert "POST /screening/<step>" in capsys.readouterr().err


def test_lines_of_the_sender_thread_have_no_request_id(logging_app, capsys):
    """A thread of its own (as the urgent-alert sender is) logs outside any request."""
    logging_app(LOG_FORMAT="json")
    capsys.readouterr()
    thread = threading.Thread(
        target=lambda: logging.getLogger("screener.test").warning("outside a request"))
    thread.start()
    thread.join()
    [record] = lines_with(capsys.readouterr().err, "outside a request")
    assert record["request_id"] is None


def test_sending_an_urgent_alert_logs_no_contact_details_or_answers(
        migrated_sqlite_template, tmp_path, capsys, caplog):
    """The mail server is down, so the sender logs its retry; nothing in any line (the app's
    handler or the captured records) names the patient, their contact or an answer."""
    smtp = SmtpServer()  # not started: every delivery fails and is logged
    database = tmp_path / "alerts.sqlite3"
    shutil.copyfile(migrated_sqlite_template, database)
    app = make_app(f"sqlite:///{database}", LOG_FORMAT="json", LOG_LEVEL="debug",
                   **mail_settings(smtp.port))
    with caplog.at_level(logging.DEBUG, logger="screener"):
        submit_urgent(app)
        assert deliver(app) == {"sent": 0, "retry": 1, "failed": 0}
    [row] = rows(app)
    logged = capsys.readouterr().err + "\n".join(r.getMessage() for r in caplog.records)
    assert f"urgent alert {row.id} not delivered" in logged  # the sender did log
    forbidden = [CONTACT["name"], "Zebrafish", CONTACT["email"], "867 5309", "8675309",
                 "/screening/safety", "/screening/help-now", "cssrs", "phq9_9"]
    assert [text for text in forbidden if text.lower() in logged.lower()] == []


def test_gunicorns_configuration_keeps_app_lines_to_the_apps_handler():
    """Under gunicorn the root handler skips ``screener`` lines (the app's handler writes them),
    so no line is written twice; access lines carry the request id."""
    settings = gunicorn_logconfig("text", "info", "-")
    assert settings["root"]["handlers"] == ["others"]
    assert "others" in settings["handlers"]["others"]["filters"]
    assert settings["formatters"]["access_text"]["format"].endswith("%(request_id)s")
    json_settings = gunicorn_logconfig("json", "info", "")
    assert json_settings["handlers"]["access"]["class"] == "logging.NullHandler"
    assert json_settings["handlers"]["access"]["formatter"] == "json"
