"""One settings object (issue 26): every setting read once from the environment, each bad value
refused at start-up with one line naming it (never a traceback), gunicorn's integers included."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from screener import config
from tests.kit.apps import make_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")


def load(env: dict, strict: bool = True, **overrides) -> config.Settings:
    """The settings of a production environment with ``env`` on top (no real environment)."""
    base = {"SECRET_KEY": "s" * 40, "TRUSTED_HOSTS": "screening.clinic.example"}
    return config.load(dict(base, **env), instance_path=Path("/nonexistent/instance"),
                       strict=strict, overrides=overrides)


@pytest.mark.parametrize("name, value, says", [
    ("DRAFT_TTL_HOURS", "a day", "DRAFT_TTL_HOURS must be a whole number, got 'a day'"),
    ("DRAFT_TTL_HOURS", "0", "DRAFT_TTL_HOURS must be at least 1, got 0"),
    ("CLOSED_RETENTION_DAYS", "-5", "CLOSED_RETENTION_DAYS must be at least 0"),
    ("MAX_CONTENT_LENGTH", "64k", "MAX_CONTENT_LENGTH must be a whole number"),
    ("STAFF_IDLE_MINUTES", "1.5", "STAFF_IDLE_MINUTES must be a whole number"),
    ("STAFF_PAGE_SIZE", "0", "STAFF_PAGE_SIZE must be from 1 to 500, got 0"),
    ("STAFF_PAGE_SIZE", "100000", "STAFF_PAGE_SIZE must be from 1 to 500"),
    ("STAFF_PAGE_SIZE", "fifty", "STAFF_PAGE_SIZE must be a whole number"),
    ("STAFF_QUEUE_SCORES", "phq9;DROP TABLE", "STAFF_QUEUE_SCORES: 'phq9;DROP TABLE' is not"),
    ("NOTIFY_POLL_SECONDS", "soon", "NOTIFY_POLL_SECONDS must be a number of seconds"),
    ("NOTIFY_POLL_SECONDS", "0", "NOTIFY_POLL_SECONDS must be from 0.05 to 3600 seconds"),
    ("NOTIFY_POLL_SECONDS", "nan", "NOTIFY_POLL_SECONDS must be from 0.05 to 3600 seconds"),
    ("TRUSTED_PROXY_HOPS", "-1", "TRUSTED_PROXY_HOPS must be from 0 to 10"),
    ("LOGIN_PAIR_FREE_FAILURES", "0", "LOGIN_PAIR_FREE_FAILURES must be at least 1"),
    ("MAIL_PORT", "70000", "MAIL_PORT must be from 0 to 65535"),
    ("MAIL_USE_TLS", "perhaps", "MAIL_USE_TLS must be true or false"),
    ("NOTIFY_IN_PROCESS", "sometimes", "NOTIFY_IN_PROCESS must be true or false"),
    ("STAFF_MFA", "maybe", "STAFF_MFA must be true or false"),
    ("CLINIC_TIMEZONE", "Mars/Olympus_Mons", "CLINIC_TIMEZONE must be an IANA time zone"),
    ("BOOKING_URL", "http://book.clinic.example", "BOOKING_URL: 'http://book.clinic.example'"),
    ("CLINIC_PHONE", "call us", "CLINIC_PHONE: 'call us' is not a phone number"),
    ("MFA_ENCRYPTION_KEY", "short", "MFA_ENCRYPTION_KEY must be at least 32 characters"),
    ("URGENT_NOTIFY_TO", "intake-at-clinic", "URGENT_NOTIFY_TO: 'intake-at-clinic' is not"),
    ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of text, json, got 'xml'"),
    ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of info, debug, warning, error"),
])
def test_each_bad_value_is_refused_in_one_line_naming_it(name, value, says):
    with pytest.raises(config.ConfigurationError) as refused:
        load({name: value})
    message = refused.value.message
    assert says in message and "\n" not in message


def test_a_bad_value_stops_the_command_line_with_one_message_and_no_traceback(tmp_path):
    env = dict(os.environ, SCREENER_ENV="development", STAFF_PAGE_SIZE="lots",
               DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    result = subprocess.run([str(FLASK), "--app", "screener", "questionnaire", "check"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if "STAFF_PAGE_SIZE" in line]
    assert said and all("must be a whole number, got 'lots'" in line for line in said)
    assert any("Refusing to start" in line for line in said)  # logged, as gunicorn would


@pytest.mark.parametrize("name, value", [
    ("WEB_CONCURRENCY", "four"), ("WEB_CONCURRENCY", "0"), ("GUNICORN_TIMEOUT", "30s"),
    ("GUNICORN_MAX_REQUESTS", "-1"), ("GUNICORN_LOG_LEVEL", "loud"), ("LOG_FORMAT", "xml"),
])
def test_gunicorn_refuses_a_bad_number_in_one_line(name, value):
    env = dict(os.environ, **{name: value})
    result = subprocess.run(
        [sys.executable, "-c", "import runpy; runpy.run_path('gunicorn.conf.py')"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"Refusing to start: {name} ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_gunicorn_settings_default_and_read():
    defaults = config.gunicorn_settings({}, cpu_count=2)
    assert (defaults.workers, defaults.timeout, defaults.max_requests) == (5, 30, 5000)
    read = config.gunicorn_settings({"WEB_CONCURRENCY": " 3 ", "GUNICORN_TIMEOUT": "60"}, 2)
    assert (read.workers, read.timeout) == (3, 60)


def test_the_hidden_settings_are_read_checked_and_reach_app_config(monkeypatch, tmp_path):
    monkeypatch.setenv("STAFF_PAGE_SIZE", "7")
    monkeypatch.setenv("STAFF_QUEUE_SCORES", " gad7 , phq9 ")
    monkeypatch.setenv("NOTIFY_POLL_SECONDS", "2.5")
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert app.config["STAFF_PAGE_SIZE"] == 7
    assert app.config["STAFF_QUEUE_SCORES"] == ["gad7", "phq9"]
    assert app.config["NOTIFY_POLL_SECONDS"] == 2.5
    assert app.extensions["settings"].staff_queue_scores == ("gad7", "phq9")


def test_defaults_of_the_hidden_settings():
    settings = load({})
    assert (settings.staff_page_size, settings.staff_queue_scores,
            settings.notify_poll_seconds) == (50, None, 10.0)


def test_the_settings_object_is_frozen_and_the_zone_parsed_once():
    settings = load({"CLINIC_TIMEZONE": "Europe/Berlin"})
    assert settings.clinic_tz == ZoneInfo("Europe/Berlin")
    assert settings.flask_config()["CLINIC_TIMEZONE"] == "Europe/Berlin"
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.staff_page_size = 10
    assert "s" * 40 not in repr(settings)  # secrets stay out of a repr (and so of logs)


def test_strictness_is_the_callers_choice():
    """Production without a SECRET_KEY: refused when serving (strict), a throwaway key for a
    command that serves nothing; a leftover FLASK_ENV is refused or only warned about."""
    bare = {"TRUSTED_HOSTS": ""}
    with pytest.raises(config.ConfigurationError, match="SECRET_KEY is not set"):
        config.load(bare, instance_path=Path("/nonexistent"), strict=True)
    lenient = config.load(dict(bare, FLASK_ENV="development"), instance_path=Path("/nonexistent"),
                          strict=False)
    assert len(lenient.secret_key) == 64 and lenient.trusted_hosts is None
    assert any("FLASK_ENV" in warning for warning in lenient.warnings)
    with pytest.raises(config.ConfigurationError, match="FLASK_ENV"):
        load({"FLASK_ENV": "development"})
    # A malformed value is refused either way.
    with pytest.raises(config.ConfigurationError, match="STAFF_PAGE_SIZE"):
        load({"STAFF_PAGE_SIZE": "x"}, strict=False)
