"""Settings, read from the environment in one place into one frozen, validated object.

Production is the default; development and testing opt in. ``load`` builds the app's
``Settings`` (``create_app`` copies them into ``app.config``), ``gunicorn_settings`` the server's.
Each value is parsed by ``settings_parse``; a bad one stops start-up with one line saying why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from screener import settings_parse as parse
from screener.settings_parse import (ConfigurationError, secret_key_for, staff_mfa_for,
                                     trusted_hosts_for)

__all__ = ["ConfigurationError", "GunicornSettings", "Settings", "environment", "load",
           "secret_key_for", "staff_mfa_for", "trusted_hosts_for"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("production", "development", "testing")
LOG_LEVELS = ("info", "debug", "warning", "error")
LOG_FORMATS = ("text", "json")
_NOT_FLASK = {"flask": False}  # a field kept out of app.config


@dataclass(frozen=True)
class Settings:
    """Every setting of the app, typed and checked. Field names are the app.config keys in
    lower case (``clinic_tz`` becomes CLINIC_TIMEZONE, its name, and CLINIC_TZ, the zone)."""

    screener_env: str
    secret_key: str = field(repr=False)
    sqlalchemy_database_uri: str = field(repr=False)  # may carry a password
    questionnaire_path: str
    clinic_name: str
    clinic_tz: ZoneInfo  # times shown to patients and staff, and staff date filters; storage UTC
    draft_ttl_hours: int
    closed_retention_days: int
    max_content_length: int
    staff_idle_minutes: int
    staff_session_hours: int
    staff_mfa: bool  # the second factor (web/mfa.py); off only in development
    staff_page_size: int  # submissions per queue page
    staff_queue_scores: tuple[str, ...] | None  # the queue's score columns (None: the default)
    mfa_encryption_key: str = field(repr=False)  # empty: derived from SECRET_KEY
    code_hash_key: str = field(repr=False)  # empty: derived from SECRET_KEY
    booking_url: str  # the patient's next step on a result: a booking page, else the phone
    clinic_phone: str
    ratelimit_storage_uri: str = field(repr=False)
    trusted_proxy_hops: int
    trusted_hosts: tuple[str, ...] | None  # any other Host gets a 400; required in production
    login_pair_free_failures: int  # web/throttle.py: free wrong passwords per pair / address
    login_address_free_failures: int
    login_throttle_max_minutes: int
    screening_start_rate_limit: str
    resume_rate_limit: str
    mail_server: str
    mail_port: int
    mail_use_tls: bool
    mail_use_ssl: bool
    mail_username: str
    mail_password: str = field(repr=False)
    mail_default_sender: str
    urgent_notify_to: tuple[str, ...]  # empty: urgent alerts are off
    public_base_url: str
    notify_in_process: bool  # a sender thread per app process (off when `flask notify run` is)
    notify_poll_seconds: float
    log_level: str
    log_format: str
    strict: bool = field(default=True, metadata=_NOT_FLASK)
    warnings: tuple[str, ...] = field(default=(), metadata=_NOT_FLASK)  # logged at start-up

    def flask_config(self) -> dict[str, Any]:
        """The values for ``app.config``: every setting, plus what follows from them."""
        values = {item.name.upper(): getattr(self, item.name) for item in fields(self)
                  if item.metadata.get("flask", True)}
        values.update(CLINIC_TIMEZONE=self.clinic_tz.key, CLINIC_TZ=values.pop("CLINIC_TZ"),
                      TRUSTED_HOSTS=list(self.trusted_hosts) if self.trusted_hosts else None,
                      STAFF_QUEUE_SCORES=(list(self.staff_queue_scores)
                                          if self.staff_queue_scores else None))
        production = self.screener_env == "production"
        return values | {
            # The patient's session, and the CSRF token inside it, live as long as a draft, so
            # a patient who pauses for an hour does not lose the page to an expired token.
            "PERMANENT_SESSION_LIFETIME": timedelta(hours=self.draft_ttl_hours),
            "WTF_CSRF_TIME_LIMIT": self.draft_ttl_hours * 3600,
            # The cookie is re-issued when a draft is saved, not re-signed on every page view.
            "SESSION_REFRESH_EACH_REQUEST": False,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": production,
            # __Host-: the browser keeps the cookie only if Secure, for the whole site and set
            # by this host (no Domain), so a sibling subdomain cannot set or shadow it.
            **({"SESSION_COOKIE_NAME": "__Host-session", "SESSION_COOKIE_PATH": "/",
                "SESSION_COOKIE_DOMAIN": None} if production else {}),
            "REMEMBER_COOKIE_HTTPONLY": True,
            "RATELIMIT_HEADERS_ENABLED": False,
            # If the shared rate-limit store (Redis) is down, each process counts on its own
            # until it answers again (never "no limits"); /readyz reports it, admins see a banner.
            "RATELIMIT_SWALLOW_ERRORS": True,
            "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
            "SQLALCHEMY_ENGINE_OPTIONS": {},
        }


def environment(environ: Mapping[str, str] | None = None) -> str:
    """``SCREENER_ENV``; anything unknown (or unset) counts as production.

    ``FLASK_ENV`` is not a stand-in: a leftover ``FLASK_ENV=development`` in a production
    environment must not switch off the production checks (``flask_env_problem`` refuses it).
    """
    name = (os.environ if environ is None else environ).get("SCREENER_ENV") or "production"
    return name if name in ENVIRONMENTS else "production"


def load(environ: Mapping[str, str], *, instance_path: Path, strict: bool,
         overrides: Mapping[str, Any] | None = None) -> Settings:
    """The app's settings from ``environ``, with ``overrides`` (app.config keys) on top.

    ``strict`` (serving requests): production refuses to run without a real SECRET_KEY and
    TRUSTED_HOSTS, and with a leftover FLASK_ENV. Not strict (a command that serves nothing):
    those are warnings, and a missing key is replaced by a throwaway one. A malformed value is
    refused either way.
    """
    raw = {name: environ.get(name) for name in NAMES}
    raw.update((name, value) for name, value in (overrides or {}).items() if name in NAMES)
    env = "testing" if (overrides or {}).get("TESTING") else environment(raw)
    warnings = []
    problem = flask_env_problem(env, environ.get("FLASK_ENV", ""))
    if problem and strict:
        raise ConfigurationError(problem)
    if problem:
        warnings.append(problem)
    draft_hours = parse.integer("DRAFT_TTL_HOURS", raw["DRAFT_TTL_HOURS"], 24, minimum=1)
    mail_ssl = parse.flag("MAIL_USE_SSL", raw["MAIL_USE_SSL"])
    mail_tls = parse.flag("MAIL_USE_TLS", raw["MAIL_USE_TLS"])
    settings = Settings(
        screener_env=env,
        secret_key=secret_key_for(env, instance_path, parse.text(raw["SECRET_KEY"]), strict),
        sqlalchemy_database_uri=_database_uri(raw, overrides or {}, instance_path),
        questionnaire_path=parse.text(raw["QUESTIONNAIRE_PATH"]) or str(
            PROJECT_ROOT / "questions.yaml"),
        clinic_name=parse.text(raw["CLINIC_NAME"]) or "Screener clinic",
        clinic_tz=parse.timezone("CLINIC_TIMEZONE", raw["CLINIC_TIMEZONE"]),
        draft_ttl_hours=draft_hours,
        closed_retention_days=parse.integer("CLOSED_RETENTION_DAYS",
                                            raw["CLOSED_RETENTION_DAYS"], 0),
        max_content_length=parse.integer("MAX_CONTENT_LENGTH", raw["MAX_CONTENT_LENGTH"],
                                         64 * 1024, minimum=1024),
        staff_idle_minutes=parse.integer("STAFF_IDLE_MINUTES", raw["STAFF_IDLE_MINUTES"], 15, 1),
        staff_session_hours=parse.integer("STAFF_SESSION_HOURS", raw["STAFF_SESSION_HOURS"],
                                          12, 1),
        staff_mfa=staff_mfa_for(env, raw["STAFF_MFA"]),
        staff_page_size=parse.integer("STAFF_PAGE_SIZE", raw["STAFF_PAGE_SIZE"], 50, 1, 500),
        staff_queue_scores=parse.score_ids("STAFF_QUEUE_SCORES", raw["STAFF_QUEUE_SCORES"]),
        mfa_encryption_key=parse.key_material("MFA_ENCRYPTION_KEY", raw["MFA_ENCRYPTION_KEY"]),
        code_hash_key=parse.key_material("CODE_HASH_KEY", raw["CODE_HASH_KEY"]),
        booking_url=parse.booking_url("BOOKING_URL", raw["BOOKING_URL"]),
        clinic_phone=parse.phone("CLINIC_PHONE", raw["CLINIC_PHONE"]),
        ratelimit_storage_uri=parse.text(raw["RATELIMIT_STORAGE_URI"]) or "memory://",
        trusted_proxy_hops=parse.integer("TRUSTED_PROXY_HOPS", raw["TRUSTED_PROXY_HOPS"], 0,
                                         maximum=10),
        trusted_hosts=trusted_hosts_for(env, raw["TRUSTED_HOSTS"], strict),
        login_pair_free_failures=parse.integer("LOGIN_PAIR_FREE_FAILURES",
                                               raw["LOGIN_PAIR_FREE_FAILURES"], 5, 1),
        login_address_free_failures=parse.integer("LOGIN_ADDRESS_FREE_FAILURES",
                                                  raw["LOGIN_ADDRESS_FREE_FAILURES"], 20, 1),
        login_throttle_max_minutes=parse.integer("LOGIN_THROTTLE_MAX_MINUTES",
                                                 raw["LOGIN_THROTTLE_MAX_MINUTES"], 60, 1),
        screening_start_rate_limit=(parse.text(raw["SCREENING_START_RATE_LIMIT"])
                                    or "20/minute;200/hour"),
        resume_rate_limit=parse.text(raw["RESUME_RATE_LIMIT"]) or "10/minute;30/hour",
        mail_server=parse.text(raw["MAIL_SERVER"]).strip(),
        mail_port=(parse.integer("MAIL_PORT", raw["MAIL_PORT"], 0, 0, 65535)
                   or (465 if mail_ssl else 587 if mail_tls else 25)),  # 0: the usual port
        mail_use_tls=mail_tls,
        mail_use_ssl=mail_ssl,
        mail_username=parse.text(raw["MAIL_USERNAME"]),
        mail_password=parse.text(raw["MAIL_PASSWORD"]),
        mail_default_sender=parse.text(raw["MAIL_DEFAULT_SENDER"]).strip(),
        urgent_notify_to=parse.addresses("URGENT_NOTIFY_TO", raw["URGENT_NOTIFY_TO"]),
        public_base_url=parse.web_origin("PUBLIC_BASE_URL", raw["PUBLIC_BASE_URL"]),
        notify_in_process=parse.flag("NOTIFY_IN_PROCESS", raw["NOTIFY_IN_PROCESS"], True),
        notify_poll_seconds=parse.seconds("NOTIFY_POLL_SECONDS", raw["NOTIFY_POLL_SECONDS"],
                                          10.0, 0.05, 3600),
        log_level=parse.choice("LOG_LEVEL", raw["LOG_LEVEL"], LOG_LEVELS).upper(),
        log_format=parse.choice("LOG_FORMAT", raw["LOG_FORMAT"], LOG_FORMATS),
        strict=strict,
        warnings=tuple(warnings),
    )
    _check_alerts(settings)
    return settings


# The names read from the environment (and accepted as overrides); SQLALCHEMY_DATABASE_URI is
# the override of DATABASE_URL, taken as given.
NAMES = tuple(item.name.upper() for item in fields(Settings)
               if item.metadata.get("flask", True)) + ("DATABASE_URL", "CLINIC_TIMEZONE")


def _database_uri(raw: Mapping[str, Any], overrides: Mapping[str, Any],
                  instance_path: Path) -> str:
    if overrides.get("SQLALCHEMY_DATABASE_URI"):
        return str(overrides["SQLALCHEMY_DATABASE_URI"])
    return parse.database_url(raw["DATABASE_URL"], f"sqlite:///{instance_path / 'screener.sqlite3'}")


def _check_alerts(settings: Settings) -> None:
    """The settings urgent alerts need, once URGENT_NOTIFY_TO turns them on."""
    if not settings.urgent_notify_to:
        return
    if not settings.public_base_url:
        raise ConfigurationError("PUBLIC_BASE_URL must be set when URGENT_NOTIFY_TO is: the "
                                 "alert links to PUBLIC_BASE_URL/staff/submissions/<id>")
    if not settings.mail_server:
        raise ConfigurationError("MAIL_SERVER must be set when URGENT_NOTIFY_TO is")
    if settings.mail_use_tls and settings.mail_use_ssl:
        raise ConfigurationError("MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL (implicit TLS) "
                                 "cannot both be on")
    if not parse.is_email(settings.mail_default_sender):
        raise ConfigurationError("MAIL_DEFAULT_SENDER must be an email address such as "
                                 "screening@clinic.example when URGENT_NOTIFY_TO is set")


def flask_env_problem(env: str, flask_env: str | None = None) -> str | None:
    """Why production refuses to start with ``FLASK_ENV`` set to something else, or None."""
    flask_env = (os.environ.get("FLASK_ENV", "") if flask_env is None else flask_env).strip()
    if env == "production" and flask_env and flask_env != "production":
        return (f"FLASK_ENV={flask_env[:20]!r} is set but SCREENER_ENV is not: the app reads "
                "only SCREENER_ENV. Set SCREENER_ENV=development for development, or remove "
                "FLASK_ENV")
    return None


def memory_rate_limits(uri: str) -> bool:
    """Whether ``RATELIMIT_STORAGE_URI`` keeps counters in the process (any letter case)."""
    return (uri or "memory://").strip().lower().startswith("memory://")


@dataclass(frozen=True)
class GunicornSettings:
    """What gunicorn.conf.py reads from the environment, checked."""

    bind: str
    workers: int
    timeout: int
    preload: bool
    max_requests: int
    access_log: str
    log_level: str
    forwarded_allow_ips: str
    app_log_format: str


def gunicorn_settings(environ: Mapping[str, str], cpu_count: int) -> GunicornSettings:
    """gunicorn's settings; a bad value raises ConfigurationError (one line, no traceback)."""
    return GunicornSettings(
        bind=environ.get("GUNICORN_BIND") or "127.0.0.1:8000",
        # Sync workers: short, database-bound requests; 2 × cores + 1 is gunicorn's own advice.
        workers=parse.integer("WEB_CONCURRENCY", environ.get("WEB_CONCURRENCY"),
                              cpu_count * 2 + 1, 1, 256),
        timeout=parse.integer("GUNICORN_TIMEOUT", environ.get("GUNICORN_TIMEOUT"), 30, 1, 3600),
        preload=environ.get("GUNICORN_PRELOAD", "1") != "0",
        max_requests=parse.integer("GUNICORN_MAX_REQUESTS", environ.get("GUNICORN_MAX_REQUESTS"),
                                   5000, 0),
        access_log=environ.get("GUNICORN_ACCESS_LOG", "-"),
        log_level=parse.choice("GUNICORN_LOG_LEVEL", environ.get("GUNICORN_LOG_LEVEL"),
                               LOG_LEVELS + ("critical",)),
        forwarded_allow_ips=environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1",
        app_log_format=parse.choice("LOG_FORMAT", environ.get("LOG_FORMAT"), LOG_FORMATS),
    )
