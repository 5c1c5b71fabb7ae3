"""A submission's detail page, its status workflow, assignment and notes."""

import hashlib
import uuid

import pytest
from markupsafe import escape
from sqlalchemy import select

from screener.extensions import db
from screener.storage.models import AuditEvent, Note, QuestionnaireVersion, Screening
from tests.kit.apps import QUESTIONS
from tests.factories import make_staff, make_submission
from tests.helpers import baseline, phq9
from tests.kit.pages import parse

PLAN = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_wish_dead="yes", cssrs_thoughts="yes",
                cssrs_method="yes", cssrs_plan="yes", suicide_attempt="yes",
                suicide_attempt_recent="yes",
                psych_hospital_recent="yes")  # every flag of the rules, urgent or not


@pytest.fixture
def intake(login_as):
    return login_as("intake")


@pytest.fixture
def submission(app):
    with app.app_context():
        return make_submission(PLAN, name="Robin Patient", email="robin@example.org",
                               phone="+1 555 0100", contact_message="Mornings are best.").id


def url(submission_id, action=""):
    return f"/staff/submissions/{submission_id}" + (f"/{action}" if action else "")


def status_of(app, submission_id):
    with app.app_context():
        return db.session.get(Screening, submission_id).review_status


def events(app, action):
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_detail_shows_contact_outcome_reasons_scores_flags(app, client, intake, submission,
                                                           questionnaire):
    page = client.get(url(submission)).get_data(as_text=True)
    for text in ("Robin Patient", "mailto:robin@example.org", "tel:+1 555 0100",
                 "Mornings are best."):
        assert text in page
    assert "Outcome: Crisis" in page
    with app.app_context():
        stored = db.session.get(Screening, submission).assessment
    assert {r["id"] for r in stored["rules"]} >= {
        "self_harm_thoughts", "wish_to_be_dead", "suicidal_thoughts", "suicide_method",
        "suicide_intent_or_plan", "recent_suicide_attempt", "recent_psych_hospitalization"}
    assert set(stored["flags"]) == {"urgent_now", "moderate_risk", "self_harm",
                                    "recent_admission"}
    for rule in stored["rules"]:
        assert f"<code>{rule['id']}</code>" in page
        assert str(escape(rule["reason"])) in page
    for score_id, score in stored["scores"].items():
        assert str(escape(questionnaire.scores_by_id[score_id].title)) in page
        if score["band_label"]:
            assert score["band_label"] in page
    for flag in questionnaire.flags:  # the submission's flags, and no other
        assert (str(escape(flag.label)) in page) is (flag.id in stored["flags"]), flag.id


def test_detail_lists_every_answer_with_text_label_and_value(app, client, intake, submission,
                                                             questionnaire):
    page = client.get(url(submission)).get_data(as_text=True)
    for question_id, value in PLAN.items():
        question = questionnaire.questions[question_id]
        assert str(escape(question.text)) in page
        assert str(escape(question.label_for(value))) in page
    # In words only (issue 15): no stored values such as "no" or ["depression"].
    assert "&#34;" not in page.split('id="answers-title"')[1].split('id="history"')[0]
    assert "[&#34;depression&#34;]" not in page


def test_old_questionnaire_version_stays_readable(app, client, intake):
    source = QUESTIONS.read_text(encoding="utf-8")
    old_text = "Are you 18 years of age or older?"
    assert old_text in source
    old_source = source.replace(old_text, "Are you an adult (at least eighteen)?").replace(
        "version: 1.2.0", "version: 0.9.0", 1)
    sha = hashlib.sha256(old_source.encode()).hexdigest()
    with app.app_context():
        db.session.add(QuestionnaireVersion(sha256=sha, questionnaire_id="ketamine-screening",
                                            version="0.9.0", source=old_source))
        db.session.commit()
        screening_id = make_submission(questionnaire_sha256=sha,
                                       questionnaire_version="0.9.0").id
    page = client.get(url(screening_id)).get_data(as_text=True)
    assert "Are you an adult (at least eighteen)?" in page
    assert old_text not in page
    assert "version 0.9.0" in page


def test_viewing_is_audited_without_patient_data(app, client, intake, submission):
    client.get(url(submission))
    (viewed,) = events(app, "submission_viewed")
    assert viewed.screening_id == submission and viewed.actor_id == intake.id
    assert viewed.detail == {}


@pytest.mark.parametrize("path", [
    f"/staff/submissions/{uuid.uuid4()}",
    "/staff/submissions/12",
    "/staff/submissions/not-a-uuid",
    f"/staff/submissions/{uuid.uuid4()}/notes",
])
def test_unknown_or_malformed_ids_are_404(client, intake, path):
    method = "POST" if path.endswith("notes") else "GET"
    response = client.open(path, method=method, data={"body": "x"})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_drafts_are_not_visible_to_staff(app, client, intake):
    with app.app_context():
        draft = make_submission(status="draft", submitted_at=None, consent_at=None).id
    assert client.get(url(draft)).status_code == 404


def test_status_workflow_with_reopen(app, client, intake, submission):
    for current, new in [("new", "in_review"), ("in_review", "contacted"),
                         ("contacted", "closed"), ("closed", "in_review")]:
        response = client.post(url(submission, "status"), data={"status": new, "from": current})
        assert response.status_code == 302
        assert status_of(app, submission) == new
    changes = [(e.detail["from"], e.detail["to"]) for e in events(app, "status_changed")]
    assert changes == [("new", "in_review"), ("in_review", "contacted"),
                       ("contacted", "closed"), ("closed", "in_review")]
    assert all(e.actor_id == intake.id for e in events(app, "status_changed"))
    with app.app_context():
        assert db.session.get(Screening, submission).review_updated_at is not None


def test_marking_contacted_straight_from_new(app, client, intake, submission):
    client.post(url(submission, "status"), data={"status": "contacted", "from": "new"})
    assert status_of(app, submission) == "contacted"


@pytest.mark.parametrize("status, message", [
    ("eligible", "is not a review status"),
    ("", "is not a review status"),
    ("new", "cannot be marked new"),
])
def test_status_outside_the_workflow_is_400(app, client, intake, submission, status, message):
    response = client.post(url(submission, "status"), data={"status": status})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert status_of(app, submission) == "new"
    assert events(app, "status_changed") == []


def test_closed_must_be_reopened_first(app, client, intake, submission):
    client.post(url(submission, "status"), data={"status": "closed"})
    response = client.post(url(submission, "status"), data={"status": "contacted"})
    assert response.status_code == 400
    assert status_of(app, submission) == "closed"


def test_stale_page_does_not_overwrite_a_newer_change(app, client, intake, submission):
    client.post(url(submission, "status"), data={"status": "contacted", "from": "new"})
    response = client.post(url(submission, "status"),
                           data={"status": "in_review", "from": "new"}, follow_redirects=True)
    assert "Someone else changed the status" in response.get_data(as_text=True)
    assert status_of(app, submission) == "contacted"


def test_detail_shows_who_changed_what_and_when(app, client, intake, submission):
    client.post(url(submission, "status"), data={"status": "in_review", "from": "new"})
    page = client.get(url(submission)).get_data(as_text=True)
    history = page.split('id="history"')[1]
    # People by name, not by login email (issue 15).
    assert intake.name in history and intake.email not in history
    assert "status new → in review" in history
    assert "<time" in history


def test_assignment(app, client, intake, submission):
    with app.app_context():
        colleague = make_staff("clinician", name="Dr Colleague")
        gone = make_staff("intake", active=False)
        colleague_id, gone_id = colleague.id, gone.id
    client.post(url(submission, "assignee"), data={"assignee": str(colleague_id)})
    page = client.get(url(submission)).get_data(as_text=True)
    assert "assigned to Dr Colleague" in page
    client.post(url(submission, "assignee"), data={"assignee": "me"})
    with app.app_context():
        assert db.session.get(Screening, submission).assignee_id == intake.id
    client.post(url(submission, "assignee"), data={"assignee": ""})
    with app.app_context():
        assert db.session.get(Screening, submission).assignee_id is None
    assert [e.detail["assignee_id"] for e in events(app, "assigned")] == [
        colleague_id, intake.id, None]
    for bad in (str(gone_id), "999999", "abc", "9" * 40, "²", "1²"):  # isdigit, not int()
        assert client.post(url(submission, "assignee"), data={"assignee": bad}).status_code == 400


def test_notes_are_appended_with_author_and_time(app, client, intake, submission):
    client.post(url(submission, "notes"), data={"body": "Left a voicemail."})
    client.post(url(submission, "notes"), data={"body": "Spoke to Robin; booked."})
    page = client.get(url(submission)).get_data(as_text=True)
    notes = page.split('id="notes"')[1].split('id="history"')[0]
    assert notes.index("Left a voicemail.") < notes.index("Spoke to Robin; booked.")
    assert notes.count(intake.name) == 2 and "<time" in notes
    added = events(app, "note_added")
    assert len(added) == 2
    with app.app_context():
        note_ids = {str(n.id) for n in db.session.scalars(select(Note))}
    assert {e.detail["note_id"] for e in added} == note_ids
    assert all("voicemail" not in str(e.detail) for e in added)


@pytest.mark.parametrize("body, message", [
    ("x" * 5001, "at most 5,000 characters"),
    ("   ", "Write the note before saving it."),
])
def test_bad_note_is_a_form_error(app, client, intake, submission, body, message):
    response = client.post(url(submission, "notes"), data={"body": body})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'class="field-error"' in page
    with app.app_context():
        assert db.session.scalars(select(Note)).all() == []
    assert events(app, "note_added") == []


def test_note_of_exactly_the_limit_is_accepted(app, client, intake, submission):
    assert client.post(url(submission, "notes"), data={"body": "y" * 5000}).status_code == 302


def test_notes_cannot_be_edited_or_deleted(app):
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    assert "/staff/submissions/<uuid:screening_id>/notes" in rules
    assert not [r for r in rules if "/notes/" in r]  # no URL for one note: nothing to edit
    assert not [r for r in app.url_map.iter_rules()
                if r.rule.startswith("/staff") and {"PUT", "PATCH", "DELETE"} & r.methods]


def test_patient_text_is_escaped_on_detail(app, client, intake):
    with app.app_context():
        screening_id = make_submission(
            name="<script>alert('x')</script>", contact_message="{{7*7}} <img src=x onerror=1>",
            contact_time="<b>noon</b>").id
    page = client.get(url(screening_id)).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>noon" not in page
    assert "&lt;script&gt;" in page
    assert "{{7*7}} &lt;img src=x onerror=1&gt;" in page


def test_note_text_is_escaped(app, client, intake, submission):
    client.post(url(submission, "notes"), data={"body": "<script>bad()</script> {{7*7}}"})
    page = client.get(url(submission)).get_data(as_text=True)
    assert "<script>bad()" not in page and "&lt;script&gt;bad()" in page
    assert "{{7*7}}" in page


@pytest.mark.csrf
def test_changes_need_csrf(app, client, intake, submission):
    for action, data in [("status", {"status": "in_review"}), ("assignee", {"assignee": "me"}),
                         ("notes", {"body": "hello"})]:
        assert client.post(url(submission, action), data=data).status_code == 400
    assert status_of(app, submission) == "new"
    page = client.get(url(submission)).get_data(as_text=True)
    token = parse(page).find("input", name="csrf_token").get("value")
    response = client.post(url(submission, "status"),
                           data={"status": "in_review", "from": "new", "csrf_token": token})
    assert response.status_code == 302 and status_of(app, submission) == "in_review"


# Worked example 22: PHQ-9 items all 1 with a plan, seen the crisis page, then from the review
# page PHQ-9 item 9 changed to 0 and cssrs_thoughts to no (the follow-ups are then not asked).
EXAMPLE_22_FINAL = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
EXAMPLE_22_GIVEN = [("phq9_9", 1), ("cssrs_thoughts", "yes"), ("cssrs_plan", "yes")]


def section_of(page: str, title_id: str):
    """The innermost <section> holding the element ``title_id`` (its heading), parsed."""
    return [s for s in parse(page).find_all("section") if s.find_all(id=title_id)][-1]


def cell(row, column: str) -> str:
    """The text of a safety-answers row's cell (first-given, highest-given, final-answer)."""
    return row.find("td", class_=column).text


def section(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start:page.index("</section>", start)]


@pytest.fixture
def taken_back(app):
    with app.app_context():
        return make_submission(EXAMPLE_22_FINAL, name="Taken Back",
                               safety_answers=EXAMPLE_22_GIVEN).id


def test_each_flag_shows_its_label_and_its_urgency(app, client, intake, submission,
                                                   questionnaire):
    page = client.get(url(submission)).get_data(as_text=True)
    urgent = section(page, "urgent-title")
    for flag_id, urgency in (("urgent_now", 1), ("moderate_risk", 2), ("self_harm", 3),
                             ("recent_admission", 3)):
        flag = questionnaire.flags_by_id[flag_id]
        item = section_of(page, "urgent-title").find("li", data_flag=flag_id).text
        assert flag.label in item and f"urgency {urgency}" in item
    # Urgency 1–2 make the panel urgent; 3 is listed as "also flagged", after them.
    assert urgent.index("urgent_now") < urgent.index("Also flagged") < urgent.index("self_harm")


def test_a_low_risk_alone_is_flagged_but_not_urgent(app, client, intake):
    with app.app_context():
        screening_id = make_submission(baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0),
                                                cssrs_wish_dead="yes")).id
    page = client.get(url(screening_id)).get_data(as_text=True)
    assert 'id="urgent-title"' not in page
    assert "Flagged (not urgent)" in section(page, "flags-title")
    assert "urgency 3" in section(page, "flags-title")


def test_a_taken_back_plan_shows_every_answer_as_first_given_and_what_it_became(
        app, client, intake, taken_back, questionnaire):
    """Example 22: staff see phq9_9 first given as 1, cssrs_thoughts and cssrs_plan as yes,
    and that each no longer holds; the flag is self_harm_changed at urgency 1."""
    page = client.get(url(taken_back)).get_data(as_text=True)
    urgent = section(page, "urgent-title")
    assert 'data-flag="self_harm_changed"' in urgent and "urgency 1" in urgent
    table = section(page, "safety-answers-title")
    rows = {row.get("data-question"): row for row in section_of(
        page, "safety-answers-title").find_all("tr", class_="row-urgent")}
    assert set(rows) == {"phq9_9", "cssrs_thoughts", "cssrs_plan"}  # none still holds
    phq9_9 = questionnaire.questions["phq9_9"]
    assert cell(rows["phq9_9"], "first-given") == phq9_9.label_for(1)
    assert cell(rows["phq9_9"], "final-answer").startswith(phq9_9.label_for(0))
    for question_id in ("cssrs_thoughts", "cssrs_plan"):
        assert cell(rows[question_id], "first-given") == "Yes"
    assert cell(rows["cssrs_thoughts"], "final-answer") == "No — changed"
    # The plan question was no longer asked once thoughts said no: no final answer at all.
    assert rows["cssrs_plan"].find("td", class_="final-answer").find("strong").text == "No answer"


def test_staff_see_the_true_outcome_rules_and_bands_and_what_the_patient_saw(
        app, client, intake, taken_back, questionnaire):
    """The patient saw the crisis result (urgency 1); staff see other_options_first with
    mild_concerns and the PHQ-9 band, every rule, and are told what the patient saw."""
    page = client.get(url(taken_back)).get_data(as_text=True)
    assert "Outcome: Other options first" in page
    assert "<code>mild_concerns</code>" in page
    assert "Mild" in page  # PHQ-9 8: staff always see the band
    crisis = questionnaire.outcomes_by_id["crisis"]
    saw = parse(page).find("p", id="patient-saw").text
    assert "crisis result" in saw and crisis.title in saw


def test_a_low_risk_result_is_said_to_lead_with_the_crisis_resources(app, client, intake):
    with app.app_context():
        screening_id = make_submission(baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0),
                                                cssrs_wish_dead="yes")).id
    page = client.get(url(screening_id)).get_data(as_text=True)
    saw = parse(page).find("p", id="patient-saw").text
    assert "after the crisis resources" in saw and "crisis result" not in saw


def test_the_highest_phq9_item_9_given_is_shown_beside_the_first(app, client, intake):
    """phq9_9 given as 1, then 3 (nearly every day), then back to 1: the first answer is 1, the
    highest 3, and the final 1 no longer holds what the patient said at worst."""
    with app.app_context():
        screening_id = make_submission(baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1)),
                                       safety_answers=[("phq9_9", 1), ("phq9_9", 3)]).id
    page = client.get(url(screening_id)).get_data(as_text=True)
    rows = parse(page).find_all("tr", class_="row-urgent", data_question="phq9_9")
    assert rows, "a lowered phq9_9 no longer holds"
    assert cell(rows[0], "first-given") == "Several days"
    assert cell(rows[0], "highest-given") == "Nearly every day"
    assert cell(rows[0], "final-answer") == "Several days — changed"
    urgent = section(page, "urgent-title")
    assert 'data-flag="self_harm_changed"' in urgent and "urgency 2" in urgent
