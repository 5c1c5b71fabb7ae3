"""One setting at a time: read a raw value (from the environment or a test's mapping) into its
type, or raise a ``ConfigurationError`` that says in one line what is wrong and what would do.

``screener.config`` combines these into the settings object; nothing here reads the environment.
A raw value is a string from the environment, ``None`` when unset, or an already typed value
passed by ``create_app(test_config)``.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from screener.core.values import normal_email, parse_bool

# An address in URGENT_NOTIFY_TO / MAIL_DEFAULT_SENDER: plain local@domain, nothing that could
# add a header or another recipient.
_PHONE = re.compile(r"\+?[0-9 ().\-]+")
_SCORE_ID = re.compile(r"[a-z0-9_]{1,64}")
MIN_SECRET_KEY = 32
PLACEHOLDER_KEYS = ("change-me", "dev", "secret", "changeme")
NOT_SERVING = (". A command that serves no page runs without it: flask --app "
               "'screener:create_app(strict=False)' ...")


class ConfigurationError(click.ClickException, RuntimeError):
    """The app cannot start with these settings.

    One line, shown without a traceback: the flask CLI prints a ClickException as
    ``Error: ...``, and gunicorn prints a RuntimeError raised while loading the app the same way.
    """


def blank(raw: Any) -> bool:
    """Unset: None or a string of spaces."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text(raw: Any, default: str = "") -> str:
    """A string setting (surrounding spaces kept: a password may have them)."""
    return default if raw is None else str(raw)


def integer(name: str, raw: Any, default: int, minimum: int = 0,
            maximum: int | None = None) -> int:
    """A whole number in [minimum, maximum]."""
    if blank(raw):
        return default
    try:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError
        value = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{name} must be a whole number, got {str(raw)[:40]!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        limits = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise ConfigurationError(f"{name} must be {limits}, got {value}")
    return value


def seconds(name: str, raw: Any, default: float, minimum: float, maximum: float) -> float:
    """A number of seconds in [minimum, maximum]."""
    if blank(raw):
        return default
    try:
        value = float(str(raw).strip()) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{name} must be a number of seconds, got {str(raw)[:40]!r}") \
            from None
    if not minimum <= value <= maximum:  # also refuses nan
        raise ConfigurationError(f"{name} must be from {minimum:g} to {maximum:g} seconds, "
                                 f"got {value:g}")
    return value


def flag(name: str, raw: Any, default: bool = False) -> bool:
    """true/false, yes/no, on/off, 1/0 (any letter case)."""
    try:
        return parse_bool(raw if raw is None or isinstance(raw, bool) else str(raw), default)
    except ValueError:
        raise ConfigurationError(f"{name} must be true or false, got {str(raw)[:40]!r}") \
            from None


def is_email(address: str) -> bool:
    """Whether ``address`` is one email address (the check staff accounts use)."""
    try:
        normal_email(address)
    except ValueError:
        return False
    return True


def choice(name: str, raw: Any, options: tuple[str, ...]) -> str:
    """One of ``options`` (any letter case; the first is the default)."""
    if blank(raw):
        return options[0]
    value = str(raw).strip().lower()
    if value not in options:
        raise ConfigurationError(f"{name} must be one of {', '.join(options)}, "
                                 f"got {str(raw)[:40]!r}")
    return value


def items(raw: Any) -> tuple[str, ...]:
    """A comma-separated setting (or a list) as a tuple without blanks."""
    if blank(raw):
        return ()
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    return tuple(str(part).strip() for part in parts if str(part).strip())


def score_ids(name: str, raw: Any) -> tuple[str, ...] | None:
    """Score ids such as ``phq9,gad7``; None when unset (the default columns)."""
    ids = items(raw)
    for score in ids:
        if not _SCORE_ID.fullmatch(score):
            raise ConfigurationError(f"{name}: {score[:40]!r} is not a score id (lower-case "
                                     "letters, digits and _, as in questions.yaml)")
    return ids or None


def timezone(name: str, raw: Any) -> ZoneInfo:
    """An IANA time zone name (UTC when unset)."""
    if isinstance(raw, ZoneInfo):
        return raw
    value = "UTC" if blank(raw) else str(raw).strip()
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigurationError(
            f"{name} must be an IANA time zone name like Europe/London or "
            f"America/New_York, got {value[:60]!r}") from None


def addresses(name: str, raw: Any) -> tuple[str, ...]:
    """Comma-separated email addresses."""
    found = items(raw)
    for address in found:
        if not is_email(address):
            raise ConfigurationError(
                f"{name}: {address[:80]!r} is not an email address "
                "(give comma-separated addresses such as intake@clinic.example)")
    return found


def web_origin(name: str, raw: Any) -> str:
    """An http(s) origin such as https://screening.clinic.example, without a trailing slash."""
    base = text(raw).strip()
    if not base:
        return ""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment or any(ch.isspace() for ch in base):
        raise ConfigurationError(
            f"{name}: {base[:80]!r} is not a web address such as "
            "https://screening.clinic.example (the origin staff open links on)")
    return base.rstrip("/")


def booking_url(name: str, raw: Any) -> str:
    """An https:// page (optional)."""
    url = text(raw).strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc or any(ch.isspace() for ch in url):
            raise ConfigurationError(f"{name}: {url[:80]!r} is not an https:// address "
                                     "such as https://book.clinic.example/consultation")
    return url


def phone(name: str, raw: Any) -> str:
    """A phone number of 7 to 15 digits (optional)."""
    value = text(raw).strip()
    if value:
        digits = sum(ch.isdigit() for ch in value)
        if not _PHONE.fullmatch(value) or not 7 <= digits <= 15:
            raise ConfigurationError(f"{name}: {value[:40]!r} is not a phone number "
                                     "such as +1 555 010 0100")
    return value


def key_material(name: str, raw: Any) -> str:
    """Optional key material of 32+ characters (empty: derived from SECRET_KEY)."""
    key = text(raw)
    if not key or len(key) >= MIN_SECRET_KEY:
        return key
    raise ConfigurationError(
        f"{name} must be at least 32 characters (python -c 'import secrets; "
        "print(secrets.token_hex(32))'), or unset to derive the key from SECRET_KEY")


def database_url(raw: Any, default: str) -> str:
    """DATABASE_URL for SQLAlchemy: postgres:// and postgresql:// use psycopg 3."""
    url = text(raw).strip()
    if url.startswith("postgres://"):  # Heroku-style URLs; SQLAlchemy wants the full dialect
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url or default


def trusted_hosts_for(env: str, configured: Any, strict: bool) -> tuple[str, ...] | None:
    """``TRUSTED_HOSTS`` as a tuple; production refuses to serve without it."""
    hosts = items(configured) or None
    if env == "production" and strict and not hosts:
        raise ConfigurationError(
            "TRUSTED_HOSTS is not set: set it to the host names the app is reached by, "
            "comma-separated (e.g. TRUSTED_HOSTS=screening.clinic.example). Requests with any "
            "other Host header get a 400, so a forged Host cannot reach links the app builds"
            + NOT_SERVING)
    return hosts


def staff_mfa_for(env: str, value: Any) -> bool:
    """Whether staff logins need the second factor: always, except ``STAFF_MFA=off`` in
    development."""
    if not flag("STAFF_MFA", value, True):
        if env != "development":
            raise ConfigurationError(
                "STAFF_MFA=off is only allowed with SCREENER_ENV=development: every staff login "
                "needs a code from an authenticator app (remove STAFF_MFA)")
        return False
    return True


def secret_key_for(env: str, instance_path: Path, configured: str, strict: bool) -> str:
    """The secret key to use. Production refuses to serve (``strict``) without a real one.

    Development keeps a generated key in ``instance/secret_key`` so sessions survive restarts;
    a command that serves nothing (evaluate, questionnaire check, ...) gets a throwaway key.
    """
    production = env == "production" and strict
    if production and configured and len(configured) < MIN_SECRET_KEY:
        # It also derives the key of the TOTP secrets and the code hashes (web/mfa.py).
        raise ConfigurationError(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY} characters in production "
            "(python -c 'import secrets; print(secrets.token_hex(32))')")
    if configured and configured not in PLACEHOLDER_KEYS:
        return configured
    if production:
        raise ConfigurationError(
            "SECRET_KEY is not set: set the SECRET_KEY environment variable to a long random "
            "value (python -c 'import secrets; print(secrets.token_hex(32))')" + NOT_SERVING)
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
