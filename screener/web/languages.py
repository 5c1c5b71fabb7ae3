"""The language of a page, and its gettext.

Staff pages (and the API under them) are always English. A patient page follows the choice kept
in the session cookie, else the browser's Accept-Language, q-values honoured (Spanish when
preferred over English). The cookie's choice is the screening's language: the wizard writes both
together (start, switch), and a resume code sets the cookie from the screening it opens.

Flask-Babel is the locale selector, the catalogs' tooling (``make translations``) and Jinja's
i18n extension; the templates' and this module's gettext read the catalogs loaded once at start
and the language worked out once per request (``g``): Flask-Babel's own looks both up again for
every string, a fifth of a step page's time.
"""

from __future__ import annotations

from urllib.parse import quote

from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, has_request_context, request, session, url_for
from flask_babel import Babel, refresh
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from screener.config import PROJECT_ROOT

LANGUAGES = ("en", "es")  # English first: the default, and the questionnaire's source language
NAMES = {"en": "English", "es": "Español"}  # each in its own language, for the switch
SESSION_KEY = "language"  # the choice made before a draft existed
STAFF_PREFIXES = ("/staff", "/fhir")  # pages for the clinic's staff: English only
TRANSLATIONS = PROJECT_ROOT / "screener" / "translations"
_PAGE_KEY = "page_language"  # in ``g``: this request's language, worked out once
_CATALOGS: dict[str, NullTranslations] = {}  # language -> its catalog, loaded by init_app
_UNTRANSLATED = NullTranslations()  # English, the source language


def is_supported(language: object) -> bool:
    return isinstance(language, str) and language in LANGUAGES


def for_staff() -> bool:
    """Whether this request is for a staff page (English whatever the browser asks)."""
    return request.path.startswith(STAFF_PREFIXES)


def browser_language() -> str:
    """The browser's preferred language among ours (Accept-Language, q-values honoured)."""
    return request.accept_languages.best_match(LANGUAGES, default=LANGUAGES[0])


def select_locale() -> str:
    """The language of this request's pages (Flask-Babel's locale selector too)."""
    if for_staff():
        return LANGUAGES[0]
    chosen = session.get(SESSION_KEY)
    return chosen if is_supported(chosen) else browser_language()


def page_language() -> str:
    """The language this page is rendered in ("en", "es"), worked out once per request;
    English outside a request (forms and texts used by commands and unit tests)."""
    if not has_request_context():
        return LANGUAGES[0]
    language = g.get(_PAGE_KEY)
    if language is None:
        language = select_locale()
        setattr(g, _PAGE_KEY, language)
    return language


def remember(language: str) -> None:
    """Keep the patient's choice in the session cookie (the screening keeps its own copy);
    the rest of this request follows it too."""
    if is_supported(language) and session.get(SESSION_KEY) != language:
        session[SESSION_KEY] = language
        setattr(g, _PAGE_KEY, language)
        refresh()  # Flask-Babel's locale, if it was worked out already


def _catalog() -> NullTranslations:
    return _CATALOGS.get(page_language()) or _UNTRANSLATED


def gettext(string: str, **variables) -> str:
    """``string`` in the page's language, with ``%(name)s`` variables filled in."""
    translated = _catalog().gettext(string)
    return translated % variables if variables else translated


def template_gettext(string: str, **variables) -> Markup:
    """Templates' ``_()``: the text (markup the template wrote) in the page's language, its
    variables escaped. A plain function: Jinja's i18n wrapper costs two context calls a text."""
    return _in_markup(_catalog(), string, variables)


def _in_markup(catalog: NullTranslations, string: str, variables: dict) -> Markup:
    translated = Markup(catalog.gettext(string))
    return translated % variables if variables else translated


def _page_gettext():
    """``_()`` for one page: its catalog looked up once, not for every text."""
    catalog = _catalog()
    return lambda string, **variables: _in_markup(catalog, string, variables)


def template_ngettext(singular: str, plural: str, num: int, **variables) -> Markup:
    """Templates' ``ngettext()``, like ``template_gettext`` (``num`` is a variable too)."""
    variables.setdefault("num", num)
    return Markup(_catalog().ngettext(singular, plural, num)) % variables


class LazyText(LazyString):
    """A text translated when shown, escaped like any text in a template (Flask-Babel's own
    lazy string passes itself off as safe HTML)."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    """``gettext`` when the text is shown, in that request's language (module constants, form
    messages and labels)."""
    return LazyText(gettext, string, **variables)


def language_switch(step_form: str | None = None) -> Markup:
    """The links to the other languages, for a patient page's header: each sets the language
    (``wizard.follow_language_link``) and comes back to this page. On a step, the page's script
    makes a click send the step's own form (``step_form``) with ``action=language-xx`` instead,
    so the choices made on it and not yet sent are kept; without script the link still works
    (the answers already saved are kept).

    Every patient page renders this, so it is built with plain string joins (``Markup.format``
    and a ``url_for`` per link made it 3 % of a step GET), every value escaped."""
    here = page_language()
    target = request.full_path if request.query_string else request.path
    back = "?next=" + quote(target, safe="/")
    links = "".join(_switch_link(language, back, step_form)
                    for language in LANGUAGES if language != here)
    return Markup(f'<nav class="language-switch" aria-label="{escape(gettext("Language"))}">'
                  f"{links}</nav>")


def _switch_link(language: str, back: str, step_form: str | None) -> str:
    """One language's link (``language`` is one of ours; the rest is escaped here)."""
    script = "" if step_form is None else (
        f' data-switch-form="{escape(step_form)}" data-switch-action="language-{language}"')
    href = escape(_switch_address(language) + back)
    return (f'<a href="{href}" hreflang="{language}" lang="{language}"{script}>'
            f"{escape(NAMES[language])}</a>")


def _switch_address(language: str) -> str:
    """``url_for("wizard.follow_language_link", language=…)``, built once per app and script
    root (the address never changes while the app runs)."""
    known = current_app.extensions.setdefault(_SWITCH_ADDRESSES, {})
    key = (request.script_root, language)
    if key not in known:
        known[key] = url_for("wizard.follow_language_link", language=language)
    return known[key]


_SWITCH_ADDRESSES = "screener.language_switch"  # in app.extensions: (script root, language) -> address


def init_app(app: Flask) -> None:
    """Flask-Babel and the catalogs in screener/translations; the page's language and the
    switch's names for templates."""
    Babel(app, locale_selector=select_locale,
          default_translation_directories=str(TRANSLATIONS))
    _CATALOGS["en"] = _UNTRANSLATED
    for language in LANGUAGES[1:]:
        _CATALOGS[language] = Translations.load(str(TRANSLATIONS), [language])
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                                 ngettext=template_ngettext)

    @app.context_processor
    def language_globals():
        page_gettext = _page_gettext()
        return {"page_language": page_language, "language_switch": language_switch,
                "for_staff": for_staff, "_": page_gettext, "gettext": page_gettext}
