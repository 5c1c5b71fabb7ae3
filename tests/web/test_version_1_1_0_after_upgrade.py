"""Submissions answered under questionnaire 1.1.0 after the upgrade to 1.2.0 (spec "Changes in
1.2.0": they stay readable, exportable and re-evaluable under their own version, with their own
flags). A nurse must still meet a 1.1.0 PHQ-9 item 9 answer as urgent (1.1.0 made it urgency 2),
see ``past_attempt`` as 1.1.0 meant it, and find a reopened taken-back 1.1.0 plan at urgency 1.

The 1.1.0 questions.yaml is kept in tests/data; the app stores every text by hash, as it did for
screenings answered under 1.1.0 before the upgrade.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from markupsafe import escape

from screener.core import rules, safety
from screener.core.presentation import submission_urgency
from screener.core.questionnaire import loads
from screener.core.safety import Recorded
from screener.export import csv_table
from screener.extensions import db
from screener.storage import outbox
from screener.storage import safety as safety_store
from screener.storage.models import NO_PRIORITY, QuestionnaireVersion, Screening, utcnow
from screener.storage.submissions import apply_assessment
from screener.web.questionnaires import current_questionnaire
from tests.kit.apps import DATA, QUESTIONS
from tests.factories import make_submission
from tests.helpers import baseline, baseline_1_1_0, phq9
from tests.web.staff_pages import names_in, urgent_shown

SOURCE = (DATA / "questions-1.1.0.yaml").read_text(encoding="utf-8")
V110 = loads(SOURCE)
V100 = loads((DATA / "questions-1.0.0.yaml").read_text(encoding="utf-8"))
SHA = hashlib.sha256(SOURCE.encode()).hexdigest()
EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)
# 1.1.0 worked examples: item 9 at 1 was crisis with self_harm (urgency 2); an attempt longer
# ago was past_attempt (no urgency); heavy drinking was its own 1.1.0 question.
ITEM_9 = baseline_1_1_0(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))
PAST_ATTEMPT = baseline_1_1_0(**EX2, suicide_attempt="yes", suicide_attempt_recent="no",
                              heavy_drinking_past_year="one_or_more")
# A 1.1.0 plan taken back: self_harm_plan = yes given, then item 9 changed to 0 (the plan
# question is then not asked). 1.1.0 counts self_harm_plan = yes as high risk.
PLAN_TAKEN_BACK = baseline_1_1_0(**EX2)
PLAN_GIVEN = [("phq9_9", 1), ("self_harm_plan", "yes")]


def stored_under_1_1_0(answers: dict, name: str, given=(), **columns) -> Screening:
    """A submission as 1.1.0 stored it: its text, its answers, what 1.1.0 evaluated, and the
    urgency 1.1.0 gave (make_submission evaluates under the current questionnaire)."""
    screening = make_submission(baseline(), name=name, **columns)
    screening.answers = answers
    screening.questionnaire_sha256, screening.questionnaire_version = SHA, "1.1.0"
    assessment = rules.evaluate(V110, answers)
    now = utcnow() - timedelta(minutes=5)
    records = [Recorded(q, v, now) for q, v in given]
    changed = safety.changed_urgency(V110, records, answers) if records else None
    extra = (V110.safety_answers.changed_flag,) if changed is not None else ()
    apply_assessment(screening, V110, assessment, extra)
    urgency = submission_urgency(V110, screening.flags, changed)
    screening.priority = NO_PRIORITY if urgency is None else urgency
    db.session.flush()
    if given:
        safety_store.add(db.session, screening.id, list(given), now)
    db.session.commit()
    return screening


@pytest.fixture
def stored(app):
    """The 1.0.0 and 1.1.0 texts as an upgraded clinic has them, and three 1.1.0 submissions
    beside one answered under 1.2.0."""
    with app.app_context():
        for source, version in (((DATA / "questions-1.0.0.yaml").read_text(encoding="utf-8"),
                                 "1.0.0"), (SOURCE, "1.1.0")):
            db.session.add(QuestionnaireVersion(
                sha256=hashlib.sha256(source.encode()).hexdigest(),
                questionnaire_id=V110.id, version=version, source=source,
                created_at=utcnow() - timedelta(days=400 if version == "1.0.0" else 200)))
        db.session.commit()
        return {
            "item 9": stored_under_1_1_0(ITEM_9, "Item Nine", submitted_ago=timedelta(hours=2)).id,
            "past attempt": stored_under_1_1_0(PAST_ATTEMPT, "Past Attempt",
                                               submitted_ago=timedelta(hours=3)).id,
            "plan taken back": stored_under_1_1_0(PLAN_TAKEN_BACK, "Plan Taken Back",
                                                  given=PLAN_GIVEN,
                                                  submitted_ago=timedelta(hours=1)).id,
            "1.2.0": make_submission(baseline(**EX2, cssrs_wish_dead="yes"), name="Low Risk Now",
                                     submitted_ago=timedelta(hours=4)).id,
        }


def test_each_keeps_the_flags_and_urgency_of_its_own_version(app, stored):
    with app.app_context():
        item_9 = db.session.get(Screening, stored["item 9"])
        assert (item_9.outcome, item_9.flags, item_9.priority) == ("crisis", ["self_harm"], 2)
        past = db.session.get(Screening, stored["past attempt"])
        assert "past_attempt" in past.flags and past.priority == NO_PRIORITY
        taken_back = db.session.get(Screening, stored["plan taken back"])
        assert taken_back.flags == ["self_harm_changed"] and taken_back.priority == 1
        assert db.session.get(Screening, stored["1.2.0"]).priority == 3
        # Re-evaluated under its own version, a 1.1.0 answer set gives what 1.1.0 gave.
        assert rules.evaluate(V110, ITEM_9).outcome == "crisis"
        assert "past_attempt" in rules.evaluate(V110, PAST_ATTEMPT).flags


def test_the_queue_and_the_urgent_count_use_each_version_s_urgency(app, client, login_as,
                                                                   stored):
    """1.1.0's item 9 (urgency 2) is urgent and counted; 1.2.0's wish to be dead (3) is not."""
    login_as("intake")
    page = client.get("/staff/").get_data(as_text=True)
    assert names_in(page) == ["Plan Taken Back", "Item Nine", "Low Risk Now", "Past Attempt"]
    assert urgent_shown(page) == 2


def test_only_the_urgent_ones_would_email(app, stored):
    with app.app_context():
        added = {name: outbox.enqueue_urgent_submission(db.session, screening_id, utcnow(),
                                                       current_questionnaire().urgent_up_to)
                 for name, screening_id in stored.items()}
        db.session.rollback()
    assert added == {"item 9": 1, "past attempt": 0, "plan taken back": 1, "1.2.0": 0}


def test_a_reopened_1_1_0_taken_back_plan_is_urgency_1_again(app, client, login_as, stored):
    login_as("intake")
    screening_id = stored["plan taken back"]
    for new, old in (("contacted", "new"), ("closed", "contacted"), ("in_review", "closed")):
        client.post(f"/staff/submissions/{screening_id}/status",
                    data={"status": new, "from": old})
    with app.app_context():
        assert db.session.get(Screening, screening_id).priority == 1
    item_9 = stored["item 9"]
    for new, old in (("contacted", "new"), ("closed", "contacted"), ("in_review", "closed")):
        client.post(f"/staff/submissions/{item_9}/status", data={"status": new, "from": old})
    with app.app_context():
        assert db.session.get(Screening, item_9).priority == 2  # 1.1.0's self_harm, as then


def test_staff_read_1_1_0_in_its_own_words_with_its_own_flags(app, client, login_as, stored):
    login_as("intake")
    page = client.get(f"/staff/submissions/{stored['past attempt']}").get_data(as_text=True)
    assert "version 1.1.0" in page
    assert str(escape(V110.flags_by_id["past_attempt"].label)) in page  # its 1.1.0 meaning
    assert str(escape(V110.questions["heavy_drinking_past_year"].text)) in page
    assert "<code>heavy_drinking_past_year</code>" in page  # the retired 1.1.0 rule
    assert "cssrs_thoughts" not in page
    taken_back = client.get(f"/staff/submissions/{stored['plan taken back']}").get_data(
        as_text=True)
    assert 'data-question="self_harm_plan"' in taken_back and "urgency 1" in taken_back


def test_csv_keeps_every_1_1_0_column_in_place_and_appends_1_2_0(app, client, login_as, stored):
    """No column moves: the header an export had under 1.1.0 is the start of today's."""
    login_as("clinician")
    response = client.get("/staff/export.csv")
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    # The 1.1.0 export had no reference or language column (issues 24 and 27 came after 1.2.0).
    before = [c for c in csv_table.layout([V110, V100]).headers
              if c not in ("reference", "language")]
    assert header[:len(before)] == before
    assert before[-9:] == ["prior_ketamine", "suicide_attempt", "suicide_attempt_recent",
                           "psych_hospital_recent", "heavy_drinking_past_year",
                           "drug_use_past_year", "bladder_symptoms", "breathing_liver",
                           "medications"]  # as the 1.1.0 export wrote them
    added = [q.id for q in app.extensions["questionnaire"].questions.values()
             if q.added_in == "1.2.0"]
    assert header[len(before):] == added + ["reference", "language"]
    rows = {r["submission_id"]: r for r in csv.DictReader(io.StringIO(
        response.get_data(as_text=True)))}
    past = rows[str(stored["past attempt"])]
    assert past["questionnaire_version"] == "1.1.0" and past["flags"] == "past_attempt"
    assert past["heavy_drinking_past_year"] == "one_or_more" and past["taps_alcohol"] == ""
    now = rows[str(stored["1.2.0"])]
    assert now["heavy_drinking_past_year"] == "" and now["taps_alcohol"] == "never"


def test_fhir_points_at_1_1_0_and_that_questionnaire_is_served(app, client, login_as, stored):
    login_as("clinician")
    document = client.get(f"/staff/submissions/{stored['past attempt']}/fhir").get_json(
        force=True)
    Bundle.model_validate(document)
    (response,) = [e["resource"] for e in document["entry"]
                   if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    url, _, version = response["questionnaire"].partition("|")
    assert version == "1.1.0"
    answered = {item["linkId"] for group in response["item"] for item in group.get("item", [])}
    assert "heavy_drinking_past_year" in answered and "cssrs_thoughts" not in answered
    search = client.get(f"/fhir/Questionnaire?url={url}&version=1.1.0").get_json(force=True)
    (served,) = [e["resource"] for e in search["entry"]]
    linked = {item["linkId"] for group in served["item"] for item in group.get("item", [])}
    assert answered <= linked
    lines = client.get("/staff/export.ndjson").get_data(as_text=True).splitlines()
    assert len([line for line in lines if '"QuestionnaireResponse"' in line]) == 4


def test_the_1_1_0_answers_are_not_a_1_2_0_answer_set():
    """Why the old submissions must be read under their own version."""
    current = loads(QUESTIONS.read_text(encoding="utf-8"))
    assert rules.validate_answers(V110, PAST_ATTEMPT) == []
    assert rules.validate_answers(current, PAST_ATTEMPT)
