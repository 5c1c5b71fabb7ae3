"""/staff/export.xlsx and ``flask export xlsx`` (issue 25): a workbook that opens right in Excel,
read back with openpyxl: real dates in the clinic's zone, a "+1…" phone and ids as text, a
formula-looking text as text, answers as labels, a codebook; the CSV's access rules and audit."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import AuditEvent
from tests.factories import make_submission
from tests.helpers import baseline

URL = "/staff/export.xlsx"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def submission(app):
    app.config["CLINIC_TZ"] = __import__("zoneinfo").ZoneInfo("America/New_York")
    app.config["CLINIC_TIMEZONE"] = "America/New_York"
    with app.app_context():
        row = make_submission(baseline(), name="Zoë Müller", phone="+1 (555) 010-7788",
                              email="zoe@example.com", contact_message=FORMULA)
        return {"id": str(row.id), "submitted_at": row.submitted_at}


def workbook(response):
    return load_workbook(io.BytesIO(response.get_data()), read_only=True)


def sheet_rows(book, name):
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def test_types_in_the_workbook(client, login_as, submission):
    """Dates are dates, the phone and the id are text, a formula-looking message is text."""
    login_as("clinician")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.get_data()))  # not read-only: cell types
    sheet = book["Submissions"]
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "Submission id" and header[1] == "Submitted at (America/New_York)"
    cells = {label: cell for label, cell in zip(header, sheet[2])}
    when = cells["Submitted at (America/New_York)"]
    assert when.is_date and isinstance(when.value, datetime)
    expected = submission["submitted_at"].astimezone(
        __import__("zoneinfo").ZoneInfo("America/New_York")).replace(tzinfo=None, microsecond=0)
    assert abs(when.value - expected) < timedelta(seconds=1)
    phone = cells["Phone"]
    assert phone.data_type == "s" and phone.value == "+15550107788"
    assert cells["Submission id"].data_type == "s" and cells["Submission id"].value == submission["id"]
    message = cells["Message to the clinic"]
    assert message.data_type == "s" and message.value == FORMULA  # text, never a formula
    assert cells["Name"].value == "Zoë Müller"


def test_answers_are_labels_and_the_codebook_lists_the_codes(client, login_as, submission,
                                                             questionnaire):
    login_as("clinician")
    book = workbook(client.get(URL))
    header, row = sheet_rows(book, "Submissions")[:2]
    question = next(q for q in questionnaire.questions.values()
                    if q.choices and q.kind == "single" and q.id in baseline())
    value = row[header.index(question.text)]
    choice = next(c for c in question.choices if c.value == baseline()[question.id])
    assert value == choice.label
    codebook = sheet_rows(book, "Codebook")
    assert codebook[0] == ["Question id", "Question", "Answer code", "Answer label",
                           "Questionnaire version"]
    assert [question.id, question.text, choice.value, choice.label,
            questionnaire.version] in codebook


def test_deidentified_leaves_out_contact_columns(client, login_as, submission):
    login_as("clinician")
    header = sheet_rows(workbook(client.get(URL, query_string={"deidentified": "1"})),
                        "Submissions")[0]
    assert "Name" not in header and "Phone" not in header and "Email" not in header
    # The CSV's appended columns land here too, in their place (DECISIONS.md, "Exports"):
    # the reference is kept as a column and left blank when de-identified.
    rows = sheet_rows(workbook(client.get(URL, query_string={"deidentified": "1"})),
                      "Submissions")
    at = header.index("Reference")
    # After the newest questions (issue 24 landed after 1.2.0), blank when de-identified;
    # then the patient's language (issue 27), kept: it identifies nobody.
    assert at == len(header) - 2 and rows[1][at] is None
    assert header[at + 1] == "Language" and rows[1][at + 1] == "en"


def test_filters_apply_and_bad_filters_are_refused(client, login_as, app, submission):
    with app.app_context():
        make_submission(baseline(), name="Old", submitted_ago=timedelta(days=30))
    login_as("clinician")
    # The clinic's day of the submission, not the machine's: from 00:00 to 05:00 UTC the two
    # differ, and a "from" date is a day in the clinic's zone (this failed in CI at 00:10 UTC).
    today = submission["submitted_at"].astimezone(app.config["CLINIC_TZ"]).date().isoformat()
    rows = sheet_rows(workbook(client.get(URL, query_string={"from": today})), "Submissions")
    assert len(rows) == 2
    assert client.get(URL, query_string={"outcome": "nonsense"}).status_code == 400


def test_intake_cannot_export_and_anonymous_is_sent_to_login(client, login_as, submission):
    assert client.get(URL).status_code == 302
    login_as("intake")
    assert client.get(URL).status_code == 403


def test_export_is_audited_before_it_is_sent(client, login_as, app, submission):
    login_as("clinician")
    response = client.get(URL, query_string={"deidentified": "1"})
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert event.detail["format"] == "xlsx" and event.detail["rows"] == 1
        assert event.detail["identified"] is False
    assert response.status_code == 200


def test_control_characters_do_not_break_the_workbook(client, login_as, app):
    with app.app_context():
        make_submission(baseline(), name="Bad\x01Name", contact_message="a\x0bb")
    login_as("clinician")
    header, row = sheet_rows(workbook(client.get(URL)), "Submissions")[:2]
    assert row[header.index("Name")] == "BadName"


def test_cli_writes_the_same_workbook(runner, app, submission, tmp_path):
    target = tmp_path / "out.xlsx"
    result = runner.invoke(args=["export", "xlsx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "exported 1 submission(s) as Excel" in result.output
    book = load_workbook(target, read_only=True)
    assert book.sheetnames == ["Submissions", "Codebook"]
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert event.detail["format"] == "xlsx" and event.actor_label == "cli"


@pytest.mark.postgres
def test_workbook_on_postgresql(pg_app):
    from tests.factories import login, make_staff

    client = pg_app.test_client()
    with pg_app.app_context():
        login(client, make_staff("clinician"))
        make_submission(baseline(), name="Zoë Müller", phone="+44 20 7946 0000",
                        contact_message=FORMULA)
    book = load_workbook(io.BytesIO(client.get(URL).get_data()))
    sheet = book["Submissions"]
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, sheet[2]))
    assert cells["Phone"].value == "+442079460000" and cells["Phone"].data_type == "s"
    assert cells["Message to the clinic"].data_type == "s"
    assert isinstance(cells[header[1]].value, datetime)


def test_too_large_for_the_web_says_what_to_do(client, login_as, app, submission, monkeypatch):
    from screener.export import xlsx_book

    monkeypatch.setattr(xlsx_book, "WEB_MAX_ROWS", 0)
    login_as("clinician")
    response = client.get(URL)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "holds at most 0" in text and "export xlsx" in text
    with app.app_context():
        assert not db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "export")).all(), "nothing exported, nothing audited"


def test_a_spanish_submission_reads_in_english_with_its_language(client, login_as, app,
                                                                 questionnaire):
    """Staff read a Spanish screening's answers as the English labels; the Language column
    (right after the reference) says "es"."""
    with app.app_context():
        make_submission(baseline(), name="Inés Ejemplo", language="es")
    login_as("clinician")
    header, row = sheet_rows(workbook(client.get(URL)), "Submissions")[:2]
    at = header.index("Language")
    assert header[at - 1] == "Reference" and row[at] == "es"
    age = questionnaire.questions["age_18_plus"]
    assert row[header.index(age.text)] == age.label_for("yes") == "Yes"
