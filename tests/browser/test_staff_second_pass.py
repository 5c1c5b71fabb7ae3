"""Issue 25 in a real browser, at 1280×900 and on a 390×844 phone: "Next" after "Mark contacted"
opens the next urgent case; a note typed while the login times out is found again after logging
in (password and code); the first queue row is on the first screen."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from tests.browser.browser_patient import path_of
from tests.browser.browser_staff import (age_staff_session, create_account, give_second_factor, log_in,
                                 password_for)
from tests.helpers import baseline, phq9

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PLAN = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1), cssrs_thoughts="yes", cssrs_plan="yes")


def seed(server, tag: str) -> None:
    """Three urgent submissions (oldest first) and an old routine one, named after ``tag``."""
    from tests.kit.apps import make_app
    from tests.factories import make_submission

    app = make_app(f"sqlite:///{server.database}")
    with app.app_context():
        for number in range(3):
            make_submission(PLAN, name=f"{tag} Urgent {number}", email=None,
                            phone="+1 555 0100", submitted_ago=timedelta(hours=9 - number))
        make_submission(baseline(), name=f"{tag} Routine", submitted_ago=timedelta(days=232))
        from screener.extensions import db
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sized_page(browser, request):
    context = browser.new_context(viewport=SIZES[request.param])
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.mark.parametrize("sized_page", list(SIZES), indirect=True)
def test_next_after_mark_contacted_opens_the_next_urgent_case(live_server, sized_page):
    page = sized_page
    tag = "Nx" + secrets.token_hex(3)
    seed(live_server, tag)
    nurse = create_account(live_server, "intake", "Nina Next")
    log_in(page, live_server.url, nurse)
    page.goto(f"{live_server.url}/staff/?q={tag}")
    first = page.locator("table.queue tbody tr").first
    assert first.is_visible() and first.bounding_box()["y"] < page.viewport_size["height"], \
        "the first queue row is on the first screen"
    page.get_by_role("link", name=f"{tag} Urgent 0").click()
    page.wait_for_load_state()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Mark contacted").click()
    assert page.get_by_text("Marked as contacted").is_visible()
    with page.expect_navigation(wait_until="load"):
        page.locator('a[rel="next"]').click()
    assert page.get_by_role("heading", level=1).inner_text() == f"{tag} Urgent 1"
    with page.expect_navigation(wait_until="load"):
        page.locator('a[rel="next"]').click()
    assert page.get_by_role("heading", level=1).inner_text() == f"{tag} Urgent 2"


@pytest.mark.parametrize("sized_page", list(SIZES), indirect=True)
def test_a_note_typed_as_the_login_expires_is_back_after_logging_in(live_server, sized_page):
    page = sized_page
    tag = "Kp" + secrets.token_hex(3)
    seed(live_server, tag)
    nurse = create_account(live_server, "intake", "Kim Kept")
    log_in(page, live_server.url, nurse)
    page.goto(f"{live_server.url}/staff/?q={tag}")
    page.get_by_role("link", name=f"{tag} Urgent 0").click()
    page.wait_for_load_state()
    detail = path_of(page)
    note = f"Long call with {tag}: safe tonight, sister staying, call back at 9."
    page.locator("#body").fill(note)
    # The login times out while the nurse types (as with a short STAFF_IDLE_MINUTES).
    idle = int(live_server.env.get("STAFF_IDLE_MINUTES", "15"))
    assert age_staff_session(live_server, nurse.email, idle + 1) == 1
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save note").click()
    assert path_of(page) == "/staff/login"
    assert page.get_by_text("what you typed is kept").is_visible()
    page.get_by_label("Email").fill(nurse.email)
    page.get_by_label("Password").fill(password_for(nurse.email, nurse.password))
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Log in").click()
    give_second_factor(page, nurse.email)
    assert path_of(page) == detail, "back on the same submission"
    assert page.locator("#body").input_value() == note
    assert page.get_by_text("back in the form").is_visible()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save note").click()
    assert page.get_by_text("Note added.").is_visible()
    assert page.get_by_text(note).is_visible()


def test_idle_warning_a_minute_before_and_stay_logged_in(live_server, page):
    """With the page's clock run forward to a minute before STAFF_IDLE_MINUTES, the warning
    shows; "Stay logged in" makes a request that restarts the login's idle clock."""
    nurse = create_account(live_server, "intake", "Ida Idle")
    page.clock.install()
    log_in(page, live_server.url, nurse)
    page.goto(live_server.url + "/staff/")
    warning = page.locator("#idle-warning")
    assert warning.is_hidden()
    idle = int(live_server.env.get("STAFF_IDLE_MINUTES", "15"))
    page.clock.run_for((idle - 1) * 60 * 1000 + 1000)
    assert warning.is_visible()
    assert "ends in a minute" in warning.inner_text()
    # The server's clock has not moved: age the login as if the minutes had passed.
    assert age_staff_session(live_server, nurse.email, idle - 1) == 1
    with page.expect_response(lambda r: r.url.endswith("/staff/still-here")) as answer:
        page.get_by_role("button", name="Stay logged in").click()
    assert answer.value.status == 204
    assert warning.is_hidden()
    assert seconds_since_seen(live_server, nurse.email) < 60, "the idle clock started again"


def seconds_since_seen(server, email: str) -> float:
    """Seconds since the account's live login was last seen by the server."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(server.database, timeout=15)) as db:
        return db.execute(
            "SELECT (julianday('now') - julianday(last_seen_at)) * 86400 FROM staff_sessions"
            " WHERE ended_at IS NULL AND user_id = (SELECT id FROM staff_users WHERE email = ?)",
            (email,)).fetchone()[0]


def test_a_shortcut_keeps_the_current_row(live_server, page):
    """"j" twice, then "a" (assign to me): after the reload the same submission is current."""
    tag = "Sc" + secrets.token_hex(3)
    seed(live_server, tag)
    nurse = create_account(live_server, "intake", "Sam Shortcut")
    log_in(page, live_server.url, nurse)
    page.goto(f"{live_server.url}/staff/?q={tag}")
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    current = page.locator("table.queue tbody tr.current th[scope=row]").inner_text()
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("a")
    assert page.get_by_text("1 submission assigned to Sam Shortcut").is_visible()
    assert page.locator("table.queue tbody tr.current th[scope=row]").inner_text() == current
