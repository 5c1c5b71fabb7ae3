"""Browser tests: the app in a real gunicorn process on 127.0.0.1, driven by Playwright + Chromium.

Skipped with a reason when Chromium or Playwright is missing, unless REQUIRE_BROWSER=1 (set by
.ci/run), in which case a missing browser is an error: CI must never skip these silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.browser_server import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LiveServer,
                                          missing_reason)


def pytest_collection_modifyitems(config, items):
    reason = missing_reason()
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            # With REQUIRE_BROWSER=1 (CI) nothing is skipped: a missing browser fails the run.
            if reason and os.environ.get("REQUIRE_BROWSER") != "1":
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One app server for the browser session (SQLite, 2 gunicorn workers)."""
    server = LiveServer(tmp_path_factory.mktemp("live")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page (desktop size); screenshots go to test-artifacts/."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10000)
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    """The git-ignored folder for screenshots and PDFs."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's axe.min.js as shipped inside the axe-playwright-python package."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


@pytest.fixture(scope="session")
def submitted() -> dict[str, str]:
    """Contact names of the screenings the journeys sent, by journey (read by the staff tests)."""
    return {}


@pytest.fixture(scope="session", autouse=True)
def accessibility_report():
    """After the session, write test-artifacts/accessibility.json: every page axe checked."""
    yield
    from tests.browser.browser_pages import write_audit_report

    write_audit_report()


@pytest.fixture(scope="session")
def sent_screenings(live_server, browser, questionnaire, submitted) -> dict[str, str]:
    """The screenings of journeys 1 (mouse) and 4 (crisis), sent to the clinic; a journey that
    did not run in this session (``-k``, ``--lf``) is walked here, quickly, by mouse."""
    from tests.browser.answers import SENT
    from tests.browser.browser_patient import complete

    for journey, (answers, contact) in SENT.items():
        if journey not in submitted:
            context = browser.new_context()
            try:
                complete(context.new_page(), live_server.url, questionnaire, answers, contact)
            finally:
                context.close()
            submitted[journey] = contact.name
    return submitted


@pytest.fixture(scope="session")
def staff_accounts(live_server):
    """An intake, a clinician and an admin account, made with ``flask users create``."""
    from tests.browser.browser_staff import create_accounts

    return create_accounts(live_server, {"intake": "Isla Intake", "clinician": "Dr Cleo Clinic",
                                         "admin": "Ada Admin"})
