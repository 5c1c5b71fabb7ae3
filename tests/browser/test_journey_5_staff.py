"""Journey 5: intake staff work the queue; idle sessions end; staff error pages."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.browser.browser_server import CLINIC_TIMEZONE
from tests.browser.browser_pages import assert_accessible, snap
from tests.browser.browser_patient import path_of
from tests.browser.browser_staff import (age_staff_session, create_account, ended_sessions, log_in,
                                 log_out, queue_rows)


def expected_order(rows: list[dict], questionnaire) -> list[str]:
    """Flagged first (by the flags' urgency in the questionnaire: 1 and 2 are urgent, 3 such as
    self_harm still sorts above the unflagged), longest waiting first within an urgency (issue
    15), then newest first. Every row here is new, so every flag with an urgency counts; a flag
    without urgency (1.1.0's past_attempt) is shown but leaves the row among the routine ones."""
    urgency = {flag.id: flag.urgency for flag in questionnaire.flags if flag.urgent}
    no_flag = max(urgency.values()) + 1

    def priority(row):
        return min((urgency[f] for f in row["flags"] if f in urgency), default=no_flag)

    by_time = sorted(rows, key=lambda row: row["received"], reverse=True)
    ordered = sorted(by_time, key=priority)
    urgent = sorted((r for r in ordered if priority(r) < no_flag),
                    key=lambda row: (priority(row), row["received"]))
    return [row["name"] for row in urgent + [r for r in ordered if priority(r) == no_flag]]


@pytest.mark.slow
def test_intake_staff_work_a_submission(live_server, page, axe_source, questionnaire,
                                        sent_screenings):
    intake = create_account(live_server, "intake", "Ivy Intake")

    page.goto(live_server.url + "/staff/")
    assert path_of(page) == "/staff/login", "the queue needs a login"
    assert_accessible(page, axe_source, "staff:login")
    snap(page, "staff-login")
    log_in(page, live_server.url, intake, password="not-the-password-123")
    assert page.get_by_text("Email or password is incorrect.").is_visible()
    assert_accessible(page, axe_source, "staff:login-error")

    log_in(page, live_server.url, intake)
    assert path_of(page) == "/staff/"
    rows = queue_rows(page)
    names = [row["name"] for row in rows]
    mouse, urgent = sent_screenings["mouse"], sent_screenings["crisis"]
    assert names == expected_order(rows, questionnaire), names
    assert names[0] == urgent and rows[0]["flags"], "the flagged submission is on top"
    mine = rows[names.index(mouse)]
    urgent_flags = {flag.id for flag in questionnaire.flags if flag.urgent}
    above = [r for r in rows
             if urgent_flags & set(r["flags"]) or r["received"] > mine["received"]]
    assert names.index(mouse) == len(above), "below every flagged row and every newer one"
    assert_accessible(page, axe_source, "staff:queue")
    snap(page, "staff-queue")
    # Times and date filters in the clinic's zone (issue 13; CLINIC_TIMEZONE of the test server).
    assert f"clinic's time zone ({CLINIC_TIMEZONE})" in page.inner_text("main")
    assert re.search(r"\d\d:\d\d E[SD]T", page.locator("table").inner_text())

    page.get_by_role("link", name=mouse, exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == mouse
    assert_accessible(page, axe_source, "staff:detail")
    snap(page, "staff-detail")

    page.get_by_role("button", name="Mark in review").click()
    page.wait_for_load_state()
    assert page.get_by_text("Marked as in review.").is_visible()
    workflow = page.locator("#workflow")
    assert workflow.locator(".status").first.inner_text() == "In review"

    page.get_by_role("button", name="Save note").click()  # an empty note is refused
    page.wait_for_load_state()
    assert page.locator("#body-error").is_visible()
    assert_accessible(page, axe_source, "staff:detail-note-error")
    note = "Left a voicemail; will call again tomorrow morning."
    page.get_by_label("Add a note").fill(note)
    page.get_by_role("button", name="Save note").click()
    page.wait_for_load_state()
    assert page.get_by_text("Note added.").is_visible()
    added = page.locator("#notes .note", has_text=note)
    assert intake.name in added.inner_text()

    page.goto(live_server.url + "/staff/")
    row = page.locator("table.queue tbody tr", has_text=mouse)
    assert "In review" in row.inner_text()

    log_out(page)
    assert path_of(page) == "/staff/login"
    assert page.get_by_text("You have been logged out.").is_visible()
    page.goto(live_server.url + "/staff/")
    assert path_of(page) == "/staff/login", "logged out means logged out"


def test_an_idle_staff_session_ends(live_server, page):
    # An account of its own: the session-wide accounts may hold sessions other tests left open
    # (a closed browser context does not log out), which this test would age and count too.
    intake = create_account(live_server, "intake", "Ida Idle")
    log_in(page, live_server.url, intake)
    assert path_of(page) == "/staff/"
    page.goto(live_server.url + "/staff/")
    assert path_of(page) == "/staff/", "an active session carries on"

    idle = int(live_server.env.get("STAFF_IDLE_MINUTES", "15"))
    assert age_staff_session(live_server, intake.email, idle + 1) == 1
    page.goto(live_server.url + "/staff/")
    assert path_of(page) == "/staff/login"
    assert page.get_by_text("Your session has ended. Please log in again.").is_visible()
    assert ended_sessions(live_server, intake.email) == 1


def test_staff_error_pages_and_admin_pages(live_server, page, axe_source, staff_accounts):
    log_in(page, live_server.url, staff_accounts["intake"])
    response = page.goto(live_server.url + "/staff/audit")
    assert response.status == 403
    assert_accessible(page, axe_source, "error:403")
    snap(page, "error-403", sizes=("desktop",))
    response = page.goto(f"{live_server.url}/staff/submissions/{uuid.uuid4()}")
    assert response.status == 404
    assert_accessible(page, axe_source, "error:404-staff")
    response = page.goto(live_server.url + "/staff/?from=yesterday")
    assert response.status == 400
    assert_accessible(page, axe_source, "staff:queue-filter-error")
    response = page.goto(live_server.url + "/no-such-page")
    assert response.status == 404
    assert page.get_by_role("link", name=re.compile("start page")).is_visible()
    assert_accessible(page, axe_source, "error:404")
    snap(page, "error-404", sizes=("phone",))

    page.goto(live_server.url + "/staff/")
    log_out(page)
    log_in(page, live_server.url, staff_accounts["admin"])
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Audit log").is_visible()
    assert page.locator("table tbody tr").count() > 0
    assert_accessible(page, axe_source, "staff:audit-log")
    snap(page, "staff-audit-log", sizes=("desktop",))
    page.get_by_role("link", name="Users").click()
    page.wait_for_load_state()
    assert_accessible(page, axe_source, "staff:users")
