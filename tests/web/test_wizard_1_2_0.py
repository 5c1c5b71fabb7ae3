"""The wizard under questionnaire 1.2.0 (spec "Changes in 1.2.0"): the safety step for everyone,
the crisis page after it for high-risk answers, no reassurance for anyone at risk on the result,
the crisis result after a taken-back plan (worked example 22), adults only (example 23), the
SAMHSA helpline, and drafts begun under 1.1.0 moving to 1.2.0."""

from __future__ import annotations

import hashlib

from markupsafe import escape
from sqlalchemy import select, update

from screener.extensions import db
from screener.storage.models import NO_PRIORITY, QuestionnaireVersion, SafetyAnswer, Screening
from screener.core.questionnaire import loads
from tests.kit.apps import DATA
from tests.helpers import baseline, baseline_1_1_0, phq9
from tests.web.wizard_client import (questionnaire, recorded, send, shown_outcome, step_data,
                                     stored, visible, walk)

EX1 = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))
EX2 = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 0))
BAND_WORDS = ("Minimal", "Mild", "Moderate", "Severe", "No concern found", "Worth discussing")


def text(value: str) -> str:
    """``value`` as the page shows it (escaped)."""
    return str(escape(value))


def reason(rule_id: str) -> str:
    return text(next(r.reason for r in questionnaire().rules if r.id == rule_id))


def title(outcome_id: str) -> str:
    return text(questionnaire().outcomes_by_id[outcome_id].title)


def main(page: str) -> str:
    return page[page.index("<main"):page.index("</main>")]


def post(client, step_id: str, answers: dict, **extra):
    """Post ``answers`` to a step (all its questions, shown or not), plus raw ``extra`` fields."""
    return client.post(f"/screening/{step_id}", data={**step_data(step_id, answers), **extra})


def change_from_review(client, step_id: str, answers: dict) -> str:
    response = client.post(f"/screening/{step_id}?return_to=review",
                           data=step_data(step_id, answers))
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def finish(client) -> str:
    assert client.post("/screening/review").headers["Location"] == "/screening/result"
    return client.get("/screening/result").get_data(as_text=True)


def complete(client, answers: dict) -> str:
    assert walk(client, answers) == "/screening/review"
    return finish(client)


def assert_no_band_words(page: str) -> None:
    scores = page[page.index('id="scores-title"'):page.index("</table>")]
    for word in BAND_WORDS:
        assert word not in scores, word


def assert_resources_first(page: str, before: str) -> None:
    """Every crisis resource (each link) comes before ``before``."""
    crisis = page.index('class="crisis"')
    assert crisis < page.index(before)
    head = page[crisis:page.index(before)]
    for resource in questionnaire().crisis_resources:
        for link in resource.links:
            assert f'href="{escape(link.href)}"' in head, link.href


# --- the safety step: everyone, after PHQ-9 ----------------------------------------------------

def test_the_safety_step_follows_phq9_with_item_9_at_0(app, client):
    walk(client, EX2, until="phq9")
    response = post(client, "phq9", EX2)
    assert EX2["phq9_9"] == 0
    assert response.headers["Location"] == "/screening/safety"
    page = client.get("/screening/safety").get_data(as_text=True)
    step = questionnaire().steps_by_id["safety"]
    # One short line, then the resources, then the time frame and the questions.
    assert page.index(text(step.intro)) < page.index('class="crisis"')
    assert page.index('class="crisis"') < page.index(text(step.stem))
    assert page.index(text(step.stem)) < page.index('name="cssrs_wish_dead"')
    assert 'href="tel:988"' in page and 'href="sms:988"' in page
    assert 'lang="es"' in page  # the Spanish line is marked for screen readers
    for question_id in ("cssrs_wish_dead", "cssrs_thoughts", "suicide_attempt"):
        assert f'name="{question_id}"' in page
    for follow_up in ("cssrs_method", "cssrs_intent", "cssrs_plan", "suicide_attempt_recent"):
        assert f'name="{follow_up}"' not in visible(page)  # in the page only for the script
    examples = questionnaire().questions["suicide_attempt"].help
    assert text(examples) in page
    # Nobody at the clinic has read anything: no thanks "for telling us".
    assert "telling us" not in page and "told us" not in page


def test_thoughts_of_suicide_ask_the_follow_ups_on_the_same_step(app, client):
    walk(client, EX2, until="safety")
    response = client.post("/screening/safety", data={
        "cssrs_wish_dead": "no", "cssrs_thoughts": "yes", "suicide_attempt": "no"})
    assert response.headers["Location"] == "/screening/safety"  # no question id in the URL
    page = client.get("/screening/safety").get_data(as_text=True)
    for follow_up in ("cssrs_method", "cssrs_intent", "cssrs_plan"):
        assert f'name="{follow_up}"' in page
    assert text(questionnaire().questions["cssrs_plan"].help) in page
    assert "There is a problem" not in page
    assert recorded(app) == [("cssrs_thoughts", "yes")]


def _crisis_page_after_safety(app, client, answers: dict) -> None:
    walk(client, answers, until="safety")
    response = post(client, "safety", answers)
    assert response.headers["Location"] == "/screening/help-now"
    page = client.get("/screening/help-now").get_data(as_text=True)
    step = questionnaire().steps_by_id["safety"]
    assert f"<h1 id=\"help-now-title\">{text(step.crisis_page_title)}</h1>" in page
    # The plain line says nobody has seen the answers, then every way to get help.
    assert page.index(text(step.crisis_page_text)) < page.index('href="tel:911"')
    assert "telling us" not in page
    assert 'href="/screening/gad7"' in page  # the patient can always continue
    assert client.get("/screening/").headers["Location"] == "/screening/gad7"
    assert walk(client, answers) == "/screening/review"


def test_example_14_a_plan_brings_the_crisis_page_after_the_safety_step(app, client):
    _crisis_page_after_safety(app, client, dict(EX2, **baseline(cssrs_thoughts="yes",
                                                                cssrs_plan="yes")))
    page = finish(client)
    assert shown_outcome(page) == "crisis"
    assert stored(app).priority == 1


def test_example_11_a_recent_attempt_brings_the_crisis_page(app, client):
    answers = dict(EX2, suicide_attempt="yes", suicide_attempt_recent="yes")
    _crisis_page_after_safety(app, client, answers)
    assert shown_outcome(finish(client)) == "crisis"


def test_example_12_a_wish_to_be_dead_keeps_the_outcome_after_the_resources(app, client):
    """Low risk: no crisis page mid-way; the result leads with where to get help, then keeps
    "Ketamine treatment may be worth discussing" (the treatment is indicated for them)."""
    answers = dict(EX2, cssrs_wish_dead="yes")
    walk(client, answers, until="safety")
    assert post(client, "safety", answers).headers["Location"] == "/screening/gad7"
    assert walk(client, answers) == "/screening/review"
    page = finish(client)
    assert shown_outcome(page) == "possible_fit"
    assert title("possible_fit") in page
    assert_resources_first(page, 'class="card outcome')
    assert reason("depression_fit") in page and reason("wish_to_be_dead") in page
    assert_no_band_words(page)
    assert ">10</strong> out of 27" in page  # the numbers stay
    row = stored(app)
    assert row.outcome == "possible_fit" and row.flags == ["self_harm"]
    assert row.priority == 3  # sorts above unflagged, but not urgent: no alert email


def test_example_1_resources_first_no_mild_no_mild_concerns(app, client):
    page = complete(client, EX1)
    assert shown_outcome(page) == "other_options_first"
    assert title("other_options_first") in page
    assert_resources_first(page, 'class="card outcome')
    assert reason("self_harm_thoughts") in page
    assert reason("mild_concerns") not in page
    assert "Mild" not in main(page)
    assert_no_band_words(page)


def test_no_flag_keeps_bands_and_no_crisis_block(app, client):
    page = complete(client, EX2)
    assert 'class="crisis"' not in page
    assert "Moderate" in page and "No concern found" in page


# --- worked example 22: a plan taken back from the review page ----------------------------------

def test_example_22_a_plan_taken_back_still_shows_the_crisis_result(app, client):
    answers = dict(EX1, cssrs_thoughts="yes", cssrs_method="no", cssrs_intent="no",
                   cssrs_plan="yes")
    walk(client, answers, until="safety")
    assert post(client, "safety", answers).headers["Location"] == "/screening/help-now"
    assert walk(client, answers) == "/screening/review"
    final = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
    assert change_from_review(client, "phq9", final) == "/screening/review"
    assert change_from_review(client, "safety", final) == "/screening/review"
    review = client.get("/screening/review").get_data(as_text=True)
    assert "cssrs_plan" not in review  # the follow-ups are now disabled

    page = finish(client)
    # The patient sees the crisis result: no lower outcome's title, no reassurance.
    assert shown_outcome(page) == "crisis"
    assert f"<h1>{title('crisis')}</h1>" in page
    assert title("other_options_first") not in page
    assert reason("mild_concerns") not in page and "Mild" not in main(page)
    assert_resources_first(page, 'class="card outcome')
    assert text(questionnaire().texts["consultation"]) in page

    row = stored(app)
    assert row.outcome == "other_options_first"  # staff see the true outcome
    assert row.assessment["scores"]["phq9"]["value"] == 8
    assert "mild_concerns" in {r["id"] for r in row.assessment["rules"]}
    assert row.flags == ["self_harm_changed"]
    assert row.priority == 1  # a plan was answered yes: contact today
    assert set(recorded(app)) >= {("phq9_9", 1), ("cssrs_thoughts", "yes"), ("cssrs_plan", "yes")}

    assert send(client).headers["Location"] == "/screening/sent"
    sent = client.get("/screening/sent").get_data(as_text=True)
    assert text(questionnaire().texts["sent_urgent"]) in sent
    assert sent.index('class="crisis"') < sent.index(text(questionnaire().texts["sent_urgent"]))
    assert "Mild" not in main(sent) and reason("mild_concerns") not in sent


# --- safety answers are recorded from everything posted -----------------------------------------

def test_a_plan_posted_while_thoughts_say_no_is_recorded(app, client):
    """A follow-up revealed by script is posted even when its parent was set back to "no"."""
    walk(client, EX2, until="safety")
    response = post(client, "safety", EX2, cssrs_plan="yes")
    assert response.headers["Location"] == "/screening/gad7"
    assert recorded(app) == [("cssrs_plan", "yes")]
    assert "cssrs_plan" not in stored(app).answers
    page = complete(client, EX2)
    # The plan no longer holds: taken back, high risk: the crisis result and urgency 1.
    assert shown_outcome(page) == "crisis"
    row = stored(app)
    assert row.flags == ["self_harm_changed"] and row.priority == 1


def test_back_records_the_safety_answers_posted(app, client):
    walk(client, EX2, until="safety")
    answers = dict(EX2, cssrs_thoughts="yes", cssrs_intent="yes")
    response = post(client, "safety", answers, action="back")
    assert response.headers["Location"] == "/screening/phq9"
    assert set(recorded(app)) == {("cssrs_thoughts", "yes"), ("cssrs_intent", "yes")}


def test_save_and_continue_later_records_them(app, client):
    walk(client, EX2, until="safety")
    post(client, "safety", dict(EX2, suicide_attempt="yes"), action="save")
    assert recorded(app) == [("suicide_attempt", "yes")]


def test_a_step_with_errors_records_them(app, client):
    walk(client, EX2, until="safety")
    data = {"cssrs_thoughts": "yes", "cssrs_intent": "yes"}  # wish_dead and attempt missing
    response = client.post("/screening/safety", data=data)
    assert response.headers["Location"] == "/screening/safety"
    assert set(recorded(app)) == {("cssrs_thoughts", "yes"), ("cssrs_intent", "yes")}


def test_a_tampered_page_still_records_them(app, client):
    walk(client, EX2, until="safety")
    response = post(client, "safety", dict(EX2, cssrs_wish_dead="yes"), gad7_1="3")
    assert response.headers["Location"] == "/screening/safety"  # refused: nothing saved
    assert "cssrs_wish_dead" not in stored(app).answers
    assert recorded(app) == [("cssrs_wish_dead", "yes")]


def test_the_same_page_posted_again_unchanged_records_a_new_follow_up(app, client):
    walk(client, EX2, until="gad7")
    response = post(client, "safety", EX2, action="back", suicide_attempt_recent="yes")
    assert response.status_code == 302
    assert recorded(app) == [("suicide_attempt_recent", "yes")]


def test_a_stale_safety_page_posted_out_of_order_still_records_them(app, client):
    """The safety step posted before the steps ahead of it are done (an old tab): refused and
    nothing saved, but the plan it carried is on record."""
    walk(client, EX2, until="phq9")
    response = post(client, "safety", dict(EX2, cssrs_thoughts="yes", cssrs_plan="yes"))
    assert response.headers["Location"] == "/screening/phq9"
    assert "cssrs_thoughts" not in stored(app).answers
    assert set(recorded(app)) == {("cssrs_thoughts", "yes"), ("cssrs_plan", "yes")}


# --- adults only (example 23) --------------------------------------------------------------------

def _visited(client, answers: dict) -> list[str]:
    location = client.post("/screening/start").headers["Location"]
    seen = []
    while location.startswith("/screening/") and location != "/screening/review":
        if location == "/screening/help-now":
            location = client.get("/screening/").headers["Location"]
            continue
        step_id = location.rsplit("/", 1)[1]
        seen.append(step_id)
        location = post(client, step_id, answers).headers["Location"]
    return seen


def test_example_23_a_minor_skips_substance_and_health_and_cannot_send(app, client):
    answers = dict(EX2, age_18_plus="no")
    seen = _visited(client, answers)
    assert "substance" not in seen and "health" not in seen
    assert "safety" in seen
    page = finish(client)
    assert shown_outcome(page) == "adults_only"
    assert title("adults_only") in page
    assert text(questionnaire().outcomes_by_id["adults_only"].explanation) in page
    assert text(questionnaire().texts["consultation"]) in page
    # The result keeps the crisis resources (988 to call or text), after the explanation.
    assert page.index('href="tel:988"', page.index('class="card outcome')) > 0
    assert "/screening/send" not in page and "send-offer" not in page
    # The send address refuses, whichever way it is asked: nothing stored.
    assert client.get("/screening/send").headers["Location"] == "/screening/result"
    response = send(client)
    assert response.headers["Location"] == "/screening/result"
    row = stored(app)
    assert row.status == "completed" and row.contact_email is None and row.consent_at is None


def test_a_minor_at_high_risk_sees_the_crisis_result_and_cannot_send(app, client):
    answers = dict(EX2, age_18_plus="no", cssrs_thoughts="yes", cssrs_method="no",
                   cssrs_intent="yes", cssrs_plan="no")
    _visited(client, answers)
    page = finish(client)
    assert shown_outcome(page) == "crisis"
    assert_resources_first(page, 'class="card outcome')
    assert "/screening/send" not in page
    assert send(client).headers["Location"] == "/screening/result"
    assert stored(app).status == "completed"


# --- the SAMHSA helpline --------------------------------------------------------------------------

def test_a_substance_rule_shows_the_samhsa_helpline(app, client):
    helpline = questionnaire().helplines[0]
    page = complete(client, dict(EX2, taps_drugs="weekly", drugs_cannabis_only="no"))
    assert shown_outcome(page) == "other_options_first"
    assert text(helpline.text) in page
    assert 'href="tel:18006624357"' in page


def test_the_helpline_follows_the_crisis_resources_on_a_crisis_result(app, client):
    helpline = questionnaire().helplines[0]
    answers = dict(EX2, sud_history="within_12_months", cssrs_thoughts="yes",
                   cssrs_method="no", cssrs_intent="yes", cssrs_plan="no")
    page = complete(client, answers)
    assert shown_outcome(page) == "crisis"
    assert page.index('class="crisis"') < page.index(text(helpline.text))


def test_no_substance_rule_no_helpline(app, client):
    page = complete(client, EX2)
    assert text(questionnaire().helplines[0].text) not in page


# --- drafts begun under 1.1.0 -------------------------------------------------------------------

OLD_SOURCE = (DATA / "questions-1.1.0.yaml").read_text(encoding="utf-8")
OLD = loads(OLD_SOURCE)


def _begun_under_1_1_0(app, client, old: dict, records: list[tuple[str, object]]) -> None:
    """Make the client's draft one answered under 1.1.0 (its stored text, its answers up to the
    substance step) with ``records`` as its safety answers, as it was before the upgrade."""
    walk(client, EX2, until="about")
    # Answered up to the substance step under 1.1.0 (its safety step asked about a plan).
    steps = ("about", "diagnosis", "phq9", "safety", "gad7", "pain", "substance")
    ids = {q.id for step in OLD.steps if step.id in steps for q in step.questions}
    sha = hashlib.sha256(OLD_SOURCE.encode()).hexdigest()
    with app.app_context():
        db.session.add(QuestionnaireVersion(sha256=sha, questionnaire_id=OLD.id,
                                            version=OLD.version, source=OLD_SOURCE))
        row_id = db.session.scalars(select(Screening.id)).one()
        db.session.execute(update(Screening).where(Screening.id == row_id).values(
            questionnaire_sha256=sha, questionnaire_version="1.1.0",
            answers={k: v for k, v in old.items() if k in ids}))
        for question_id, value in records:
            db.session.add(SafetyAnswer(screening_id=row_id, question_id=question_id,
                                        value=value, recorded_at=stored(app).created_at))
        db.session.commit()


def test_a_draft_begun_under_1_1_0_moves_to_1_2_0_at_the_safety_step(app, client):
    """In progress at the upgrade: retired answers dropped, the others kept, the safety record
    kept; the patient resumes at the safety step, the first with an unanswered question."""
    old = baseline_1_1_0(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), self_harm_plan="no")
    assert "heavy_drinking_past_year" in old and "self_harm_plan" in old
    _begun_under_1_1_0(app, client, old, [("phq9_9", 1)])

    assert client.get("/screening/").headers["Location"] == "/screening/safety"
    row = stored(app)
    assert row.questionnaire_version == "1.2.0"
    assert row.questionnaire_sha256 == questionnaire().source_sha256
    for retired in ("self_harm_plan", "heavy_drinking_past_year", "drug_use_past_year"):
        assert retired not in row.answers
    assert row.answers["phq9_9"] == 1 and row.answers["age_18_plus"] == "yes"
    assert row.answers["suicide_attempt"] == "no"  # same id, now on the safety step
    assert recorded(app) == [("phq9_9", 1)]
    page = client.get("/screening/safety").get_data(as_text=True)
    assert 'name="cssrs_wish_dead"' in page
    # The rest of the way is 1.2.0's, and the result is worked out under 1.2.0.
    final = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))
    assert walk(client, final) == "/screening/review"
    page = finish(client)
    assert shown_outcome(page) == "other_options_first"
    assert stored(app).priority == 3 and stored(app).priority != NO_PRIORITY


def test_a_plan_given_under_1_1_0_is_not_lost_by_the_move(app, client):
    """A plan answered yes under 1.1.0, the draft moved to 1.2.0 (the question is retired), and
    nothing at risk answered after: still the crisis result, urgency 1."""
    old = baseline_1_1_0(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), self_harm_plan="yes")
    _begun_under_1_1_0(app, client, old, [("phq9_9", 1), ("self_harm_plan", "yes")])
    assert client.get("/screening/").headers["Location"] == "/screening/safety"
    assert "self_harm_plan" not in stored(app).answers
    page = complete(client, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)))
    assert shown_outcome(page) == "crisis"
    row = stored(app)
    assert row.flags == ["self_harm_changed", "self_harm"] and row.priority == 1
    assert ("self_harm_plan", "yes") in recorded(app)
