"""Settings from the environment. Production is the default; development and testing opt in."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("production", "development", "testing")
MIN_SECRET_KEY = 32


class ConfigurationError(RuntimeError):
    """The app cannot start with these settings."""


def environment() -> str:
    """``SCREENER_ENV``; anything unknown (or unset) counts as production.

    ``FLASK_ENV`` is not a stand-in: a leftover ``FLASK_ENV=development`` in a production
    environment must not switch off the production checks (``flask_env_problem`` refuses it).
    """
    name = os.environ.get("SCREENER_ENV") or "production"
    return name if name in ENVIRONMENTS else "production"


def flask_env_problem(env: str) -> str | None:
    """Why production refuses to start with ``FLASK_ENV`` set to something else, or None."""
    flask_env = os.environ.get("FLASK_ENV", "").strip()
    if env == "production" and flask_env and flask_env != "production":
        return (f"FLASK_ENV={flask_env[:20]!r} is set but SCREENER_ENV is not: the app reads "
                "only SCREENER_ENV. Set SCREENER_ENV=development for development, or remove "
                "FLASK_ENV")
    return None


def memory_rate_limits(uri: str) -> bool:
    """Whether ``RATELIMIT_STORAGE_URI`` keeps counters in the process (any letter case)."""
    return (uri or "memory://").strip().lower().startswith("memory://")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {value!r}") from None


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, got {value!r}")


def clinic_timezone(name: str) -> ZoneInfo:
    """The IANA time zone ``CLINIC_TIMEZONE`` names; a ConfigurationError for anything else."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigurationError(
            f"CLINIC_TIMEZONE must be an IANA time zone name like Europe/London or "
            f"America/New_York, got {name!r}") from None


def _list(name: str) -> list[str] | None:
    """A comma-separated setting as a list (None when unset or empty)."""
    items = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    return items or None


def trusted_hosts_for(env: str, configured, serving: bool) -> list[str] | None:
    """``TRUSTED_HOSTS`` as a list; production refuses to serve without it."""
    if isinstance(configured, str):
        configured = [item.strip() for item in configured.split(",") if item.strip()]
    hosts = list(configured) if configured else None
    if env == "production" and serving and not hosts:
        raise ConfigurationError(
            "TRUSTED_HOSTS is not set: set it to the host names the app is reached by, "
            "comma-separated (e.g. TRUSTED_HOSTS=screening.clinic.example). Requests with any "
            "other Host header get a 400, so a forged Host cannot reach links the app builds."
        )
    return hosts


def staff_mfa_for(env: str, value) -> bool:
    """Whether staff logins need the second factor: always, except ``STAFF_MFA=off`` in
    development."""
    text = str(value).strip().lower() if not isinstance(value, bool) else ("on" if value else "off")
    if text in ("", "1", "true", "yes", "on"):
        return True
    if text not in ("0", "false", "no", "off"):
        raise ConfigurationError(f"STAFF_MFA must be on or off, got {str(value)[:40]!r}")
    if env != "development":
        raise ConfigurationError(
            "STAFF_MFA=off is only allowed with SCREENER_ENV=development: every staff login "
            "needs a code from an authenticator app (remove STAFF_MFA)")
    return False


def mfa_key_problem(key: str, name: str = "MFA_ENCRYPTION_KEY") -> str | None:
    """Why ``MFA_ENCRYPTION_KEY`` (or ``CODE_HASH_KEY``, as ``name``) cannot be used, or None
    (empty means: derive from SECRET_KEY)."""
    if key and len(key) < 32:
        return (f"{name} must be at least 32 characters (python -c 'import secrets; "
                "print(secrets.token_hex(32))'), or unset to derive the key from SECRET_KEY")
    return None


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres://"):  # Heroku-style URLs; SQLAlchemy wants the full dialect
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url or f"sqlite:///{instance_path / 'screener.sqlite3'}"


def from_environment(instance_path: Path) -> dict:
    """The settings for ``create_app``, read from the environment."""
    env = environment()
    draft_hours = _int("DRAFT_TTL_HOURS", 24)
    return {
        "SCREENER_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "QUESTIONNAIRE_PATH": os.environ.get(
            "QUESTIONNAIRE_PATH", str(PROJECT_ROOT / "questions.yaml")
        ),
        "CLINIC_NAME": os.environ.get("CLINIC_NAME", "Screener clinic"),
        # Times shown to patients and staff, and the staff date filters; storage stays UTC.
        "CLINIC_TIMEZONE": clinic_timezone(os.environ.get("CLINIC_TIMEZONE") or "UTC").key,
        "DRAFT_TTL_HOURS": draft_hours,
        "CLOSED_RETENTION_DAYS": _int("CLOSED_RETENTION_DAYS", 0),
        # The patient's session, and the CSRF token inside it, live as long as a draft does, so a
        # patient who pauses for an hour does not lose the page to an expired token.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=draft_hours),
        "WTF_CSRF_TIME_LIMIT": draft_hours * 3600,
        # The cookie is re-issued when a draft is saved (its expiry moves with the draft's), not
        # re-signed on every page view.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 64 * 1024),
        "STAFF_IDLE_MINUTES": _int("STAFF_IDLE_MINUTES", 15),
        "STAFF_SESSION_HOURS": _int("STAFF_SESSION_HOURS", 12),
        # The second factor (web/mfa.py) is required; "off" is accepted only in development.
        "STAFF_MFA": os.environ.get("STAFF_MFA", "on"),
        # Key material for the encrypted TOTP secrets; SECRET_KEY is used when empty (then a new
        # SECRET_KEY means every account sets up its authenticator again).
        "MFA_ENCRYPTION_KEY": os.environ.get("MFA_ENCRYPTION_KEY", ""),
        # Key material for the HMAC of recovery and resume codes (web/code_keys.py); SECRET_KEY
        # when empty. Set both keys before rotating SECRET_KEY (docs/operations.md).
        "CODE_HASH_KEY": os.environ.get("CODE_HASH_KEY", ""),
        # The patient's next step on a result and the sent page (optional): an online booking
        # page, else the clinic's phone number. Never shown where crisis resources lead.
        "BOOKING_URL": os.environ.get("BOOKING_URL", ""),
        "CLINIC_PHONE": os.environ.get("CLINIC_PHONE", ""),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        # If the shared rate-limit store (Redis) is down, each process counts on its own until
        # it answers again (never "no limits"); /readyz reports it and admins see a banner.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "TRUSTED_PROXY_HOPS": _int("TRUSTED_PROXY_HOPS", 0),
        # Host names the app answers to (Flask's own setting): any other Host gets a 400, so a
        # forged Host cannot reach FHIR fullUrls or redirects. Required in production.
        "TRUSTED_HOSTS": _list("TRUSTED_HOSTS"),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5/minute;20/hour"),
        # Throttle (web/throttle.py): free wrong passwords per (account, address) and per address
        # before each further one blocks that pair/address for 30 s, 1 min, 2 min, ... up to the cap.
        "LOGIN_PAIR_FREE_FAILURES": _int("LOGIN_PAIR_FREE_FAILURES", 5),
        "LOGIN_ADDRESS_FREE_FAILURES": _int("LOGIN_ADDRESS_FREE_FAILURES", 20),
        "LOGIN_THROTTLE_MAX_MINUTES": _int("LOGIN_THROTTLE_MAX_MINUTES", 60),
        "SCREENING_START_RATE_LIMIT": os.environ.get(
            "SCREENING_START_RATE_LIMIT", "20/minute;200/hour"),
        # Resume codes: attempts per client address, so codes cannot be guessed.
        "RESUME_RATE_LIMIT": os.environ.get("RESUME_RATE_LIMIT", "10/minute;30/hour"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # Urgent alerts by email (see docs/operations.md): off unless URGENT_NOTIFY_TO is set.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 0),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", ""),
        "URGENT_NOTIFY_TO": os.environ.get("URGENT_NOTIFY_TO", ""),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        # A sender thread in each app process delivers the outbox; turn it off when a separate
        # `flask notify run` process does.
        "NOTIFY_IN_PROCESS": _flag("NOTIFY_IN_PROCESS", True),
    }


# An address in URGENT_NOTIFY_TO / MAIL_DEFAULT_SENDER: plain local@domain, nothing that could
# add a header or another recipient.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


_CLINIC_PHONE = re.compile(r"\+?[0-9 ().\-]+")


def next_step_settings(config: Mapping[str, Any]) -> dict[str, str]:
    """BOOKING_URL and CLINIC_PHONE checked (both optional); ConfigurationError says what is
    wrong."""
    url = (config.get("BOOKING_URL") or "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc or any(ch.isspace() for ch in url):
            raise ConfigurationError(f"BOOKING_URL: {url[:80]!r} is not an https:// address "
                                     "such as https://book.clinic.example/consultation")
    phone = (config.get("CLINIC_PHONE") or "").strip()
    if phone:
        digits = sum(ch.isdigit() for ch in phone)
        if not _CLINIC_PHONE.fullmatch(phone) or not 7 <= digits <= 15:
            raise ConfigurationError(f"CLINIC_PHONE: {phone[:40]!r} is not a phone number "
                                     "such as +1 555 010 0100")
    return {"BOOKING_URL": url, "CLINIC_PHONE": phone}


def notification_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The urgent-alert settings checked and normalised; ConfigurationError says what is wrong.

    No ``URGENT_NOTIFY_TO``: alerts are off (``URGENT_NOTIFY_TO`` becomes an empty tuple).
    """
    raw = config.get("URGENT_NOTIFY_TO") or ""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    recipients = tuple(item.strip() for item in items if item.strip())
    for address in recipients:
        if not _ADDRESS.fullmatch(address):
            raise ConfigurationError(
                f"URGENT_NOTIFY_TO: {address[:80]!r} is not an email address "
                "(give comma-separated addresses such as intake@clinic.example)")
    base = (config.get("PUBLIC_BASE_URL") or "").strip()
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
                or parts.fragment or any(ch.isspace() for ch in base):
            raise ConfigurationError(
                f"PUBLIC_BASE_URL: {base[:80]!r} is not a web address such as "
                "https://screening.clinic.example (the origin staff open links on)")
        base = base.rstrip("/")
    settings: dict[str, Any] = {"URGENT_NOTIFY_TO": recipients, "PUBLIC_BASE_URL": base}
    if not recipients:
        return settings
    if not base:
        raise ConfigurationError("PUBLIC_BASE_URL must be set when URGENT_NOTIFY_TO is: the "
                                 "alert links to PUBLIC_BASE_URL/staff/submissions/<id>")
    if not config.get("MAIL_SERVER"):
        raise ConfigurationError("MAIL_SERVER must be set when URGENT_NOTIFY_TO is")
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        raise ConfigurationError("MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL (implicit TLS) "
                                 "cannot both be on")
    sender = (config.get("MAIL_DEFAULT_SENDER") or "").strip()
    if not sender or not _ADDRESS.fullmatch(sender):
        raise ConfigurationError("MAIL_DEFAULT_SENDER must be an email address such as "
                                 "screening@clinic.example when URGENT_NOTIFY_TO is set")
    port = config.get("MAIL_PORT") or (465 if config.get("MAIL_USE_SSL") else
                                       587 if config.get("MAIL_USE_TLS") else 25)
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigurationError(f"MAIL_PORT must be a port number, got {port!r}")
    settings.update(MAIL_PORT=port, MAIL_DEFAULT_SENDER=sender)
    return settings


def secret_key_for(env: str, instance_path: Path, configured: str, serving: bool) -> str:
    """The secret key to use. Production refuses to serve without a real one.

    Development keeps a generated key in ``instance/secret_key`` so sessions survive restarts;
    command-line use (evaluate, questionnaire check, ...) signs nothing and gets a throwaway key.
    """
    if env == "production" and serving and configured and len(configured) < MIN_SECRET_KEY:
        # It also derives the key of the TOTP secrets and the code hashes (web/mfa.py).
        raise ConfigurationError(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY} characters in production "
            "(python -c 'import secrets; print(secrets.token_hex(32))')")
    if configured and configured not in ("change-me", "dev", "secret", "changeme"):
        return configured
    if env == "production" and serving:
        raise ConfigurationError(
            "SECRET_KEY is not set: set the SECRET_KEY environment variable to a long random "
            "value (python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if env == "development":
        key_file = instance_path / "secret_key"
        try:
            if not key_file.exists():
                instance_path.mkdir(parents=True, exist_ok=True)
                key_file.write_text(secrets.token_hex(32))
                key_file.chmod(0o600)
            return key_file.read_text().strip()
        except OSError:
            pass
    return secrets.token_hex(32)
