"""/staff/dashboard: who sees it, and that every number on it equals a count made directly from
the rows (SQLite and PostgreSQL), across a week boundary and after a purge."""

from __future__ import annotations

import csv
import html
import io
import math
import secrets
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from screener.extensions import db
from screener.staff import review
from screener.storage import daily_counts
from screener.storage.models import AuditEvent, Screening, hash_token, utcnow
from screener.web.questionnaires import current_questionnaire, ensure_current_version_stored
from tests.factories import login, make_staff, make_submission
from tests.helpers import baseline, gad7, phq9
from tests.reliability.hostile import HOSTILE, junk_text
from tests.kit.pages import parse

UTC = timezone.utc
ANSWER_SETS = [
    baseline(),
    baseline(**phq9(2, 2, 2, 2, 2, 2, 2, 2, 0), **gad7(2, 2, 2, 2, 2, 2, 2)),
    baseline(**phq9(3, 3, 3, 3, 3, 3, 2, 2, 1)),  # item 9: low risk, self_harm (3), not urgent
    baseline(**phq9(1, 1, 1, 1, 1, 0, 0, 0, 0), chronic_pain="yes", peg_1=6, peg_2=7, peg_3=5),
    baseline(**phq9(3, 3, 3, 3, 3, 3, 2, 2, 1), cssrs_thoughts="yes",
             cssrs_plan="yes"),  # high risk: crisis, urgent_now (1): urgent
    baseline(suicide_attempt="yes", suicide_attempt_recent="no"),  # moderate_risk (2): urgent
]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def make_draft(created_at: datetime, completed_at: datetime | None = None,
               expires_at: datetime | None = None) -> Screening:
    """An unsent screening: started, and completed (result seen) when ``completed_at``."""
    questionnaire = current_questionnaire()
    draft = Screening(
        token_hash=hash_token(secrets.token_urlsafe(16)), questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        questionnaire_sha256=ensure_current_version_stored(),
        status="completed" if completed_at else "draft", answers={}, created_at=created_at,
        updated_at=completed_at or created_at, completed_at=completed_at,
        expires_at=expires_at or utcnow() + timedelta(hours=6))
    db.session.add(draft)
    db.session.commit()
    return draft


def sent(answers: dict, at: datetime, **columns) -> Screening:
    return make_submission(answers, submitted_at=at, created_at=at - timedelta(minutes=12),
                           completed_at=at - timedelta(minutes=1), consent_at=at, **columns)


def build_scenario(app, zone=UTC) -> tuple[date, date]:
    """Submissions either side of a Monday 00:00 in the clinic's zone, drafts, and first
    contacts; the period (from, to) that holds them all."""
    with app.app_context():
        now = utcnow()
        this_week = monday(now.astimezone(zone).date())
        boundary = datetime.combine(this_week - timedelta(days=7), datetime.min.time(),
                                    zone).astimezone(UTC)
        moments = [boundary - timedelta(seconds=1), boundary, boundary + timedelta(days=2),
                   boundary - timedelta(days=3), boundary - timedelta(microseconds=1),
                   boundary + timedelta(hours=5), now - timedelta(minutes=3)]
        made = [sent(ANSWER_SETS[i % len(ANSWER_SETS)], moment)
                for i, moment in enumerate(moments)]
        make_draft(boundary - timedelta(hours=1))
        make_draft(boundary + timedelta(hours=2),
                   completed_at=boundary + timedelta(hours=2, minutes=9))
        make_draft(now - timedelta(minutes=30))
        # A logged attempt is a first contact too (issue 25): before a status change (made[2])
        # and without one (made[5]).
        nurse = make_staff("intake")
        for screening in (made[2], made[5]):
            review.record_attempt(screening, "phone", "voicemail", "", nurse)
        for screening in (made[0], made[2], made[3]):
            review.change_status(screening, "contacted")
        review.change_status(made[0], "closed")
        return this_week - timedelta(days=14), now.astimezone(zone).date()


def expected_from_rows(app, first: date, last: date, zone=UTC) -> dict:
    """The dashboard's numbers, counted straight from the screenings and audit events."""
    with app.app_context():
        rows = list(db.session.scalars(select(Screening)))
        events = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(("status_changed", "contact_attempt")))
            .order_by(AuditEvent.at, AuditEvent.id)))
    day = lambda moment: moment.astimezone(zone).date()  # noqa: E731 (the clinic's day)
    inside = lambda moment: moment is not None and first <= day(moment) <= last  # noqa: E731
    # "Urgent" means urgency 1–2 (urgent_up_to): never self_harm or recent_admission (3).
    questionnaire = app.extensions["questionnaire"]
    urgent = {flag.id for flag in questionnaire.flags if questionnaire.is_urgent(flag.urgency)}
    assert urgent >= {"urgent_now", "moderate_risk", "self_harm_changed"}
    assert not urgent & {"self_harm", "recent_admission"}
    sent_rows = [r for r in rows if r.status == "submitted" and inside(r.submitted_at)]
    by_id = {r.id: r for r in rows}
    first_contact: dict = {}
    for event in events:
        # The first contact: the first logged attempt or the first change to contacted.
        contact = event.action == "contact_attempt" or event.detail.get("to") == "contacted"
        if contact and event.screening_id not in first_contact:
            first_contact[event.screening_id] = event.at
    contact_minutes: dict = {}
    for screening_id, at in first_contact.items():
        row = by_id.get(screening_id)
        if row is not None and inside(at):
            group = "urgent" if urgent & set(row.flags or ()) else "other"
            minutes = round((at - row.submitted_at).total_seconds() / 60)
            contact_minutes.setdefault((monday(day(at)), group), []).append(minutes)
    return {
        "outcomes": Counter(r.outcome for r in sent_rows),
        "urgent": Counter(r.outcome for r in sent_rows if urgent & set(r.flags or ())),
        "weekly": Counter((monday(day(r.submitted_at)), r.outcome) for r in sent_rows),
        "started": sum(inside(r.created_at) for r in rows),
        "completed": sum(inside(r.completed_at) for r in rows),
        "sent": len(sent_rows),
        "phq9": Counter(r.assessment["scores"]["phq9"]["band"] for r in sent_rows),
        "gad7": Counter(r.assessment["scores"]["gad7"]["band"] for r in sent_rows),
        "contacts": contact_minutes,
    }


def nearest_rank(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def logged_in_client(app, role: str = "clinician"):
    client = app.test_client()
    with app.app_context():
        login(client, make_staff(role, email=f"{role}{secrets.token_hex(3)}@clinic.example"))
    return client


def dashboard_csv(client, first: date, last: date) -> dict:
    response = client.get(f"/staff/dashboard.csv?from={first}&to={last}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))
    return {(r["table"], r["week_starting"], r["item"], r["measure"]): r["value"] for r in rows}


def outcome_rows(page: str) -> dict[str, int]:
    """The outcomes table: outcome id → sent submissions (the ``data-outcome`` rows)."""
    return {row.get("data-outcome"): int(row.find("td", class_="num").text)
            for row in parse(page).find_all("tr", data_outcome=True)}


def assert_numbers_match_rows(app, client, first: date, last: date, expected: dict) -> None:
    page = client.get(f"/staff/dashboard?from={first}&to={last}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    questionnaire = app.extensions["questionnaire"]
    outcome_ids = [o.id for o in questionnaire.outcomes]
    assert outcome_rows(body) == {o: expected["outcomes"][o] for o in outcome_ids}
    for step in ("started", "completed", "sent"):
        row = parse(body).find("tr", data_step=step)
        assert int(row.find("td", class_="num").text) == expected[step], step
    numbers = dashboard_csv(client, first, last)
    for outcome in outcome_ids:
        assert int(numbers[("outcomes", "", outcome, "sent")]) == expected["outcomes"][outcome]
        assert int(numbers[("outcomes", "", outcome, "urgent")]) == expected["urgent"][outcome]
    weeks = sorted({week for (table, week, _, _) in numbers if table == "outcomes_per_week"})
    assert weeks[0] == str(monday(first)) and weeks[-1] == str(monday(last))
    for week in weeks:
        for outcome in outcome_ids:
            key = ("outcomes_per_week", week, outcome, "sent")
            assert int(numbers[key]) == expected["weekly"][(date.fromisoformat(week), outcome)]
    for score_id in ("phq9", "gad7"):
        for band in questionnaire.scores_by_id[score_id].bands:
            key = (f"score:{score_id}", "", band.label, "submissions")
            assert int(numbers[key]) == expected[score_id][band.id]
    contacted = 0
    for (week, group), minutes in expected["contacts"].items():
        prefix = ("first_contact", str(week), group)
        assert int(numbers[(*prefix, "submissions")]) == len(minutes)
        assert float(numbers[(*prefix, "median_days")]) == round(
            nearest_rank(minutes, 0.5) / 1440, 1)
        assert float(numbers[(*prefix, "p90_days")]) == round(nearest_rank(minutes, 0.9) / 1440, 1)
        contacted += len(minutes)
    assert contacted == sum(int(v) for (t, _, _, m), v in numbers.items()
                            if t == "first_contact" and m == "submissions")


def check_scenario(app) -> None:
    first, last = build_scenario(app)
    expected = expected_from_rows(app, first, last)
    assert expected["sent"] == 7 and expected["weekly"], "the scenario has rows to count"
    assert len({week for week, _ in expected["weekly"]}) == 3, "rows fall in three weeks"
    client = logged_in_client(app)
    assert_numbers_match_rows(app, client, first, last, expected)
    assert_numbers_match_rows(app, client, first, last, expected)  # after its roll-up: the same


def test_numbers_equal_counts_from_the_rows_on_sqlite(app):
    check_scenario(app)


@pytest.mark.parametrize("name", ["America/New_York", "Pacific/Auckland"])
def test_weeks_turn_at_monday_midnight_in_the_clinic_time_zone(app, name):
    """With CLINIC_TIMEZONE set, a week starts at Monday 00:00 clinic time, not UTC."""
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(name)
    app.config.update(CLINIC_TIMEZONE=name, CLINIC_TZ=zone)
    first, last = build_scenario(app, zone)
    expected = expected_from_rows(app, first, last, zone)
    assert len({week for week, _ in expected["weekly"]}) == 3, "rows fall in three clinic weeks"
    assert expected != expected_from_rows(app, first, last), "the zone moves rows across weeks"
    client = logged_in_client(app)
    assert_numbers_match_rows(app, client, first, last, expected)
    page = client.get(f"/staff/dashboard?from={first}&to={last}").get_data(as_text=True)
    assert f"clinic's time zone ({name})" in html.unescape(page)


@pytest.mark.postgres
def test_numbers_equal_counts_from_the_rows_on_postgresql(pg_app):
    check_scenario(pg_app)


def check_purge_keeps_the_numbers(app) -> None:
    app.config["CLOSED_RETENTION_DAYS"] = 30
    first, last = build_scenario(app)
    with app.app_context():
        long_ago = utcnow() - timedelta(days=9)
        old_closed = sent(ANSWER_SETS[2], long_ago, review_status="closed",
                          review_updated_at=utcnow() - timedelta(days=40))
        expired = make_draft(long_ago, expires_at=utcnow() - timedelta(hours=1))
        gone = {old_closed.id, expired.id}
    first = first - timedelta(days=14)
    expected = expected_from_rows(app, first, last)
    client = logged_in_client(app)
    before = dashboard_csv(client, first, last)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        left = set(db.session.scalars(select(Screening.id)))
    assert not gone & left, "the purge deleted the old closed submission and the expired draft"
    assert dashboard_csv(client, first, last) == before
    assert_numbers_match_rows(app, client, first, last, expected)


def test_a_purged_period_keeps_its_numbers_on_sqlite(app):
    check_purge_keeps_the_numbers(app)


@pytest.mark.postgres
def test_a_purged_period_keeps_its_numbers_on_postgresql(pg_app):
    check_purge_keeps_the_numbers(pg_app)


def test_a_roll_up_at_any_moment_changes_no_number(app):
    first, last = build_scenario(app)
    zone = UTC  # the test app's clinic zone
    with app.app_context():
        current = current_questionnaire()
        live = daily_counts.counts(db.session, first, last, zone, current)
        middle = datetime.combine(first + timedelta(days=10), datetime.min.time(), UTC) \
            + timedelta(hours=7, minutes=13)
        assert daily_counts.roll_up(db.session, middle, zone, current) is True
        assert daily_counts.roll_up(db.session, middle, zone, current) is False, "nothing left to add"
        assert daily_counts.counts(db.session, first, last, zone, current) == live
        assert daily_counts.roll_up(db.session, utcnow(), zone, current) is True
        assert daily_counts.counts(db.session, first, last, zone, current) == live


def test_a_view_rolls_up_to_a_settled_quarter_hour():
    """Two minutes (longer than any request) must pass before a quarter hour is rolled up, so
    an event still being written is never passed over."""
    from screener.staff.dashboard_data import roll_up_until

    at = datetime(2026, 12, 7, 10, 7, 30, tzinfo=UTC)
    assert roll_up_until(at) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert roll_up_until(at.replace(minute=1)) == datetime(2026, 12, 7, 9, 45, tzinfo=UTC)
    assert roll_up_until(at.replace(minute=17, second=0)) == datetime(2026, 12, 7, 10, 15,
                                                                      tzinfo=UTC)


def test_a_view_counts_the_minutes_since_the_roll_up_from_the_rows(app, client, login_as):
    """The stored counts reach the last settled quarter hour; a screening sent a minute ago is
    on the page all the same, and the next view's roll-up does not count it twice."""
    from screener.staff.dashboard_data import roll_up_until

    login_as("clinician")
    with app.app_context():
        make_submission(submitted_ago=timedelta(days=2))
        make_submission(submitted_ago=timedelta(minutes=1))
    assert sent_on_dashboard(client) == 2
    with app.app_context():
        mark = daily_counts.rolled_up_through(db.session)
        assert roll_up_until(utcnow() - timedelta(minutes=1)) <= mark <= roll_up_until(utcnow())
        stored = db.session.scalar(select(db.func.sum(daily_counts.DailyCount.total)).where(
            daily_counts.DailyCount.measure == "sent"))
        assert stored == 1, "the screening sent a minute ago is not rolled up yet"
    assert sent_on_dashboard(client) == 2


def sent_on_dashboard(client) -> int:
    """The "sent" number of the dashboard's CSV (the same numbers as the page)."""
    rows = csv.reader(io.StringIO(client.get("/staff/dashboard.csv").get_data(as_text=True)))
    return sum(int(row[-1]) for row in rows
               if row[:1] == ["outcomes"] and row[3:4] == ["sent"])


@pytest.mark.parametrize("role", ["intake", "clinician", "admin"])
def test_every_staff_role_sees_the_dashboard_from_the_navigation(app, client, login_as, role):
    login_as(role)
    queue = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/dashboard"' in queue
    page = client.get("/staff/dashboard")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<h1>Dashboard" in body and "Last 4 weeks" in body
    exports = role in ("clinician", "admin")
    assert ("Download these numbers" in body) is exports
    assert ("/staff/dashboard.csv" in body) is exports


def test_intake_cannot_download_the_numbers(client, login_as):
    login_as("intake")
    assert client.get("/staff/dashboard.csv").status_code == 403


def test_anonymous_is_sent_to_login(client):
    for path in ("/staff/dashboard", "/staff/dashboard.csv"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.startswith("/staff/login")


def test_an_empty_period_says_so_instead_of_empty_charts(client, login_as):
    login_as("clinician")
    body = client.get("/staff/dashboard?from=2020-01-01&to=2020-01-31").get_data(as_text=True)
    assert "No submissions in this period" in body
    assert "<svg" not in body


def test_charts_are_named_described_images_with_tables(app, client, login_as):
    with app.app_context():
        for answers in ANSWER_SETS:
            make_submission(answers)
    login_as("clinician")
    body = client.get("/staff/dashboard").get_data(as_text=True)
    charts_ = [svg.get("id") for svg in parse(body).find_all("svg", class_="chart")]
    assert {"chart-outcomes", "chart-funnel", "chart-score-phq9", "chart-score-gad7",
            "chart-score-peg"} <= set(charts_)
    for chart in charts_:
        assert f'<title id="{chart}-title">' in body and f'<desc id="{chart}-desc">' in body
    for table in ("table-outcomes", "table-funnel", "table-score-phq9", "table-score-gad7",
                  "table-score-peg"):
        assert f'id="{table}"' in body
    assert "<script" not in body, "no JavaScript on the dashboard"


@pytest.mark.parametrize("query, message", [
    ("period=fortnight", "period: unknown value 'fortnight'"),
    ("from=2026-02-30", "from: 2026-02-30 is not a real date."),
    ("from=yesterday", "from: expected a date like 2026-01-31"),
    ("from=2026-03-01&to=2026-01-01", "from (2026-03-01) is after to (2026-01-01)."),
    ("from=2020-01-01&to=2026-01-01", "a custom period is at most"),
    ("period=custom", "a custom period needs a from date"),
    ("from=0001-01-01&to=0001-01-02", "from: 0001-01-01 is out of range"),
    ("to=9999-12-31", "to: 9999-12-31 is out of range"),
])
def test_bad_periods_get_the_filter_message_on_a_400_page(client, login_as, query, message):
    login_as("clinician")
    for path in ("/staff/dashboard", "/staff/dashboard.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert message in html.unescape(response.get_data(as_text=True))


def test_a_bad_period_stays_in_the_staff_layout_with_the_form(client, login_as):
    login_as("clinician")
    response = client.get("/staff/dashboard?period=custom&from=2026-03-01&to=2026-01-01")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="wide staff dashboard"' in body and "Log out" in body
    assert 'id="period-error"' in body and 'role="alert"' in body
    field = parse(body).find("input", id="from")
    assert (field.get("name"), field.get("value"), field.get("aria-invalid")) == (
        "from", "2026-03-01", "true")
    assert 'value="2026-01-01"' in body
    assert "<script" not in body


@HOSTILE
@given(period=st.one_of(st.sampled_from(["", "4w", "13w", "12m", "custom"]), junk_text),
       since=st.one_of(st.dates().map(str), junk_text), until=st.one_of(
           st.dates().map(str), junk_text))
def test_no_period_parameter_makes_a_server_error(app, period, since, until):
    client = logged_in_client(app)
    response = client.get("/staff/dashboard", query_string={
        "period": period, "from": since, "to": until})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        # The dashboard's own message in the staff layout (issue 25), or, for bytes no form
        # sends (a NUL), the app-wide refusal before any view runs.
        body = response.get_data(as_text=True)
        assert ("That period could not be shown" in body
                or "Something in that request was not right" in body)


def test_adults_only_is_a_row_like_the_others_and_urgent_means_1_and_2(app, client, login_as):
    """1.2.0's new outcome has its row (title and id; no minor's answers are ever sent, so its
    count stays 0), and the "urgent" column counts the high and moderate risks only."""
    with app.app_context():
        for answers in ANSWER_SETS:
            make_submission(answers)
    login_as("clinician")
    body = client.get("/staff/dashboard").get_data(as_text=True)
    questionnaire = app.extensions["questionnaire"]
    row = parse(body).find("tr", data_outcome="adults_only")
    assert questionnaire.outcomes_by_id["adults_only"].title in row.text
    assert row.find("code").text == "adults_only"
    urgent = {row.get("data-outcome"): int(row.find_all("td", class_="num")[1].text)
              for row in parse(body).find_all("tr", data_outcome=True)}
    # The crisis and the past attempt (safety_review) are urgent; the low risk is not.
    assert urgent == {"crisis": 1, "adults_only": 0, "safety_review": 1,
                      "other_options_first": 0, "possible_fit": 0}


def test_time_to_first_contact_counts_the_first_logged_attempt_in_days(app):
    """Sent 3 days ago, a voicemail left 2 days later, marked contacted today: the first contact
    was the attempt, 2 days after sending (not 3, and not 48 hours)."""
    with app.app_context():
        now = utcnow()
        screening = sent(baseline(), now - timedelta(days=3))
        nurse = make_staff("intake")
        # The attempt's audit event as record_attempt writes it, a day ago (audit events are
        # append-only: it is inserted with its time, not moved).
        db.session.add(AuditEvent(action="contact_attempt", screening_id=screening.id,
                                  actor_id=nurse.id, at=now - timedelta(days=1),
                                  detail={"method": "phone", "outcome": "voicemail"}))
        db.session.commit()
        review.change_status(screening, "contacted")
        found = daily_counts.counts(db.session, (now - timedelta(days=30)).date(),
                                    now.date(), UTC, current_questionnaire())
        minutes = [int(item) for (_, measure, item), n in found.items()
                   if measure.startswith("contact_")]
        assert minutes == [2 * 24 * 60]


def test_week_labels_of_a_year_never_collide():
    from screener.staff import charts

    weeks = [f"{d} Nov" for d in range(10, 63)]  # 53 weeks of "30 Nov"-wide labels
    svg = str(charts.bar_chart("c", "t", "d", weeks, [charts.Series("s", [1] * 53,
                                                                    charts.style_for(0))]))
    xs = [float(label.get("x")) for label in parse(svg).find_all(
        "text", text_anchor="middle", font_size="13")]
    assert 4 <= len(xs) <= 13
    assert min(b - a for a, b in zip(xs, xs[1:])) >= charts.LABEL_SPACE


def test_the_csv_guards_cells_as_the_submissions_export_does(client, login_as, monkeypatch):
    """The dashboard's CSV goes through the exports' writer: a label that a spreadsheet would
    run once normalised ("＝" is "=") or behind an invisible character gets an apostrophe, text
    is quoted (a ";" list separator cannot split a cell into a formula), numbers stay numbers."""
    from screener.staff import dashboard

    labels = ["\uff1d1+1", "\u200b=HYPERLINK(1)", "x;=1+1"]
    monkeypatch.setattr(dashboard, "csv_rows", lambda numbers: [
        ["score:x", "", label, "submissions", n] for n, label in enumerate(labels)])
    login_as("clinician")
    text = client.get("/staff/dashboard.csv").data.decode("utf-8-sig")
    cells = [row[2] for row in csv.reader(io.StringIO(text))][1:]
    assert cells == ["'\uff1d1+1", "'\u200b=HYPERLINK(1)", "x;=1+1"]
    assert '"x;=1+1","submissions",2\r\n' in text
