"""Plain values typed by people: on/off words and email addresses, read the same way wherever
they come from (settings, query parameters, forms, the CLI). Pure Python.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def parse_bool(value: str | bool | None, default: bool | None = None) -> bool:
    """``1/true/yes/on`` → True, ``0/false/no/off`` → False (any case, spaces ignored); an empty
    or missing value is ``default``. ValueError for anything else, or for an empty value when
    there is no default."""
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    if not text and default is not None:
        return default
    raise ValueError(f"expected one of {'/'.join(TRUE_WORDS + FALSE_WORDS)}")


def normal_email(address: str) -> str:
    """The address as stored: surrounding spaces removed and the domain in its normal form
    (no deliverability check: nothing leaves the process). ValueError saying why when it is
    not an email address."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None


def uuid_text(text: str) -> str:
    """An id as ``str(uuid)`` writes it, from its 32 hex digits (as SQLite keeps it or
    ``digest.hex()`` gives it); text already written that way is returned as it is. Bulk
    exports use it: making a ``uuid.UUID`` of each id only to print it was most of their cost."""
    if len(text) != 32:
        return text
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
