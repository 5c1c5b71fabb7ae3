"""The language of a page: Flask-Babel's locale, chosen per request.

Staff pages (and the API under them) are always English. A patient page follows the choice kept
in the session cookie, else the browser's Accept-Language, q-values honoured (Spanish when
preferred over English). The cookie's choice is the screening's language: the wizard writes both
together (start, switch), and a resume code sets the cookie from the screening it opens.
"""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel, get_locale, gettext, refresh
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from screener.config import PROJECT_ROOT

LANGUAGES = ("en", "es")  # English first: the default, and the questionnaire's source language
NAMES = {"en": "English", "es": "Español"}  # each in its own language, for the switch
SESSION_KEY = "language"  # the choice made before a draft existed
STAFF_PREFIXES = ("/staff", "/fhir")  # pages for the clinic's staff: English only
TRANSLATIONS = PROJECT_ROOT / "screener" / "translations"


class LazyText(LazyString):
    """A text translated when shown, escaped like any text in a template (Flask-Babel's own
    lazy string passes itself off as safe HTML)."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    """``gettext`` when the text is shown, in that request's language (module constants, form
    messages and labels)."""
    return LazyText(gettext, string, **variables)


def is_supported(language: object) -> bool:
    return isinstance(language, str) and language in LANGUAGES


def for_staff() -> bool:
    """Whether this request is for a staff page (English whatever the browser asks)."""
    return request.path.startswith(STAFF_PREFIXES)


def browser_language() -> str:
    """The browser's preferred language among ours (Accept-Language, q-values honoured)."""
    return request.accept_languages.best_match(LANGUAGES, default=LANGUAGES[0])


def chosen_language() -> str:
    """The patient's language for this request (see the module docstring)."""
    language = session.get(SESSION_KEY)
    return language if is_supported(language) else browser_language()


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    return LANGUAGES[0] if for_staff() else chosen_language()


def page_language() -> str:
    """The language this page is rendered in ("en", "es")."""
    return str(get_locale() or LANGUAGES[0])


def remember(language: str) -> None:
    """Keep the patient's choice in the session cookie (the screening keeps its own copy)."""
    if is_supported(language) and session.get(SESSION_KEY) != language:
        session[SESSION_KEY] = language
        refresh()  # a locale worked out earlier in this request no longer applies


def init_app(app: Flask) -> None:
    """Flask-Babel with the catalogs in screener/translations, and the page's language and the
    switch's names for templates."""
    Babel(app, locale_selector=select_locale,
          default_translation_directories=str(TRANSLATIONS))

    @app.context_processor
    def language_globals():
        return {"page_language": page_language, "language_names": NAMES,
                "languages": LANGUAGES, "for_staff": for_staff}
