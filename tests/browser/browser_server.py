"""What the browser tests run against: Debian's Chromium and the app in gunicorn on 127.0.0.1.

Test modules import these from here; tests/browser/conftest.py only turns them into fixtures.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.kit.servers import PROJECT_ROOT, GunicornServer, flask_cli, server_env

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CLINIC_TIMEZONE = "America/New_York"  # a clinic away from UTC: journeys see a real local zone


def missing_reason() -> str | None:
    """Why the browser tests cannot run here (no Chromium, no Playwright), or None."""
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    return None


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
