"""Issue 15 in a real browser: "Assign to me" and "Save assignment", bulk assign, keyboard
shortcuts, the queue as cards on a phone, compact filters without JavaScript; axe on each."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.browser_pages import assert_accessible, assert_accessible_without_script, snap
from tests.browser.browser_patient import (Contact, answer_by_mouse, complete, path_of, press_continue,
                                   send_from_result, start, walk_steps)
from tests.browser.browser_staff import create_account, log_in, queue_rows
from tests.helpers import baseline, phq9

IN_VIEW = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.top >= 0 && box.bottom <= innerHeight;
}"""


def mine_count(page) -> str:
    return page.locator("header a.mine .count").inner_text()


def test_assign_to_me_and_save_assignment(live_server, page, axe_source, sent_screenings):
    nurse = create_account(live_server, "intake", "Nina Nurse")
    colleague = create_account(live_server, "clinician", "Dr Colm Colleague")
    log_in(page, live_server.url, nurse)
    assert mine_count(page) == "0"
    mouse = sent_screenings["mouse"]
    page.get_by_role("link", name=mouse, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(mouse)
    assert_accessible(page, axe_source, "staff:detail-issue15")

    page.get_by_role("button", name="Assign to me").click()
    flash = page.locator("#flashes")
    expect(flash).to_contain_text("Assigned to Nina Nurse.")
    assert page.evaluate(IN_VIEW, "#flashes"), "the confirmation is in view after the action"
    expect(page.locator("#workflow")).to_contain_text(re.compile(r"Assigned to\s*Nina Nurse"))
    assert mine_count(page) == "1"
    expect(page.get_by_role("button", name="Assign to me")).to_have_count(0)

    page.get_by_label("Assign to", exact=True).select_option(label="Dr Colm Colleague (clinician)")
    page.get_by_role("button", name="Save assignment").click()
    expect(page.locator("#flashes")).to_contain_text("Assigned to Dr Colm Colleague.")
    assert mine_count(page) == "0"

    page.get_by_role("button", name="Assign to me").click()  # on a colleague's: mine, always
    expect(page.locator("#flashes")).to_contain_text("Assigned to Nina Nurse.")
    history = page.locator("#history").inner_text()
    assert "Nina Nurse · assigned to Dr Colm Colleague" in history
    assert colleague.email not in history and nurse.email not in history

    page.get_by_label("Reached").check()
    page.get_by_role("button", name="Record attempt").click()
    expect(page.locator("#suggest-contacted")).to_be_visible()
    assert_accessible(page, axe_source, "staff:detail-after-attempt")


def test_bulk_assign_and_shortcuts(live_server, page, axe_source, sent_screenings):
    lead = create_account(live_server, "intake", "Lea Lead")
    log_in(page, live_server.url, lead)
    rows = queue_rows(page)
    assert len(rows) >= 2
    first, second = rows[0]["name"], rows[1]["name"]
    page.get_by_label(f"Select {first}", exact=True).check()
    page.get_by_label(f"Select {second}", exact=True).check()
    page.get_by_label("With the selected").select_option("assign")
    page.locator("#bulk-assignee").select_option("me")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator("#flashes")).to_contain_text("2 submissions assigned to Lea Lead.")
    assert mine_count(page) == "2"
    page.get_by_role("link", name=re.compile("^Assigned to me")).click()
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    assert_accessible(page, axe_source, "staff:queue-issue15")

    page.goto(live_server.url + "/staff/")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()
    page.keyboard.press("j")
    expect(page.locator("table.queue tbody tr").first).to_have_class(re.compile("current"))
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("table.queue tbody tr").first).to_have_class(re.compile("current"))
    with page.expect_navigation():
        page.keyboard.press("o")
    assert path_of(page).startswith("/staff/submissions/")
    expect(page.get_by_role("heading", level=1)).to_have_text(first)
    with page.expect_navigation():
        page.keyboard.press("k")  # back to the queue
    assert path_of(page) == "/staff/"


def test_queue_on_a_phone_is_cards_without_sideways_scrolling(live_server, browser, axe_source,
                                                              sent_screenings):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10000)
    try:
        reader = create_account(live_server, "intake", "Pia Phone")
        log_in(page, live_server.url, reader)
        expect(page.locator("table.queue tbody tr").first).to_be_visible()
        widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], widths
        card = page.locator("table.queue tbody tr").first
        for label in ("Outcome", "Flags", "Status", "Received"):
            cell = card.locator(f'td[data-label="{label}"]')
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (label, box)
        assert_accessible(page, axe_source, "staff:queue-phone")
        snap(page, "staff-queue-issue15", sizes=("phone",))
        page.get_by_role("link", name=sent_screenings["mouse"], exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], widths
    finally:
        context.close()


def test_more_filters_open_without_javascript(live_server, browser, axe_source, staff_accounts):
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10000)
    try:
        log_in(page, live_server.url, staff_accounts["intake"])
        outcome = page.get_by_label("Outcome", exact=True)
        expect(outcome).to_be_hidden()
        page.get_by_text("More filters").click()
        expect(outcome).to_be_visible()
        form_height = page.locator("form.filters").bounding_box()["height"]
        outcome.select_option("crisis")
        with page.expect_navigation():
            page.get_by_role("button", name="Apply filters").click()
        assert "outcome=crisis" in page.url
        expect(page.locator("details.more-filters")).to_have_attribute("open", "")
        assert form_height < 300, form_height
        assert_accessible_without_script(browser, page, axe_source, "staff:queue-more-filters")
    finally:
        context.close()


# Issue 21: "a nurse seeing both in the queue in the right order". A patient with severe
# depression and a wish to be dead (low risk: self_harm, urgency 3), and one who answered "yes" to
# a plan, saw the crisis page, then took the thoughts back from the review page (self_harm_changed
# at urgency 1). Both send their answers through the real wizard.
LOW_RISK = baseline(cssrs_wish_dead="yes", **phq9(3, 3, 3, 2, 2, 2, 2, 1, 0))
LOW_RISK_CONTACT = Contact(name="Wren Wishdead", email="wren.low@example.com",
                           method_label="Email")
PLAN_GIVEN = baseline(cssrs_thoughts="yes", cssrs_plan="yes", **phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
PLAN_TAKEN_BACK = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
PLAN_CONTACT = Contact(name="Tara Takenback", phone="555 010 0142", method_label="Phone call")
SHOTS = Path("/tmp/shots")


def take_back_a_plan(page, base_url: str, questionnaire) -> None:
    """Answer a plan, pass the crisis page, then change the safety step from the review page."""
    start(page, base_url)
    walk_steps(page, questionnaire, PLAN_GIVEN)
    assert path_of(page) == "/screening/help-now", "a plan brings the crisis page"
    page.get_by_role("link", name=re.compile("Continue")).first.click()
    page.wait_for_load_state()
    walk_steps(page, questionnaire, PLAN_GIVEN)
    assert path_of(page) == "/screening/review"
    page.goto(base_url + "/screening/safety?return_to=review")
    answer_by_mouse(page, questionnaire.steps_by_id["safety"], PLAN_TAKEN_BACK)
    press_continue(page)
    assert path_of(page) == "/screening/review"
    page.get_by_role("button", name="See my result").first.click()
    page.wait_for_load_state()
    send_from_result(page, PLAN_CONTACT)


def test_the_queue_puts_a_taken_back_plan_above_a_low_risk(live_server, browser, page,
                                                           axe_source, questionnaire):
    for walk in ("low", "plan"):  # each patient on a browser of their own
        context = browser.new_context()
        try:
            patient = context.new_page()
            if walk == "low":
                complete(patient, live_server.url, questionnaire, LOW_RISK, LOW_RISK_CONTACT)
            else:
                take_back_a_plan(patient, live_server.url, questionnaire)
        finally:
            context.close()
    nurse = create_account(live_server, "intake", "Nell Nightshift")
    log_in(page, live_server.url, nurse)
    rows = {row["name"]: row for row in queue_rows(page)}
    names = [row["name"] for row in queue_rows(page)]
    plan, low = PLAN_CONTACT.name, LOW_RISK_CONTACT.name
    assert rows[plan]["flags"] == ["self_harm_changed"]
    assert "self_harm" in rows[low]["flags"]
    assert names.index(plan) < names.index(low), names
    unflagged = [i for i, name in enumerate(names) if not rows[name]["flags"]]
    assert all(names.index(low) < i for i in unflagged), "flagged above every unflagged row"
    plan_row = page.locator("table.queue tbody tr", has_text=plan)
    low_row = page.locator("table.queue tbody tr", has_text=low)
    expect(plan_row).to_have_class("row-urgent")
    expect(low_row).to_have_class("row-flagged")
    assert_accessible(page, axe_source, "staff:queue-suicide-risk")
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "b2-queue-taken-back-plan-above-low-risk.png"),
                    full_page=True)

    plan_row.get_by_role("link", name=plan).click()
    page.wait_for_load_state()
    urgent = page.locator(".urgent-panel")
    expect(urgent).to_contain_text("urgency 1")
    safety = page.locator("#safety-answers")
    expect(safety.locator('tr[data-question="cssrs_plan"]')).to_contain_text("Yes")
    expect(page.locator("#patient-saw")).to_contain_text("crisis result")
    assert_accessible(page, axe_source, "staff:detail-taken-back-plan")
    page.screenshot(path=str(SHOTS / "b2-detail-taken-back-plan.png"), full_page=True)
