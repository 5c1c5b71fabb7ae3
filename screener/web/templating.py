"""Template globals and filters shared by every blueprint."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import quote

from flask import Flask, current_app, redirect, url_for
from babel import dates
from flask_login import current_user
from markupsafe import Markup, escape

from screener.core.questionnaire import Questionnaire
from screener.storage.models import NO_PRIORITY
from screener.storage.clock import local
from screener.web.clock import clinic_zone
from screener.web.languages import page_language


def init_app(app: Flask) -> None:
    """Register the context processor and filters."""

    @app.context_processor
    def inject_globals():
        return {
            # In the page's language: a view that passes its own (the draft's) localizes it too.
            "questionnaire": current_app.extensions["questionnaire"].localized(page_language()),
            "clinic_name": current_app.config["CLINIC_NAME"],
            "clinic_timezone": current_app.config["CLINIC_TIMEZONE"],
            # The proxy, not the user: only pages that show the staff member load the login.
            "current_user": current_user,
        }

    # Browsers ask for /favicon.ico whatever the page says: send them to the SVG icon.
    app.add_url_rule("/favicon.ico", "favicon",
                     lambda: redirect(url_for("static", filename="favicon.svg"), 301))

    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(long_datetime, "long_datetime")
    app.add_template_filter(mark_english, "mark_english")
    app.add_template_test(is_urgent_flag, "urgent_flag")
    app.jinja_env.globals["no_priority"] = NO_PRIORITY
    app.add_template_filter(relative_time, "relative")
    app.add_template_filter(mailto_href, "mailto")


def mailto_href(address: str) -> str:
    """``mailto:`` + the address percent-encoded, so ``?``, ``&`` or ``%`` in a stored address
    can never add a Bcc or a body to the link (only ``@`` is left as it is)."""
    return "mailto:" + quote(address or "", safe="@")


def is_urgent_flag(flag_id: str, questionnaire: Questionnaire) -> bool:
    """``flag is urgent_flag(q)``: the flag makes a submission urgent under ``q``."""
    return questionnaire.is_urgent_flag(flag_id)


def format_datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """An aware datetime shown in the clinic's time zone (CLINIC_TIMEZONE), '' for None."""
    if value is None:
        return ""
    return local(value, clinic_zone()).strftime(fmt)


# "December 7, 2026 at 4:05 PM EST" / "7 de diciembre de 2026, a las 16:05 EST" (CLDR patterns)
_LONG = {"en": "MMMM d, y 'at' h:mm a zzz", "es": "d 'de' MMMM 'de' y, 'a las' H:mm zzz"}


def long_datetime(value: datetime | None) -> str:
    """An aware datetime in words, in the page's language and the clinic's time zone."""
    if value is None:
        return ""
    language = page_language()
    return dates.format_datetime(local(value, clinic_zone()), _LONG.get(language, _LONG["en"]),
                                 locale=language)


# English names left as they are in other languages' crisis texts (a service's name, the word
# to text): marked lang="en" so a screen reader says them in English. Not inside the buttons: a
# flex item there would swallow the spaces around it.
_ENGLISH_NAMES = re.compile(r"\b(Crisis Text Line|HOME)\b")


def mark_english(text: str) -> Markup:
    """``text`` escaped, with the English names in it marked ``lang="en"`` on a page in another
    language."""
    escaped = escape(text)
    if page_language() == "en":
        return escaped
    return Markup(_ENGLISH_NAMES.sub(r'<span lang="en">\1</span>', str(escaped)))


def relative_time(value: datetime | None, now: datetime | None = None) -> str:
    """'5 minutes ago', '3 hours ago', '2 days ago'."""
    if value is None:
        return ""
    now = now or datetime.now(timezone.utc)
    seconds = max(0, int((now - value).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"
