"""A submission answered under questionnaire 1.0.0 after the upgrades to 1.1.0 and 1.2.0: it
keeps its version, is read by staff in its own words, and is exported with its own columns.

The 1.0.0 questions.yaml is kept in tests/data; the app stores every text by hash, as it did for
screenings answered under 1.0.0 before the upgrade.
"""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from fhir.resources.R4B.bundle import Bundle
from markupsafe import escape

from screener.core import rules
from screener.core.questionnaire import loads
from screener.extensions import db
from screener.storage.models import QuestionnaireVersion
from screener.storage.submissions import apply_assessment
from tests.kit.apps import DATA, QUESTIONS
from tests.factories import make_submission
from tests.helpers import baseline, baseline_1_0_0, phq9

OLD_SOURCE = (DATA / "questions-1.0.0.yaml").read_text(encoding="utf-8")
OLD = loads(OLD_SOURCE)
EX2 = phq9(2, 2, 2, 2, 2, 0, 0, 0, 0)
# A 1.0.0 wording that 1.1.0 reworded for plain language.
OLD_PSYCHOSIS = OLD.questions["psychosis_history"].text


@pytest.fixture
def old_and_new(app):
    """One submission answered under 1.0.0 (stored text, its own answers), one under 1.2.0."""
    sha = hashlib.sha256(OLD_SOURCE.encode()).hexdigest()
    with app.app_context():
        db.session.add(QuestionnaireVersion(sha256=sha, questionnaire_id=OLD.id,
                                            version="1.0.0", source=OLD_SOURCE))
        db.session.commit()
        answers = baseline_1_0_0(**EX2, psychosis_history="unsure")
        old = make_submission(answers, name="Old Version")
        # make_submission evaluates under the current questionnaire: store what 1.0.0 gave.
        old.questionnaire_sha256, old.questionnaire_version = sha, "1.0.0"
        apply_assessment(old, OLD, rules.evaluate(OLD, answers))
        db.session.commit()
        new = make_submission(baseline(**EX2, medications=["opioid"]), name="New Version")
        return old.id, new.id


def test_the_1_0_0_answers_are_incomplete_under_1_2_0():
    """Why the old submission must be read under its own version."""
    current = loads(QUESTIONS.read_text(encoding="utf-8"))
    assert rules.validate_answers(OLD, baseline_1_0_0(**EX2)) == []
    assert rules.validate_answers(current, baseline_1_0_0(**EX2))


def test_staff_read_it_under_1_0_0(app, client, login_as, old_and_new):
    old_id, _ = old_and_new
    login_as("intake")
    page = client.get(f"/staff/submissions/{old_id}").get_data(as_text=True)
    assert "version 1.0.0" in page
    assert str(escape(OLD_PSYCHOSIS)) in page  # its own wording, not 1.1.0's
    assert "Not sure" in page
    assert "<code>precaution_unsure</code>" in page and "<code>depression_fit</code>" in page
    assert "prior_ketamine" not in page and "medications" not in page


def test_csv_exports_each_with_its_own_columns(app, client, login_as, old_and_new):
    old_id, new_id = old_and_new
    login_as("clinician")
    response = client.get("/staff/export.csv")
    assert response.status_code == 200
    rows = {r["submission_id"]: r for r in csv.DictReader(io.StringIO(
        response.get_data(as_text=True)))}
    old, new = rows[str(old_id)], rows[str(new_id)]
    assert (old["questionnaire_version"], new["questionnaire_version"]) == ("1.0.0", "1.2.0")
    assert old["psychosis_history"] == "unsure"
    assert sorted(old["rules"].split(";")) == ["depression_fit", "precaution_unsure"]
    assert old["medications"] == "" and old["suicide_attempt"] == ""
    assert old["cssrs_thoughts"] == "" and old["ketamine_nonmedical"] == "no"
    assert old["self_harm_plan"] == ""  # a 1.0.0 question 1.2.0 retired keeps its column
    assert old["language"] == new["language"] == "en"  # Spanish came with 1.2.0
    assert new["medications"] == "opioid" and "medication_review" in new["rules"].split(";")
    assert new["self_harm_plan"] == "" and new["cssrs_thoughts"] == "no"
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    # After the review columns: what 1.1.0 added, then 1.2.0, then the reference (issue 24) and
    # the language (issue 27). (1.1.0's text is not
    # stored here, so the questions it added and 1.2.0 retired have no column: no row has them.)
    assert header[header.index("assignee"):] == [
        "assignee", "notes", "contact_attempts", "prior_ketamine",
        "psych_hospital_recent",
        "suicide_attempt", "suicide_attempt_recent", "bladder_symptoms", "breathing_liver",
        "medications", "cssrs_wish_dead", "cssrs_thoughts", "cssrs_method", "cssrs_intent",
        "cssrs_plan", "taps_alcohol", "taps_drugs", "drugs_cannabis_only", "taps_rx_misuse",
        "nonmedical_ketamine", "reference", "language"]
    assert header.index("self_harm_plan") < header.index("assignee") < header.index(
        "prior_ketamine") < header.index("cssrs_wish_dead")


def test_fhir_response_points_at_1_0_0_and_that_questionnaire_is_served(app, client, login_as,
                                                                       old_and_new):
    old_id, _ = old_and_new
    login_as("clinician")
    document = client.get(f"/staff/submissions/{old_id}/fhir").get_json(force=True)
    Bundle.model_validate(document)
    (response,) = [e["resource"] for e in document["entry"]
                   if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    url, _, version = response["questionnaire"].partition("|")
    assert version == "1.0.0"
    answered = {item["linkId"] for group in response["item"] for item in group.get("item", [])}
    assert "psychosis_history" in answered and "medications" not in answered
    search = client.get(f"/fhir/Questionnaire?url={url}&version=1.0.0").get_json(force=True)
    (old_questionnaire,) = [e["resource"] for e in search["entry"]]
    linked = {item["linkId"] for group in old_questionnaire["item"]
              for item in group.get("item", [])}
    assert answered <= linked and "suicide_attempt" not in linked
