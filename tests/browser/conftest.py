"""Browser tests: the app in a real gunicorn process on 127.0.0.1, driven by Playwright + Chromium.

Skipped with a reason when Chromium or Playwright is missing, unless REQUIRE_BROWSER=1 (set by
.ci/run), in which case a missing browser is an error: CI must never skip these silently.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.kit.servers import PROJECT_ROOT, GunicornServer, flask_cli, server_env

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CLINIC_TIMEZONE = "America/New_York"  # a clinic away from UTC: journeys see a real local zone


def _missing_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing_reason()
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            # With REQUIRE_BROWSER=1 (CI) nothing is skipped: a missing browser fails the run.
            if reason and os.environ.get("REQUIRE_BROWSER") != "1":
                item.add_marker(pytest.mark.skip(reason=reason))


class LiveServer(GunicornServer):
    """The app on a fresh, migrated SQLite file in development mode, 2 gunicorn workers."""

    def __init__(self, tmp: Path):
        self.database = tmp / "browser.sqlite3"
        # memory:// as the rate-limit store: journeys start many screenings from one address.
        super().__init__(server_env(f"sqlite:///{self.database}", "development",
                                    RATELIMIT_STORAGE_URI="memory://",
                                    CLINIC_TIMEZONE=CLINIC_TIMEZONE), tmp / "server.log")

    def start(self, timeout: float = 30, ready_path: str = "/healthz") -> "LiveServer":
        result = flask_cli(self.env, "db", "upgrade")
        assert result.returncode == 0, result.stderr
        return super().start(timeout, ready_path)


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


def check_accessibility(page, axe_source: str) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA) on the page; return the violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # evaluated through the DevTools protocol: CSP does not apply
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def chromium_available() -> bool:
    return _missing_reason() is None and shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="session")
def submitted() -> dict[str, str]:
    """Contact names of the screenings the journeys sent, by journey (read by the staff tests)."""
    return {}


@pytest.fixture(scope="session", autouse=True)
def accessibility_report():
    """After the session, write test-artifacts/accessibility.json: every page axe checked."""
    yield
    from tests.browser.pages import write_audit_report

    write_audit_report()


@pytest.fixture(scope="session")
def sent_screenings(live_server, browser, questionnaire, submitted) -> dict[str, str]:
    """The screenings of journeys 1 (mouse) and 4 (crisis), sent to the clinic; a journey that
    did not run in this session (``-k``, ``--lf``) is walked here, quickly, by mouse."""
    from tests.browser.answers import SENT
    from tests.browser.patient import complete

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
    from tests.browser.staff import create_accounts

    return create_accounts(live_server, {"intake": "Isla Intake", "clinician": "Dr Cleo Clinic",
                                         "admin": "Ada Admin"})
