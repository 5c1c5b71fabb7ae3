"""The app under test: its test settings, the files tests read, and migrating a database.

Test modules import these from here (never from a conftest, which pytest loads by itself).
"""

from __future__ import annotations

import time
from pathlib import Path

from screener import create_app
from screener.web.clock import CLOCK_KEY

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = PROJECT_ROOT / "questions.yaml"
DATA = PROJECT_ROOT / "tests" / "data"

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "QUESTIONNAIRE_PATH": str(QUESTIONS),
}


def make_app(database_url: str, **overrides):
    """An app on ``database_url`` with the test settings, and a clock that stands still for
    second factors and login throttles until a test moves it (``tests.factories.TestClock``)."""
    from tests.factories import TestClock

    config = dict(BASE_CONFIG, SQLALCHEMY_DATABASE_URI=database_url)
    config.update(overrides)
    app = create_app(config)
    app.extensions[CLOCK_KEY] = TestClock(time.time())
    return app


def migrate_to_head(app) -> None:
    """Run ``flask db upgrade`` against the app's database."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def dispose(app) -> None:
    """Close the app's session and every pooled connection (before a database is copied or
    dropped)."""
    from screener.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
