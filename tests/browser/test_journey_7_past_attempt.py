"""Journey 7: a suicide attempt in the past 3 months, told on the safety step — the follow-up
question appears on the same step, the crisis page follows it, and the result (the crisis
result, help first) and the staff page show the notes and the urgent flag."""

from __future__ import annotations

from tests.browser.answers import PAST_ATTEMPT as ANSWERS, PAST_ATTEMPT_CONTACT as CONTACT
from tests.browser.browser_pages import assert_accessible, snap
from tests.browser.browser_patient import (answer_by_mouse, current_step, group, outcome_of, path_of,
                                   press_continue, send_from_result, start, walk_steps)
from tests.browser.browser_staff import create_account, log_in, log_out


def test_a_recent_attempt_brings_help_after_the_safety_step(live_server, page, axe_source,
                                                            questionnaire):
    start(page, live_server.url)
    walk_steps(page, questionnaire, ANSWERS, until="safety")
    safety = questionnaire.steps_by_id["safety"]
    follow_up = questionnaire.questions["suicide_attempt_recent"]
    heading = page.get_by_role("heading", level=1)
    assert safety.title in heading.inner_text()
    assert group(page, follow_up).count() == 0, "asked only after a yes"

    # "Yes" to the lifetime question: the question asking when appears in place, under it
    # (wizard.js; without script the step is shown again with it: journey 3).
    url = page.url
    group(page, questionnaire.questions["suicide_attempt"]).get_by_label(
        "Yes", exact=True).check()
    assert group(page, follow_up).is_visible() and page.url == url
    assert page.locator("#error-summary").count() == 0, "a new question, not an error"
    assert group(page, questionnaire.questions["suicide_attempt"]).get_by_label(
        "Yes", exact=True).is_checked(), "the first answer is kept"
    snap(page, "safety-follow-up")
    assert_accessible(page, axe_source, "step:safety-follow-up")

    # "Yes, in the past 3 months": the crisis page, help first, then a way on.
    answer_by_mouse(page, safety, ANSWERS)
    press_continue(page)
    assert path_of(page) == "/screening/help-now"
    assert heading.inner_text() == safety.crisis_page_title
    assert safety.crisis_page_text in page.inner_text("main")
    for resource in questionnaire.crisis_resources:
        item = page.locator("section.crisis li", has_text=resource.text)
        assert item.is_visible()
        for link in resource.links:
            assert item.get_by_role("link", name=link.text, exact=True).first.get_attribute(
                "href") == link.href
    snap(page, "crisis-after-safety")
    assert_accessible(page, axe_source, "crisis-page:safety")
    page.get_by_role("link", name="Continue the screening").click()
    page.wait_for_load_state()
    assert current_step(page, questionnaire).id == "gad7"
    assert page.locator("h1 small.instrument").inner_text() == "GAD-7"

    walk_steps(page, questionnaire, ANSWERS)
    assert path_of(page) == "/screening/review"
    review = page.inner_text("main")
    for question_id in ("suicide_attempt_recent", "taps_alcohol", "medications"):
        question = questionnaire.questions[question_id]
        assert question.text in review and question.label_for(ANSWERS[question_id]) in review
    page.get_by_role("button", name="See my result").first.click()
    page.wait_for_load_state()

    assert outcome_of(page) == "crisis"
    assert "crisis" in page.locator("main h1 + *").get_attribute("class"), "help comes first"
    result = page.inner_text("main")
    rules = {rule.id: rule.reason for rule in questionnaire.rules}
    for rule_id in ("recent_suicide_attempt", "medication_review", "precaution_unsure",
                    "prior_ketamine"):
        assert rules[rule_id] in result, rule_id
    # A crisis result reads no lower outcome's reason (weekly drinking: other options first) ...
    assert rules["current_substance_use"] not in result
    # ... but the SAMHSA helpline follows the crisis resources, and no band word is shown.
    helpline = questionnaire.helplines[0]
    assert helpline.text in result
    assert result.index(questionnaire.crisis_resources[0].text) < result.index(helpline.text)
    cage = questionnaire.scores_by_id["cage_aid"]
    assert cage.bands[0].patient_text not in result
    snap(page, "result-recent-attempt")
    assert_accessible(page, axe_source, "result:recent-attempt")
    send_from_result(page, CONTACT)

    # Staff (an account of its own: other journeys count the shared accounts' sessions): the
    # rule ids and the urgent flag.
    log_in(page, live_server.url, create_account(live_server, "intake", "Petra Pastcheck"))
    page.get_by_role("link", name=CONTACT.name, exact=True).click()
    page.wait_for_load_state()
    assert questionnaire.flags_by_id["urgent_now"].label in page.inner_text("main")
    for rule_id in ("recent_suicide_attempt", "current_substance_use", "medication_review"):
        assert page.locator("code", has_text=rule_id).first.is_visible()
    assert_accessible(page, axe_source, "staff:detail-recent-attempt")
    log_out(page)
