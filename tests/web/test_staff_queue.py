"""The intake queue: urgent first, newest next, filters, search, pages, counts, bad filters."""

from urllib.parse import parse_qsl
from datetime import timedelta

import pytest

from screener.extensions import db
from screener.storage.queue import DEFAULT_FILTERS, Cursor, build_queue_query, fetch_page
from tests.factories import make_staff, make_submission
from tests.helpers import baseline, phq9
from tests.kit.pages import parse
from tests.web.staff_pages import names_in

SELF_HARM = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))  # low risk: flag self_harm, urgency 3
PLAN = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes",
                cssrs_plan="yes")  # high risk: crisis, urgent_now (urgency 1) and self_harm
FIT = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0))


def link_to(page: str, rel: str) -> str | None:
    """The href of the page's ``rel`` link (next, prev), if any."""
    return parse(page).rel.get(rel)


def queue(client, **args):
    return client.get("/staff/", query_string=args)


@pytest.fixture
def intake(login_as):
    return login_as("intake")


@pytest.fixture
def mixed(app, intake):
    """Five submissions: urgent ones older than the plain ones."""
    with app.app_context():
        make_submission(FIT, name="Fit Newest", submitted_ago=timedelta(minutes=1))
        make_submission(baseline(), name="Plain Older", submitted_ago=timedelta(hours=2))
        make_submission(SELF_HARM, name="Self Harm", submitted_ago=timedelta(days=1))
        make_submission(PLAN, name="Urgent Plan", submitted_ago=timedelta(days=3),
                        email="plan@example.org", phone="+1 (555) 010-7788")
        make_submission(baseline(), name="Closed Case", submitted_ago=timedelta(minutes=5),
                        review_status="closed", email="CLOSED@Example.COM")


def test_urgent_first_then_newest(client, mixed):
    page = queue(client).get_data(as_text=True)
    assert names_in(page) == ["Urgent Plan", "Self Harm", "Fit Newest", "Plain Older"]


def test_drafts_and_unsent_results_are_not_in_the_queue(app, client, intake):
    with app.app_context():
        make_submission(name="Sent")
        make_submission(name="Draft", status="draft", submitted_at=None, consent_at=None)
        make_submission(name="Completed", status="completed", submitted_at=None, consent_at=None)
    assert names_in(queue(client, status="all").get_data(as_text=True)) == ["Sent"]


def test_row_shows_outcome_scores_flags_status_assignee(app, client, intake):
    with app.app_context():
        owner = make_staff("clinician", name="Dr Who")
        make_submission(PLAN, name="Row", assignee_id=owner.id)
    page = queue(client).get_data(as_text=True)
    assert "Crisis" in page and "‼" in page  # text and shape, not colour alone
    assert ">PHQ-9<" in page and ">GAD-7<" in page
    assert "9 <span class=\"small\">Mild</span>" in page
    assert "Urgent now" in page and "Self harm" in page
    assert "status-new" in page and "Dr Who" in page
    assert "just now" in [time.text for time in parse(page).find_all("time", datetime=True)]
    assert "UTC" in page


def test_counts_per_status(client, mixed):
    page = queue(client).get_data(as_text=True)
    by_status = parse(page).find("nav", class_="status-counts").find_all("a")
    counts = {link.text.split(" ", 1)[1]: int(link.find("span", class_="count").text)
              for link in by_status}
    assert counts == {"New": 4, "In review": 0, "Contacted": 0, "Closed": 1}


@pytest.mark.parametrize("args, expected", [
    ({"outcome": "possible_fit"}, ["Fit Newest"]),
    ({"outcome": "crisis"}, ["Urgent Plan"]),
    ({"outcome": "other_options_first"}, ["Self Harm", "Plain Older"]),
    ({"flag": "urgent_now"}, ["Urgent Plan"]),
    ({"flag": "self_harm"}, ["Urgent Plan", "Self Harm"]),
    ({"status": "closed"}, ["Closed Case"]),
    ({"status": "all"}, ["Urgent Plan", "Self Harm", "Fit Newest", "Closed Case", "Plain Older"]),
    ({"status": "new", "outcome": "crisis", "flag": "urgent_now"}, ["Urgent Plan"]),
    ({"q": "fit new"}, ["Fit Newest"]),
    ({"q": "  SELF   harm "}, ["Self Harm"]),
    ({"q": "plan@EXAMPLE"}, ["Urgent Plan"]),
    ({"q": "closed@example.com", "status": "all"}, ["Closed Case"]),
    ({"q": "010-77"}, ["Urgent Plan"]),
    ({"q": "%"}, []),  # LIKE wildcards are searched for literally
    ({"q": "_"}, []),
])
def test_filters(client, mixed, args, expected):
    response = queue(client, **args)
    assert response.status_code == 200
    assert names_in(response.get_data(as_text=True)) == expected


def test_date_range_is_inclusive_of_whole_days(app, client, intake):
    with app.app_context():
        make_submission(name="Today")
        make_submission(name="Ten days ago", submitted_ago=timedelta(days=10))
        from screener.storage.models import utcnow
        today = utcnow().date()
    ten = today - timedelta(days=10)
    assert names_in(queue(client, to=str(ten)).get_data(as_text=True)) == ["Ten days ago"]
    assert names_in(queue(client, **{"from": str(today)}).get_data(as_text=True)) == ["Today"]
    both = queue(client, **{"from": str(ten), "to": str(today)}).get_data(as_text=True)
    assert names_in(both) == ["Today", "Ten days ago"]


def test_assigned_to_me_and_unassigned(app, client, intake):
    with app.app_context():
        other = make_staff("intake")
        make_submission(name="Mine", assignee_id=intake.id)
        make_submission(name="Theirs", assignee_id=other.id)
        make_submission(name="Nobody's")
    assert names_in(queue(client, assigned="me").get_data(as_text=True)) == ["Mine"]
    assert names_in(queue(client, assigned="none").get_data(as_text=True)) == ["Nobody's"]


@pytest.mark.parametrize("args, message", [
    ({"outcome": "eligible"}, "outcome: unknown value"),
    ({"status": "deleted"}, "status: unknown value"),
    ({"flag": "vip"}, "flag: unknown value"),
    ({"assigned": "everyone"}, "assigned: unknown value"),
    ({"from": "31/01/2025"}, "from: expected a date like"),
    ({"from": "2025-02-01", "to": "2025-01-01"}, "from (2025-02-01) is after to (2025-01-01)"),
    ({"to": "9999-12-31"}, "to: 9999-12-31 is out of range"),  # no day after it: never a 500
    ({"from": "٢٠٢٥-٠١-٠١"}, "from: expected a date like"),  # ASCII digits only
    ({"q": "x" * 101}, "limited to 100 characters"),
    ({"after": "not-a-cursor"}, "page link is not valid"),
    ({"before": "1.2.zz"}, "page link is not valid"),
])
def test_bad_filters_are_400_with_a_message(client, intake, args, message):
    response = queue(client, **args)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'role="alert"' in page


def test_filter_form_keeps_the_query_string(client, mixed):
    page = queue(client, outcome="crisis", q="plan").get_data(as_text=True)
    assert '<option value="crisis" selected>' in page
    assert 'name="q" value="plan"' in page
    assert "Clear filters" in page


def test_pages_walk_forward_and_back_without_gaps(app, client, intake):
    app.config["STAFF_PAGE_SIZE"] = 3
    with app.app_context():
        for number in range(8):
            make_submission(baseline(), name=f"P{number}", submitted_ago=timedelta(minutes=number))
        make_submission(PLAN, name="Urgent", submitted_ago=timedelta(days=2))
    seen, pages, url = [], [], "/staff/?outcome=other_options_first"
    while url:
        page = client.get(url).get_data(as_text=True)
        pages.append(page)
        seen += names_in(page)
        url = link_to(page, "next")
        if url:
            assert "outcome=other_options_first" in url
    assert seen == [f"P{n}" for n in range(8)]
    assert len(pages) == 3
    previous = link_to(pages[-1], "prev")
    assert names_in(client.get(previous).get_data(as_text=True)) == ["P3", "P4", "P5"]
    assert link_to(pages[0], "prev") is None


def test_keyset_breaks_ties_on_id(app):
    """Rows with the same priority and time must neither repeat nor vanish across pages."""
    with app.app_context():
        from screener.storage.models import utcnow
        moment = utcnow()
        ids = {make_submission(name=f"T{n}", submitted_at=moment).id for n in range(5)}
        query = build_queue_query(DEFAULT_FILTERS)
        first = fetch_page(db.session, query, size=2)
        second = fetch_page(db.session, query, after=first.next, size=2)
        third = fetch_page(db.session, query, after=second.next, size=2)
        walked = [s.id for s in first.rows + second.rows + third.rows]
        assert set(walked) == ids and len(walked) == 5
        assert third.next is None
        back = fetch_page(db.session, query, before=third.previous, size=2)
        assert [s.id for s in back.rows] == [s.id for s in second.rows]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 10])
def test_pages_across_priority_groups_match_the_single_query(app, size):
    """Walking page by page, forwards and back, gives exactly the order of one big query."""
    with app.app_context():
        for number in range(3):
            make_submission(PLAN, name=f"U{number}", submitted_ago=timedelta(hours=number))
            make_submission(SELF_HARM, name=f"S{number}", submitted_ago=timedelta(minutes=number))
        for number in range(4):
            make_submission(baseline(), name=f"N{number}", submitted_ago=timedelta(days=number))
        query = build_queue_query(DEFAULT_FILTERS)
        expected = [s.contact_name for s in db.session.scalars(query)]
        # Within one urgency the longest waiting comes first (issue 15).
        assert expected[:3] == ["U2", "U1", "U0"] and expected[-1] == "N3"
        pages = [fetch_page(db.session, query, size=size)]
        while pages[-1].next:
            pages.append(fetch_page(db.session, query, after=pages[-1].next, size=size))
        assert [s.contact_name for page in pages for s in page.rows] == expected
        backwards = [pages[-1]]
        while backwards[-1].previous:
            backwards.append(fetch_page(db.session, query, before=backwards[-1].previous,
                                        size=size))
        assert [s.contact_name for page in reversed(backwards) for s in page.rows] == expected


def test_cursor_round_trip(app):
    with app.app_context():
        screening = make_submission()
        cursor = Cursor.of(screening)
        assert Cursor.decode(cursor.encode()) == cursor


def test_patient_text_is_escaped_in_the_queue(app, client, intake):
    with app.app_context():
        make_submission(name="<script>alert(1)</script>{{7*7}}")
    page = queue(client).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in page


def test_empty_queue_says_so(client, intake):
    assert "No submissions match" in queue(client).get_data(as_text=True)
    page = queue(client, outcome="crisis", q="Ana").get_data(as_text=True)
    assert "No submissions match these filters (outcome crisis; status open; matching a " \
        "search)." in page


@pytest.mark.parametrize("args, export_query", [
    ({}, "status=open"),  # the queue's default is passed on: exports default to every status
    ({"status": "all"}, ""),
    ({"status": "closed", "outcome": "crisis", "from": "2026-01-01"},
     "status=closed&outcome=crisis&from=2026-01-01"),
])
def test_export_buttons_export_what_the_view_shows(client, login_as, args, export_query):
    """The queue's export form (issue 25): Excel, CSV and FHIR buttons, the view's filters as
    hidden fields, the byte-order mark for the CSV, the choices on the page."""
    login_as("clinician")
    page = queue(client, **args).get_data(as_text=True)
    form = parse(page).find("form", class_="export-form")
    assert form.get("method") == "get"
    hidden = [(field.get("name"), field.get("value")) for field in form.find_all("input",
                                                                                type="hidden")]
    assert hidden == parse_qsl(export_query) + [("excel", "1")]
    actions = [(button.get("formaction"), button.text)
               for button in form.find_all("button", formaction=True)]
    assert actions == [("/staff/export.xlsx", "Excel (.xlsx)"), ("/staff/export.csv", "CSV"),
                       ("/staff/export.ndjson", "FHIR")]
    assert [(field.get("value"), "checked" in field.attrs) for field in form.find_all(
        "input", name="deidentified")] == [("0", True), ("1", False)]  # names unless chosen
    assert form.find("input", name="labels", type="checkbox").get("value") == "1"


def test_csv_from_the_queue_form_starts_with_the_byte_order_mark(client, login_as, app):
    with app.app_context():
        make_submission(baseline(), name="Zoë Müller")
    login_as("clinician")
    body = client.get("/staff/export.csv", query_string={"status": "open", "excel": "1",
                                                         "deidentified": "0"}).get_data()
    assert body.startswith("\ufeff".encode("utf-8")) and "Müller".encode("utf-8") in body


def test_fhir_from_the_queue_form_follows_the_contact_choice(client, login_as, app):
    with app.app_context():
        make_submission(baseline(), name="Zoë Müller")
    login_as("clinician")
    with_contact = client.get("/staff/export.ndjson",
                              query_string={"deidentified": "0"}).get_data(as_text=True)
    without = client.get("/staff/export.ndjson",
                         query_string={"deidentified": "1"}).get_data(as_text=True)
    assert '"Patient"' in with_contact and "M\\u00fcller" in with_contact
    assert '"Patient"' not in without and "M\\u00fcller" not in without


@pytest.mark.postgres
def test_queue_filters_and_search_on_postgresql(pg_app):
    from tests.factories import login

    client = pg_app.test_client()
    with pg_app.app_context():
        user = make_staff("intake")
        login(client, user)
        make_submission(FIT, name="Fit Newest", submitted_ago=timedelta(minutes=1))
        make_submission(SELF_HARM, name="Self Harm", submitted_ago=timedelta(days=1))
        make_submission(PLAN, name="Urgent Plan", submitted_ago=timedelta(days=3),
                        email="Plan@Example.org", assignee_id=user.id)
        make_submission(baseline(), name="Zoë Ünicode", submitted_ago=timedelta(hours=1))
        make_submission(baseline(), name="Closed", review_status="closed")
    assert names_in(queue(client).get_data(as_text=True)) == [
        "Urgent Plan", "Self Harm", "Fit Newest", "Zoë Ünicode"]
    assert names_in(queue(client, flag="self_harm").get_data(as_text=True)) == [
        "Urgent Plan", "Self Harm"]
    assert names_in(queue(client, q="PLAN@example").get_data(as_text=True)) == ["Urgent Plan"]
    assert names_in(queue(client, q="zoë").get_data(as_text=True)) == ["Zoë Ünicode"]
    assert names_in(queue(client, assigned="me").get_data(as_text=True)) == ["Urgent Plan"]
    assert names_in(queue(client, status="closed").get_data(as_text=True)) == ["Closed"]
    assert queue(client, outcome="nope").status_code == 400
    pg_app.config["STAFF_PAGE_SIZE"] = 2
    first = queue(client).get_data(as_text=True)
    after = link_to(first, "next")
    assert names_in(client.get(after).get_data(as_text=True)) == ["Fit Newest", "Zoë Ünicode"]


def test_score_columns_come_from_the_questionnaire(app, client, intake, questionnaire):
    with app.app_context():
        make_submission(FIT, name="Scores")
    banded = [s for s in questionnaire.scores if s.bands][:2]
    page = queue(client).get_data(as_text=True)
    for score in banded:
        assert f'<th scope="col">{score.title.split(" (")[0]}</th>' in page
    app.config["STAFF_QUEUE_SCORES"] = ["cage_aid", "no_such_score"]
    page = queue(client).get_data(as_text=True)
    assert '<th scope="col">CAGE-AID</th>' in page and ">PHQ-9<" not in page
