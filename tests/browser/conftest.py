"""Browser tests: the app in a real gunicorn process on 127.0.0.1, driven by Playwright + Chromium.

Skipped with a reason when Chromium or Playwright is missing, unless REQUIRE_BROWSER=1 (set by
.ci/run), in which case a missing browser is an error: CI must never skip these silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SECRET = "browser-test-secret-key-0123456789abcdef"


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a server process under test."""
    env = dict(os.environ)
    env.update({
        "SCREENER_ENV": "development",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def flask_cli(env: dict[str, str], *args: str, input_text: str | None = None):
    """Run ``flask --app screener ARGS`` as a subprocess and return the completed process."""
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.run([flask, "--app", "screener", *args], env=env, cwd=PROJECT_ROOT,
                          input=input_text, capture_output=True, text=True, timeout=60)


class LiveServer:
    """A gunicorn process serving the app; stopped by PID when the fixture ends."""

    def __init__(self, tmp: Path, **extra_env: str):
        self.database = tmp / "browser.sqlite3"
        self.env = server_env(f"sqlite:///{self.database}", **extra_env)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (tmp / "server.log").open("w")
        self.process: subprocess.Popen | None = None

    def start(self) -> "LiveServer":
        result = flask_cli(self.env, "db", "upgrade")
        assert result.returncode == 0, result.stderr
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--config", str(PROJECT_ROOT / "gunicorn.conf.py"), "screener:create_app()"],
            env=dict(self.env, GUNICORN_BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY="2"),
            cwd=PROJECT_ROOT, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the test server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


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
