"""/staff/export.csv: columns, content, filters, streaming, audit."""

from __future__ import annotations

import csv
import html
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from screener.export import runs as exporting
from screener.extensions import db
from screener.storage.filters import ScreeningFilters
from screener.storage.models import AuditEvent
from tests.factories import make_submission
from tests.helpers import baseline, phq9

URL = "/staff/export.csv"


def table(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text, newline="")))


def export_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)))


@pytest.fixture
def three(app):
    """A crisis, a possible fit (in review) and a mild one from 10 days ago."""
    with app.app_context():
        crisis = make_submission(baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes",
                                          cssrs_plan="yes"), name="Casey Crisis")
        fit = make_submission(baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)), name="Fran Fit",
                              review_status="in_review", language="es")
        mild = make_submission(baseline(), name="Milo Mild", submitted_ago=timedelta(days=10),
                               review_status="closed")
        return {"crisis": str(crisis.id), "fit": str(fit.id), "mild": str(mild.id)}


def test_one_row_per_submission_with_the_documented_columns(client, login_as, three, questionnaire):
    login_as("clinician")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="screenings-')
    rows = table(response)
    header = next(csv.reader([response.get_data(as_text=True).split("\r\n", 1)[0]]))
    assert header[:7] == ["submission_id", "submitted_at", "questionnaire_id",
                          "questionnaire_version", "status", "outcome", "flags"]
    # The 1.0.0 questions, the review columns (issue 15), the questions 1.1.0 added, those 1.2.0
    # added, then the reference (issue 24, after 1.2.0) and the language (issue 27): nothing
    # moves an existing column
    first = [q.id for q in questionnaire.questions.values() if q.added_in is None]
    added = [q.id for q in questionnaire.questions.values() if q.added_in == "1.1.0"]
    added_1_2_0 = [q.id for q in questionnaire.questions.values() if q.added_in == "1.2.0"]
    assert added_1_2_0[:5] == ["cssrs_wish_dead", "cssrs_thoughts", "cssrs_method",
                               "cssrs_intent", "cssrs_plan"]
    assert header[-len(first) - 5 - len(added) - len(added_1_2_0):] == (
        first + ["assignee", "notes", "contact_attempts"] + added + added_1_2_0
        + ["reference", "language"])
    assert [r["submission_id"] for r in rows] == [three["mild"], three["crisis"], three["fit"]]
    crisis = rows[1]
    assert crisis["outcome"] == "crisis" and crisis["flags"] == "urgent_now;self_harm"
    assert crisis["cssrs_thoughts"] == "yes" and crisis["cssrs_plan"] == "yes"
    assert crisis["cssrs_method"] == "no" and crisis["suicide_attempt"] == "no"
    assert crisis["phq9_score"] == "9" and crisis["phq9_band"] == "mild"
    assert crisis["contact_name"] == "Casey Crisis"
    assert crisis["diagnoses"] == "depression"
    assert datetime.strptime(crisis["submitted_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert rows[2]["status"] == "in_review"
    # The language the patient screened in: Fran answered in Spanish, the others in English.
    assert [r["language"] for r in rows] == ["en", "en", "es"]


def test_zero_rows_is_a_valid_file_with_a_header(client, login_as):
    login_as("clinician")
    response = client.get(URL)
    lines = response.get_data(as_text=True).split("\r\n")
    assert lines[0].startswith('"submission_id","submitted_at",')  # every text cell quoted
    assert lines[1:] == [""]


def test_drafts_and_unsent_screenings_are_never_exported(app, client, login_as):
    with app.app_context():
        make_submission(status="draft", submitted_at=None, consent_at=None, name="Dee Draft")
        make_submission(status="completed", name="Cory Completed")
        sent = make_submission(name="Sam Sent").id
    login_as("clinician")
    response = client.get(URL)
    assert [r["submission_id"] for r in table(response)] == [str(sent)]
    assert "Dee Draft" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query, expected", [
    ("outcome=crisis", ["crisis"]),
    ("outcome=crisis,possible_fit", ["crisis", "fit"]),
    ("outcome=crisis&outcome=possible_fit", ["crisis", "fit"]),
    ("status=in_review", ["fit"]),
    ("status=open", ["crisis", "fit"]),
    ("status=all", ["mild", "crisis", "fit"]),
    ("flag=self_harm", ["crisis"]),
    ("flag=urgent_now", ["crisis"]),
    ("flag=moderate_risk", []),
    ("outcome=", ["mild", "crisis", "fit"]),
])
def test_filters(client, login_as, three, query, expected):
    login_as("clinician")
    rows = table(client.get(f"{URL}?{query}"))
    assert [r["submission_id"] for r in rows] == [three[name] for name in expected]


def test_date_range_is_inclusive_in_utc(client, login_as, three):
    login_as("clinician")
    today = datetime.now(timezone.utc).date()
    old = (today - timedelta(days=10)).isoformat()
    assert [r["submission_id"] for r in table(client.get(f"{URL}?from={today}"))] == [
        three["crisis"], three["fit"]]
    assert [r["submission_id"] for r in table(client.get(f"{URL}?to={old}"))] == [three["mild"]]
    assert [r["submission_id"] for r in table(client.get(f"{URL}?from={old}&to={old}"))] == [
        three["mild"]]


def test_search_and_assigned_match_the_queue(app, client, login_as, three):
    user = login_as("clinician")
    with app.app_context():
        make_submission(name="Zed Assigned", assignee_id=user.id)
    assert [r["contact_name"] for r in table(client.get(f"{URL}?q=fran"))] == ["Fran Fit"]
    assert [r["contact_name"] for r in table(client.get(f"{URL}?assigned=me"))] == ["Zed Assigned"]
    assert len(table(client.get(f"{URL}?assigned=none"))) == 3


@pytest.mark.parametrize("query, message", [
    ("outcome=eligible", "outcome: unknown value 'eligible'"),
    ("status=done", "status: unknown value 'done'"),
    ("flag=x", "flag: unknown value 'x'"),
    ("from=31-01-2026", "from: expected a date like 2026-01-31"),
    ("to=2026-02-30", "to: 2026-02-30 is not a real date"),
    ("from=2026-02-02&to=2026-02-01", "from (2026-02-02) is after to (2026-02-01)"),
    ("labels=maybe", "labels: expected 1 or 0"),
    ("q=" + "x" * 101, "q: search text is limited to 100 characters"),
    ("from=" + "9" * 5000, "from: expected a date like 2026-01-31"),
    ("to=9999-12-31", "to: 9999-12-31 is out of range"),  # no day after it: never a 500
    ("from=1899-12-31", "from: 1899-12-31 is out of range"),
    ("from=%D9%A2%D9%A0%D9%A2%D9%A6-01-01", "from: expected a date like"),  # ASCII digits only
    ("from=20260131", "from: expected a date like"),  # fromisoformat would take it
    ("to=2026-01-01&to=2026-01-02", "to: give one date, not 2"),
])
def test_bad_filter_values_are_a_400_with_a_message(app, client, login_as, query, message):
    login_as("clinician")
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    assert export_events(app) == []  # nothing was exported


def test_labels_row_holds_the_question_texts(client, login_as, three, questionnaire):
    login_as("clinician")
    reader = csv.reader(io.StringIO(client.get(f"{URL}?labels=1").get_data(as_text=True),
                                    newline=""))
    header, labels = next(reader), next(reader)
    assert labels[header.index("phq9_9")] == questionnaire.questions["phq9_9"].text
    assert labels[header.index("submitted_at")] == "Submitted at (UTC, offset +00:00)"
    assert next(reader)[0] == three["mild"]


def test_excel_switch_adds_a_utf8_bom(client, login_as, three):
    login_as("clinician")
    assert client.get(f"{URL}?excel=1").data.startswith(b'\xef\xbb\xbf"submission_id",')
    assert client.get(URL).data.startswith(b'"submission_id",')


def test_formula_injection_is_neutralised_and_quoting_holds(app, client, login_as):
    with app.app_context():
        make_submission(name='=HYPERLINK("http://evil.example","click")', phone="+1 555 0100",
                        contact_message='-2+3, then "quotes"\r\nand a new line',
                        contact_time="@SUM(1)")
    login_as("clinician")
    [row] = table(client.get(URL))
    assert row["contact_name"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    # An E.164 number is a number to a spreadsheet, never a formula: no apostrophe (issue 15).
    assert row["contact_phone"] == "+15550100"
    assert row["contact_message"] == "'-2+3, then \"quotes\"\r\nand a new line"
    assert row["contact_time"] == "'@SUM(1)"


def test_deidentified_export_leaves_out_contact_columns(client, login_as, three, app):
    login_as("clinician")
    response = client.get(f"{URL}?deidentified=1")
    assert "contact_name" not in response.get_data(as_text=True).split("\r\n", 1)[0]
    assert "Casey" not in response.get_data(as_text=True)
    assert export_events(app)[-1].detail["identified"] is False


def test_the_response_is_streamed_header_first(client, login_as, three):
    login_as("clinician")
    response = client.get(URL, buffered=False)
    assert response.is_streamed
    chunks = iter(response.response)
    assert next(chunks).startswith(b'"submission_id",')  # before any row is read
    rest = b"".join(chunks).decode()
    assert rest.count("\r\n") == 3
    response.close()


def test_batches_read_every_row_once_even_with_equal_times(app, client, login_as, monkeypatch):
    """Keyset batches of 2 over 5 submissions sent in the same microsecond."""
    monkeypatch.setattr(exporting, "BATCH_SIZE", 2)
    moment = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
    with app.app_context():
        ids = sorted(str(make_submission(submitted_at=moment).id) for _ in range(5))
    login_as("clinician")
    rows = table(client.get(URL))
    assert [r["submission_id"] for r in rows] == ids


def test_export_is_audited_with_actor_filters_rows_and_identification(app, client, login_as,
                                                                       three):
    user = login_as("clinician")
    client.get(f"{URL}?outcome=crisis&outcome=possible_fit&from=2020-01-01&q=Fran").close()
    [event] = export_events(app)
    assert event.actor_id == user.id and event.actor_label == user.email
    assert event.detail == {
        "format": "csv", "rows": 1, "identified": True,
        "filters": {"outcome": ["crisis", "possible_fit"], "from": "2020-01-01", "search": True},
    }
    assert "Fran" not in str(event.detail)  # the search text may be a patient's name


def test_audit_is_committed_before_the_first_byte(app, client, login_as, three):
    login_as("admin")
    response = client.get(URL, buffered=False)
    assert [e.detail["rows"] for e in export_events(app)] == [3]
    response.close()


def test_submissions_arriving_during_an_export_are_not_in_it(app, login_as, client, three):
    """The run fixes its moment: the count audited is the rows sent."""
    with app.test_request_context():
        run = exporting.prepare(ScreeningFilters())
        make_submission(submitted_ago=timedelta(seconds=-5))  # sent after the run started
        rows = list(exporting.records(run))
    assert run.count == len(rows) == 3


def test_review_columns_come_last_with_names_and_counts(app, client, login_as):
    """Issue 15: assignee (name), notes and contact attempts (counts) after every other column;
    PEG at 2 decimals; phone numbers without a visible apostrophe."""
    from screener.storage.models import ContactAttempt, Note
    from tests.factories import make_staff
    with app.app_context():
        nurse = make_staff("intake", name="Nurse Nora")
        pain = make_submission(baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=3),
                               name="Pat Pain", phone="+44 (0)20 7946 0000",
                               assignee_id=nurse.id)
        db.session.add_all([Note(screening_id=pain.id, author_id=nurse.id, body="a"),
                            Note(screening_id=pain.id, author_id=nurse.id, body="b"),
                            ContactAttempt(screening_id=pain.id, author_id=nurse.id,
                                           method="phone", outcome="voicemail")])
        db.session.commit()
        make_submission(name="Una Unassigned", phone="0555 0100")
    login_as("clinician")
    text = client.get(URL).get_data(as_text=True)
    header = next(csv.reader(io.StringIO(text)))
    at = header.index("assignee")  # after the 1.0.0 questions, before those 1.1.0 added
    assert header[at:at + 3] == ["assignee", "notes", "contact_attempts"]
    rows = {row["contact_name"]: row for row in table(client.get(URL))}
    assert (rows["Pat Pain"]["assignee"], rows["Pat Pain"]["notes"],
            rows["Pat Pain"]["contact_attempts"]) == ("Nurse Nora", "2", "1")
    assert (rows["Una Unassigned"]["assignee"], rows["Una Unassigned"]["notes"],
            rows["Una Unassigned"]["contact_attempts"]) == ("", "0", "0")
    assert rows["Pat Pain"]["peg_score"] == "3.67"
    assert rows["Pat Pain"]["contact_phone"] == "+4402079460000"
    assert rows["Una Unassigned"]["contact_phone"] == "0555 0100"
