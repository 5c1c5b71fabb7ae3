"""The wizard's steps: start, each step, back, change from review, skip logic, crisis interrupt."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from screener.patient.session import SESSION_KEY
from screener.extensions import db
from screener.storage.models import Screening, hash_token, utcnow
from tests.helpers import baseline, phq9
from tests.web.wizard_client import questionnaire, step_data, walk


def rows(app) -> list[Screening]:
    with app.app_context():
        found = db.session.scalars(select(Screening)).all()
        db.session.expunge_all()
        return found


def only(app) -> Screening:
    found = rows(app)
    assert len(found) == 1
    return found[0]


def test_landing_offers_start_form_with_privacy_note(client):
    page = client.get("/").get_data(as_text=True)
    assert 'action="/screening/start"' in page and 'method="post"' in page
    assert str(escape(questionnaire().texts["privacy"])) in page
    assert page.count("<h1") == 1


def test_start_creates_a_draft_and_keeps_only_the_token(app, client):
    response = client.post("/screening/start")
    assert response.status_code == 302
    assert response.headers["Location"] == "/screening/about"
    draft = only(app)
    with client.session_transaction() as session:
        token = session[SESSION_KEY]
    assert draft.token_hash == hash_token(token) != token
    assert draft.status == "draft" and draft.answers == {}
    assert (draft.questionnaire_id, draft.questionnaire_version) == ("ketamine-screening", "1.2.0")
    assert draft.questionnaire_sha256 == questionnaire().source_sha256
    assert timedelta(hours=23) < draft.expires_at - utcnow() <= timedelta(hours=24)


def test_start_again_continues_the_same_draft(app, client):
    walk(client, baseline(), until="phq9")
    assert client.post("/screening/start").headers["Location"] == "/screening/phq9"
    assert len(rows(app)) == 1


def test_get_start_shows_landing(client):
    assert client.get("/screening/start").headers["Location"] == "/"


def test_step_page_is_an_accessible_form(client):
    client.post("/screening/start")
    client.post("/screening/about", data={"age_18_plus": "yes"})
    page = client.get("/screening/diagnosis").get_data(as_text=True)
    # Every step is counted from the start (9), so the total never grows mid-way (issue 24)
    assert "Step 2 of 9" in page and '<progress class="progress-meter" max="9" value="2"' in page
    assert page.count("<h1") == 1
    # 1.2.0: five questions; the suicide questions moved to the safety step
    assert page.count("<fieldset") == 5 and page.count("<legend>") == 5
    assert 'name="suicide_attempt"' not in page
    assert page.count('type="checkbox" name="diagnoses"') == 7
    assert 'id="diagnoses-6" value="none"' in page
    assert page.count('type="radio" name="antidepressants_tried"') == 5
    for match in re.finditer(r'<input type="(?:radio|checkbox)"[^>]* id="([^"]+)"', page):
        assert f'<label for="{match.group(1)}">' in page
    assert 'name="csrf_token"' in page
    assert page.index('value="continue"') < page.index('value="back"')  # Enter continues


def test_scale_is_a_radio_group_with_anchor_labels(client):
    walk(client, baseline(chronic_pain="yes"), until="pain_severity")
    page = client.get("/screening/pain_severity").get_data(as_text=True)
    assert page.count('name="peg_1"') == 11
    assert 'value="0"' in page and 'value="10"' in page
    assert "0 = No pain" in page and "10 = Pain as bad as you can imagine" in page
    assert 'aria-describedby="peg_1-anchors"' in page


def test_unknown_step_is_404(client):
    client.post("/screening/start")
    response = client.get("/screening/nope")
    assert response.status_code == 404
    assert b"There is no such page in the screening." in response.data


def test_unreachable_step_redirects_to_first_unanswered(client):
    client.post("/screening/start")
    client.post("/screening/about", data={"age_18_plus": "yes"})
    assert client.get("/screening/gad7").headers["Location"] == "/screening/diagnosis"
    response = client.post("/screening/gad7", data={"gad7_1": "0"})
    assert response.headers["Location"] == "/screening/diagnosis"


def test_disabled_step_redirects(client):
    walk(client, baseline(age_18_plus="no"), until="pain")
    assert client.get("/screening/substance").headers["Location"] == "/screening/pain"
    assert client.get("/screening/pain_severity").headers["Location"] == "/screening/pain"


def test_each_step_saves_typed_answers_and_moves_on(app, client):
    answers = baseline(antidepressants_tried="0", diagnoses=["depression", "anxiety"])
    assert walk(client, answers) == "/screening/review"
    stored = only(app).answers
    assert stored == answers
    assert stored["phq9_1"] == 0 and isinstance(stored["phq9_1"], int)
    assert stored["antidepressants_tried"] == "0"
    assert only(app).current_step == "health"


def test_optional_question_may_stay_blank(app, client):
    answers = baseline()
    assert "phq9_difficulty" not in answers
    walk(client, answers, until="gad7")
    assert "phq9_difficulty" not in only(app).answers


def test_missing_answer_redirects_to_the_step_with_errors_and_keeps_valid_answers(app, client):
    # Post/Redirect/Get (issue 13): a step with errors redirects to itself; the valid answers
    # are saved, but the step still counts as unanswered.
    walk(client, baseline(), until="phq9")
    data = step_data("phq9", baseline())
    del data["phq9_3"]
    response = client.post("/screening/phq9", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/screening/phq9"
    page = client.get("/screening/phq9").get_data(as_text=True)
    assert 'class="error-summary"' in page and "autofocus" in page
    assert 'href="#phq9_3"' in page
    assert '<fieldset class="choices" id="phq9_3" tabindex="-1"' in page
    assert 'aria-describedby="phq9_3-error"' in page
    assert '<p class="field-error" id="phq9_3-error">' in page
    assert "<title>Error: " in page
    assert 'id="phq9_1-0" value="0" checked' in page  # the unsaved choices are kept
    stored = only(app).answers
    assert stored["phq9_1"] == 0 and "phq9_3" not in stored
    assert client.get("/screening/").headers["Location"] == "/screening/phq9"


def test_back_keeps_answers_and_does_not_validate(app, client):
    walk(client, baseline(), until="diagnosis")
    response = client.post("/screening/diagnosis",
                           data={"action": "back", "antidepressants_tried": "2"})
    assert response.headers["Location"] == "/screening/about"
    assert only(app).answers == {"age_18_plus": "yes", "antidepressants_tried": "2"}
    page = client.get("/screening/about").get_data(as_text=True)
    assert 'value="yes" checked' in page
    page = client.get("/screening/diagnosis").get_data(as_text=True)
    assert 'id="antidepressants_tried-2" value="2" checked' in page


def test_back_drops_invalid_choices_but_keeps_stored_ones(app, client):
    walk(client, baseline(), until="phq9")
    before = only(app).answers
    response = client.post("/screening/diagnosis",
                           data={"action": "back", "current_care": "maybe"})
    assert response.headers["Location"] == "/screening/about"
    assert only(app).answers == before


def test_back_from_first_step_goes_to_landing(client):
    client.post("/screening/start")
    response = client.post("/screening/about", data={"action": "back"})
    assert response.headers["Location"] == "/"


def test_review_lists_every_answer_with_change_links(client):
    answers = baseline(diagnoses=["depression", "ptsd"])
    walk(client, answers)
    page = client.get("/screening/review").get_data(as_text=True)
    assert page.count("<h1") == 1
    for step in questionnaire().steps:
        if step.id == "pain_severity":
            assert f'id="review-{step.id}"' not in page
            continue
        assert f'href="/screening/{step.id}?return_to=review#' in page
    assert "Depression (major depressive disorder); PTSD" in page
    assert "More than half the days" not in page and "Not at all" in page


def test_review_before_the_end_redirects_to_first_gap(client):
    walk(client, baseline(), until="gad7")
    assert client.get("/screening/review").headers["Location"] == "/screening/gad7"


def test_change_from_review_returns_to_review(app, client):
    walk(client, baseline())
    page = client.get("/screening/diagnosis?return_to=review").get_data(as_text=True)
    assert 'action="/screening/diagnosis?return_to=review"' in page
    data = step_data("diagnosis", baseline(current_care="no"))
    response = client.post("/screening/diagnosis?return_to=review", data=data)
    assert response.headers["Location"] == "/screening/review"
    assert only(app).answers["current_care"] == "no"


def test_change_that_enables_a_step_asks_it_then_returns_to_review(app, client):
    walk(client, baseline())
    response = client.post("/screening/pain?return_to=review", data={"chronic_pain": "yes"})
    assert response.headers["Location"] == "/screening/pain_severity?return_to=review"
    assert client.get("/screening/review").headers["Location"] == "/screening/pain_severity"
    response = client.post("/screening/pain_severity?return_to=review",
                           data={"peg_1": "5", "peg_2": "6", "peg_3": "7"})
    assert response.headers["Location"] == "/screening/review"
    assert only(app).answers["peg_3"] == 7


def test_skip_logic_turns_pain_severity_on_and_off(app, client):
    walk(client, baseline(chronic_pain="yes", peg_1=4, peg_2=4, peg_3=4))
    assert only(app).answers["peg_1"] == 4
    response = client.post("/screening/pain", data={"chronic_pain": "no"})
    assert response.headers["Location"] == "/screening/substance"
    stored = only(app).answers
    assert stored["chronic_pain"] == "no"
    assert not {"peg_1", "peg_2", "peg_3"} & set(stored)  # answers to the skipped step dropped


def test_the_safety_step_follows_phq9_for_everyone(app, client):
    answers = baseline()
    walk(client, answers, until="phq9")
    response = client.post("/screening/phq9", data=step_data("phq9", answers))
    assert response.headers["Location"] == "/screening/safety"
    page = client.get("/screening/safety").get_data(as_text=True)
    assert "Step 4 of 9" in page
    resources = page.index('class="crisis"')
    question = page.index('name="cssrs_wish_dead"')
    assert page.index("<h1") < resources < question
    for resource in questionnaire().crisis_resources:
        assert str(escape(resource.text)) in page


def test_intent_opens_the_crisis_page_then_continues(app, client):
    answers = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes",
                       cssrs_intent="yes")
    walk(client, answers, until="safety")
    response = client.post("/screening/safety", data=step_data("safety", answers))
    assert response.headers["Location"] == "/screening/help-now"
    page = client.get("/screening/help-now").get_data(as_text=True)
    assert str(escape(questionnaire().steps_by_id["safety"].crisis_page_text)) in page
    assert 'href="tel:988"' in page and 'href="tel:911"' in page
    assert 'href="/screening/gad7"' in page  # the way to continue
    assert only(app).answers["cssrs_intent"] == "yes"


def test_low_risk_answers_continue_directly(client):
    answers = baseline(**phq9(0, 0, 0, 0, 0, 0, 0, 0, 2), cssrs_wish_dead="yes",
                       cssrs_thoughts="yes")
    walk(client, answers, until="safety")
    response = client.post("/screening/safety", data=step_data("safety", answers))
    assert response.headers["Location"] == "/screening/gad7"
    assert client.get("/screening/help-now").headers["Location"] == "/help"


def test_thoughts_changed_to_no_drop_the_follow_up_answers(app, client):
    walk(client, baseline(cssrs_thoughts="yes"))
    assert only(app).answers["cssrs_plan"] == "no"
    client.post("/screening/safety?return_to=review", data=step_data("safety", baseline()))
    stored = only(app).answers
    assert not {"cssrs_method", "cssrs_intent", "cssrs_plan"} & set(stored)
    assert stored["cssrs_thoughts"] == "no"


def test_resume_goes_to_first_unanswered_step(client):
    walk(client, baseline(), until="pain")
    assert client.get("/screening/").headers["Location"] == "/screening/pain"
    page = client.get("/").get_data(as_text=True)
    assert 'href="/screening/"' in page and "Continue where you left off" in page


def test_answers_survive_a_server_restart(app, client, tmp_path):
    from tests.kit.apps import make_app

    walk(client, baseline(), until="pain")
    restarted = make_app(app.config["SQLALCHEMY_DATABASE_URI"])
    other = restarted.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    assert other.get("/screening/").headers["Location"] == "/screening/pain"
    with restarted.app_context():
        db.session.remove()
        db.engine.dispose()


def test_session_cookie_holds_only_the_token(app, client):
    answers = baseline(diagnoses=["ptsd"], **phq9(3, 2, 3, 2, 1, 2, 3, 2, 0))
    walk(client, answers)
    cookie = client.get_cookie("session").value
    data = app.session_interface.get_signing_serializer(app).loads(cookie)
    # and the page's language (issue 27: "en" or "es", nothing about the answers)
    assert set(data) <= {SESSION_KEY, "csrf_token", "_permanent", "_flashes", "language"}
    assert data.get("language", "en") in ("en", "es")
    assert "ptsd" not in cookie and "ptsd" not in str(data)
    assert client.get_cookie("session").http_only
    assert client.get_cookie("session").same_site == "Lax"


def test_start_over_deletes_the_draft(app, client):
    walk(client, baseline(), until="gad7")
    response = client.post("/screening/restart", data={"confirm": "yes"})
    assert response.headers["Location"] == "/"
    assert rows(app) == []
    page = client.get("/").get_data(as_text=True)
    assert "Your answers have been deleted." in page
    assert client.get("/screening/about").headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/screening/about", "/screening/review", "/screening/result",
                                  "/screening/send", "/screening/sent", "/screening/help-now",
                                  "/screening/"])
def test_every_wizard_page_needs_a_screening(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_every_page_footer_says_it_is_not_a_diagnosis_from_questions_yaml(client):
    from markupsafe import escape

    disclaimer = questionnaire().texts["page_disclaimer"]
    for path in ("/", "/help", "/no-such-page"):
        assert str(escape(disclaimer)) in client.get(path).get_data(as_text=True), path


def test_start_over_asks_first_and_a_post_without_the_confirmation_deletes_nothing(app, client):
    """Issue 24: no answers lost to a stray click 55 px below "Save and continue later"."""
    walk(client, baseline(), until="gad7")
    step = client.get("/screening/gad7").get_data(as_text=True)
    assert 'href="/screening/restart"' in step and 'action="/screening/restart"' not in step
    page = client.get("/screening/restart").get_data(as_text=True)
    assert "Delete all your answers and start again?" in page
    assert 'name="confirm" value="yes"' in page and "No, keep my answers" in page
    for data in ({}, {"confirm": "no"}, {"confirm": ""}):
        response = client.post("/screening/restart", data=data)
        assert response.headers["Location"] == "/screening/restart"
        assert len(rows(app)) == 1
    assert client.get("/screening/gad7").status_code == 200


def test_start_over_keeps_the_safety_answers_of_nothing_it_did_not_delete(app, client):
    """A self-harm answer is never lost to an unconfirmed start over."""
    from tests.helpers import phq9
    walk(client, baseline(**phq9(0, 0, 0, 0, 0, 0, 0, 0, 2)), until="gad7")
    client.post("/screening/restart")
    [row] = rows(app)
    assert row.answers["phq9_9"] == 2
