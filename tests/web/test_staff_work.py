"""Issue 15: assignment that works, a queue that moves, contact attempts, duplicates, the view
kept from queue to detail and back, and the detail page in words."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from screener.extensions import db
from screener.storage.models import AuditEvent, ContactAttempt, NO_PRIORITY, Screening
from tests.factories import make_staff, make_submission
from tests.helpers import baseline, phq9
from tests.kit.pages import parse
from tests.web.staff_pages import names_in

PLAN = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes", cssrs_plan="yes")
SELF_HARM = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))


@pytest.fixture
def intake(login_as):
    return login_as("intake")


def url(submission_id, action=""):
    return f"/staff/submissions/{submission_id}" + (f"/{action}" if action else "")


def ticked(page: str) -> list[str]:
    """The submission ids whose bulk-action box is ticked."""
    return [box.get("value") for box in parse(page).find_all("input", name="selected",
                                                                checked=True)]


def row_of(app, submission_id) -> Screening:
    with app.app_context():
        row = db.session.get(Screening, submission_id)
        db.session.expunge(row)
        return row


def audit(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- assignment ----------------------------------------------------------------------------------

def test_assign_to_me_is_its_own_form(app, client, intake):
    """The page's "Assign to me" posts only 'me'; the select lives in another form."""
    with app.app_context():
        sid = make_submission().id
    page = client.get(url(sid)).get_data(as_text=True)
    forms = [form for form in parse(page).find_all("form")
             if form.get("action", "").endswith("/assignee")]
    assert len(forms) == 2
    [me] = [form for form in forms if form.find_all(id="assign-me")]
    assert [(f.get("name"), f.get("value")) for f in me.find_all("input", name="assignee")] == [
        ("assignee", "me")]
    assert me.find_all("select") == []
    [chosen] = [form for form in forms if form.find_all("select")]
    assert chosen.find_all(value="me") == []


@pytest.mark.parametrize("first", ["", "colleague"])
def test_me_wins_over_the_select_sent_first(app, client, intake, first):
    """An old page sending the select's value before the button's still assigns to me."""
    with app.app_context():
        colleague = make_staff("clinician", name="Dr Colleague")
        sid = make_submission(assignee_id=colleague.id).id
        value = str(colleague.id) if first else ""
    response = client.post(url(sid, "assignee"),
                           data=MultiDict([("assignee", value), ("assignee", "me")]))
    assert response.status_code == 302
    assert row_of(app, sid).assignee_id == intake.id


def test_count_of_mine_on_every_staff_page(app, client, intake):
    with app.app_context():
        for name in ("A", "B"):
            make_submission(name=name, assignee_id=intake.id)
        make_submission(name="Closed", assignee_id=intake.id, review_status="closed")
        make_submission(name="Nobody's")
        sid = make_submission(name="Theirs").id
    for path in ("/staff/", url(sid)):
        page = client.get(path).get_data(as_text=True)
        mine = parse(page).find("a", href="/staff/?assigned=me")
        assert mine.text == "Assigned to me 2", path
        assert mine.find("span", class_="count").text == "2", path
    assert names_in(client.get("/staff/?assigned=me").get_data(as_text=True)) == ["B", "A"]


# --- a queue that moves --------------------------------------------------------------------------

def test_urgent_first_only_while_open_and_oldest_urgent_first(app, client, intake):
    with app.app_context():
        make_submission(PLAN, name="Old crisis, contacted", submitted_ago=timedelta(days=240))
        make_submission(PLAN, name="Crisis 2h", submitted_ago=timedelta(hours=2))
        make_submission(PLAN, name="Crisis 5h", submitted_ago=timedelta(hours=5))
        make_submission(SELF_HARM, name="Self harm 1h", submitted_ago=timedelta(hours=1))
        make_submission(baseline(), name="Plain now")
        make_submission(baseline(), name="Plain 1d", submitted_ago=timedelta(days=1))
        old = db.session.scalars(select(Screening).where(
            Screening.contact_name == "Old crisis, contacted")).one().id
    client.post(url(old, "status"), data={"status": "contacted", "from": "new"})
    assert row_of(app, old).priority == NO_PRIORITY
    page = client.get("/staff/").get_data(as_text=True)
    assert names_in(page) == ["Crisis 5h", "Crisis 2h", "Self harm 1h", "Plain now", "Plain 1d",
                              "Old crisis, contacted"]
    assert "waiting 5 h" in page and "waiting 2 h" in page
    # Reopened: urgent again.
    client.post(url(old, "status"), data={"status": "closed", "from": "contacted"})
    client.post(url(old, "status"), data={"status": "in_review", "from": "closed"})
    assert row_of(app, old).priority < NO_PRIORITY
    assert names_in(client.get("/staff/").get_data(as_text=True))[0] == "Old crisis, contacted"


# --- contact attempts ----------------------------------------------------------------------------

def test_contact_attempts_recorded_listed_audited_and_suggest_contacted(app, client, intake):
    with app.app_context():
        sid = make_submission(name="Robin", phone="+1 555 0100").id
    response = client.post(url(sid, "attempts"), data={"method": "phone", "outcome": "voicemail",
                                                        "note": "Left a message."})
    assert response.status_code == 302 and response.location.endswith("#flashes")
    page = client.get(url(sid)).get_data(as_text=True)
    assert "Left a message." in page and 'id="suggest-contacted"' not in page
    client.post(url(sid, "attempts"), data={"method": "phone", "outcome": "reached"})
    page = client.get(url(sid)).get_data(as_text=True)
    assert 'id="suggest-contacted"' in page
    assert f"{intake.name} · contact attempt by phone: reached" in page
    events = audit(app, "contact_attempt")
    assert [(e.detail["method"], e.detail["outcome"]) for e in events] == [
        ("phone", "voicemail"), ("phone", "reached")]
    assert all("note" not in e.detail and e.actor_id == intake.id for e in events)
    queue = client.get("/staff/").get_data(as_text=True)
    assert "2 attempts" in queue and "last: reached" in queue
    client.post(url(sid, "status"), data={"status": "contacted", "from": "new"})
    assert 'id="suggest-contacted"' not in client.get(url(sid)).get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"method": "phone"}, "Choose how the attempt went."),
    ({"method": "phone", "outcome": "maybe"}, "Not a valid choice"),
    ({"method": "pigeon", "outcome": "reached"}, "Not a valid choice"),
    ({"method": "phone", "outcome": "reached", "note": "x" * 1001}, "At most 1,000 characters."),
])
def test_bad_attempt_is_a_form_error(app, client, intake, data, message):
    with app.app_context():
        sid = make_submission().id
    response = client.post(url(sid, "attempts"), data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ContactAttempt)).all() == []


# --- detail in words, history, duplicates --------------------------------------------------------

def test_detail_in_words(app, client, intake, questionnaire):
    with app.app_context():
        sid = make_submission(PLAN).id
        assessment = db.session.get(Screening, sid).assessment
    page = client.get(url(sid)).get_data(as_text=True)
    phq = [step for step in questionnaire.steps if step.stem][0]
    assert str(escape(phq.stem)) in page
    for rule in assessment["rules"]:
        assert str(escape(rule["reason"])) in page
        assert f'rule <code>{rule["id"]}</code>' in page
    for score_id, stored in assessment["scores"].items():
        if stored["band_label"]:
            assert str(escape(stored["band_label"])) in page
    # Urgent panel, contact, and actions come before notes, attempts and answers.
    order = [page.index(marker) for marker in ('id="urgent-title"', 'id="contact-title"',
             'id="assign-me"', 'id="attempts-title"', 'id="notes-title"', 'id="answers-title"',
             'id="history-title"')]
    assert order == sorted(order)


def test_history_names_people_and_says_received_once(app, client, intake):
    with app.app_context():
        sid = make_submission().id
        from screener.storage import audit as trail
        trail.record("screening_submitted", actor=None, screening_id=sid)
        db.session.commit()
    client.post(url(sid, "notes"), data={"body": "Called."})
    history = client.get(url(sid)).get_data(as_text=True).split('id="history"')[1]
    assert history.count("submitted the screening") == 1
    assert "screening submitted" not in history.lower().replace("submitted the screening", "")
    assert f"{intake.name} · added a note" in history


def test_possible_duplicates_by_email_or_phone(app, client, intake):
    with app.app_context():
        sid = make_submission(name="Robin", email="Robin@Example.org", phone="+1 (555) 010-7788").id
        make_submission(name="Same email", email="robin@example.org ")
        make_submission(name="Same phone", email="other@example.org", phone="555 010 7788")
        make_submission(name="Stranger", email="x@example.org", phone="+1 555 999 0000")
        make_submission(name="Draft twin", email="robin@example.org", status="draft",
                        submitted_at=None, consent_at=None)
    page = client.get(url(sid)).get_data(as_text=True)
    listed = page.split('id="duplicates-title"')[1].split("</ul>")[0]
    assert "Same email" in listed and "Same phone" in listed
    assert "Stranger" not in listed and "Draft twin" not in listed and ">Robin<" not in listed


# --- back to the same view, next, confirmation in view -------------------------------------------

def test_back_to_the_queue_keeps_filters_and_page_and_next_follows_the_view(app, client, intake):
    app.config["STAFF_PAGE_SIZE"] = 2
    with app.app_context():
        for number in range(4):
            make_submission(baseline(), name=f"P{number}", submitted_ago=timedelta(hours=number))
        make_submission(PLAN, name="Crisis")
    first = client.get("/staff/?outcome=other_options_first").get_data(as_text=True)
    second = client.get(parse(first).rel["next"]).get_data(as_text=True)
    link = parse(second).find("th", scope="row").find("a")  # P2 heads the second page
    assert link.text == "P2"
    detail = client.get(link.get("href")).get_data(as_text=True)
    back = parse(detail).find("a", id="back-to-queue").get("href")
    assert "outcome=other_options_first" in back and "after=" in back
    assert names_in(client.get(back).get_data(as_text=True)) == ["P2", "P3"]
    following = parse(detail).find("a", id="next-submission").get("href")
    assert parse(client.get(following).get_data(as_text=True)).h1 == "P3"
    # An action keeps the view and lands on the confirmation.
    sid = urlsplit(link.get("href")).path.rsplit("/", 1)[1]
    view = parse(detail).find("input", name="view").get("value")
    response = client.post(url(sid, "status"), data={"status": "in_review", "from": "new",
                                                     "view": view})
    assert response.location.endswith("#flashes") and "view=" in response.location
    landed = client.get(response.location).get_data(as_text=True)
    assert 'id="flashes"' in landed and "outcome%3Dother_options_first" in landed.replace(
        "outcome=other_options_first", "outcome%3Dother_options_first")


def test_view_parameter_is_reduced_to_queue_keys(app, client, intake):
    with app.app_context():
        sid = make_submission().id
    page = client.get(url(sid), query_string={
        "view": "status=all&evil=1&next=//evil.example&q=" + "x" * 2000}).get_data(as_text=True)
    back = parse(page).find("a", id="back-to-queue").get("href")
    assert back.startswith("/staff/?") and "evil" not in back and "status=all" in back
    bad = client.get(url(sid), query_string={"view": "outcome=nonsense"})
    assert bad.status_code == 200 and 'id="next-submission"' not in bad.get_data(as_text=True)


def test_count_of_mine_is_capped(app, client, intake):
    from screener.storage import staffwork
    with app.app_context():
        for number in range(3):
            make_submission(name=f"M{number}", assignee_id=intake.id)
        assert staffwork.open_assigned_count(db.session, intake.id, cap=2) == 2
        assert staffwork.open_assigned_count(db.session, intake.id) == 3


# --- bulk actions --------------------------------------------------------------------------------

@pytest.fixture
def three_new(app, intake):
    with app.app_context():
        return [make_submission(name=f"B{n}").id for n in range(3)]


def selected(ids, status="new"):
    return [("selected", f"{i}:{status}") for i in ids]


def test_bulk_assign_status_and_note_audited_per_submission(app, client, intake, three_new):
    with app.app_context():
        nurse = make_staff("intake", name="Nurse Nora")
        nurse_id = nurse.id
    response = client.post("/staff/bulk", data=MultiDict(
        selected(three_new[:2]) + [("action", "assign"), ("assignee", str(nurse_id)),
                                   ("view", "status=all")]))
    assert response.status_code == 303
    assert response.location.endswith("/staff/?status=all#flashes")
    assert "2 submissions assigned to Nurse Nora." in client.get("/staff/").get_data(as_text=True)
    assert [row_of(app, i).assignee_id for i in three_new] == [nurse_id, nurse_id, None]
    client.post("/staff/bulk", data=MultiDict(selected(three_new) + [("action", "status"),
                                                                    ("status", "in_review")]))
    assert {row_of(app, i).review_status for i in three_new} == {"in_review"}
    client.post("/staff/bulk", data=MultiDict(
        selected(three_new, "in_review") + [("action", "note"), ("note", "Batch called.")]))
    with app.app_context():
        from screener.storage.models import Note
        assert len(db.session.scalars(select(Note)).all()) == 3
    for action, count in (("assigned", 2), ("status_changed", 3), ("note_added", 3)):
        events = audit(app, action)
        assert len(events) == count and all(e.actor_id == intake.id for e in events)
        assert len({e.screening_id for e in events}) == count


@pytest.mark.parametrize("extra, message", [
    ([("action", "assign"), ("assignee", "999999")], "does not exist or is no longer active"),
    ([("action", "assign"), ("assignee", "abc")], "does not exist or is no longer active"),
    ([("action", "status"), ("status", "new")], "cannot be marked new"),
    ([("action", "status"), ("status", "sideways")], "Choose a status"),
    ([("action", "note"), ("note", "   ")], "Write a note"),
    ([("action", "explode")], "Choose what to do"),
])
def test_bulk_bad_input_changes_nothing(app, client, intake, three_new, extra, message):
    response = client.post("/staff/bulk", data=MultiDict(selected(three_new) + extra))
    # Shown again at once, ticks kept (issue 25): a redirect would untick every row.
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert message in page and len(ticked(page)) == 3
    assert [(row_of(app, i).review_status, row_of(app, i).assignee_id) for i in three_new] == [
        ("new", None)] * 3
    assert audit(app, "assigned") == audit(app, "status_changed") == []


def test_bulk_stale_missing_or_malformed_selection_changes_nothing(app, client, intake,
                                                                     three_new):
    with app.app_context():
        draft = make_submission(status="draft", submitted_at=None, consent_at=None).id
    client.post(url(three_new[0], "status"), data={"status": "contacted", "from": "new"})
    cases = [
        (selected(three_new), "Someone else changed the status of 1"),
        (selected(three_new[1:] + [draft]), "1 of the selected submissions cannot be found"),
        (selected(three_new[1:]) + [("selected", "not-a-uuid:new")], "is not valid"),
        (selected(three_new[1:]) + [("selected", f"{three_new[1]}:weird")], "no valid status"),
        ([], "Select at least one submission"),
    ]
    for selection, message in cases:
        response = client.post("/staff/bulk", data=MultiDict(
            selection + [("action", "assign"), ("assignee", "me")]))
        assert response.status_code == 409, message
        assert message in response.get_data(as_text=True), message
    assert [row_of(app, i).assignee_id for i in three_new] == [None] * 3


@pytest.mark.csrf
def test_bulk_needs_csrf(app, client, intake, three_new):
    response = client.post("/staff/bulk", data=MultiDict(
        selected(three_new) + [("action", "assign"), ("assignee", "me")]))
    assert response.status_code == 400
    assert [row_of(app, i).assignee_id for i in three_new] == [None] * 3


@pytest.mark.postgres
def test_attempts_bulk_and_duplicates_on_postgresql(pg_app):
    from tests.factories import login

    client = pg_app.test_client()
    with pg_app.app_context():
        user = make_staff("intake", name="Pg Nurse")
        login(client, user)
        crisis = make_submission(PLAN, name="Crisis", email="Twin@Example.org",
                                 submitted_ago=timedelta(hours=3)).id
        twin = make_submission(name="Twin", email="twin@example.org").id
        older = make_submission(PLAN, name="Older crisis", submitted_ago=timedelta(hours=9)).id
    assert names_in(client.get("/staff/").get_data(as_text=True))[:2] == ["Older crisis",
                                                                         "Crisis"]
    client.post(url(crisis, "attempts"), data={"method": "phone", "outcome": "reached"})
    page = client.get(url(crisis)).get_data(as_text=True)
    assert 'id="suggest-contacted"' in page and ">Twin</a>" in page
    response = client.post("/staff/bulk", data=MultiDict(
        selected([crisis, older]) + [("action", "status"), ("status", "contacted")]))
    assert response.status_code == 303
    assert {row_of(pg_app, i).priority for i in (crisis, older)} == {NO_PRIORITY}
    client.post("/staff/bulk", data=MultiDict(
        selected([twin]) + [("action", "assign"), ("assignee", "me")]))
    assert names_in(client.get("/staff/").get_data(as_text=True))[0] == "Twin"
    assert 'class="count">1<' in client.get("/staff/").get_data(as_text=True)


def test_clinicians_keep_the_export_links_on_the_detail_page(app, client, login_as):
    login_as("clinician")
    with app.app_context():
        sid = make_submission().id
    page = client.get(url(sid)).get_data(as_text=True)
    for text in ("Printable summary", "Download FHIR bundle", "with contact details"):
        assert text in page


def test_bulk_refuses_a_note_the_action_will_not_use(app, client, intake, three_new):
    """A note typed while the action is "Assign to…" is not silently dropped: nothing changes,
    the page says why, and the ticks and the note are still there to act on."""
    response = client.post("/staff/bulk", data=MultiDict(
        selected(three_new) + [("action", "assign"), ("assignee", "me"),
                               ("note", "Called all three, left messages")]))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "The note was not added" in page and "Add a note" in page
    assert 'value="Called all three, left messages"' in page
    assert len(ticked(page)) == 3
    assert [o.get("value") for o in parse(page).find_all("option", selected=True)
            if o.get("value") == "assign"] == ["assign"]
    assert [row_of(app, i).assignee_id for i in three_new] == [None] * 3


def test_bulk_conflict_keeps_ticks_and_note(app, client, intake, three_new):
    client.post(url(three_new[0], "status"), data={"status": "in_review", "from": "new"})
    response = client.post("/staff/bulk", data=MultiDict(
        selected(three_new) + [("action", "note"), ("note", "Weekly review: no answer")]))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed the status of 1" in page
    assert 'value="Weekly review: no answer"' in page
    assert len(ticked(page)) == 3
