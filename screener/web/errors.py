"""Friendly error pages: a clear message for the person, never a stack trace."""

from __future__ import annotations

from typing import Callable

from flask import Flask, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, SecurityError

from screener.web.languages import gettext, lazy_gettext as _l


def N_(text: str) -> str:
    """Mark ``text`` for the catalog; it is translated when shown (``render_error``)."""
    return text


# English, as tests and logs read them; each page shows them in its language.
MESSAGES = {
    400: (N_("Something in that request was not right"),
          N_("The page could not use what was sent. Please go back and try again.")),
    403: (N_("You do not have access to this page"),
          N_("Your account is not allowed to open this page. Ask an administrator if you need "
             "it.")),
    404: (N_("Page not found"), N_("We could not find that page. Check the address, or start "
                                   "again.")),
    405: (N_("That action is not available here"),
          N_("Please go back and use the buttons on the page.")),
    409: (N_("This page changed while you were on it"),
          N_("Someone or something changed this at the same moment. Please go back and try "
             "again.")),
    413: (N_("That was too much to send"), N_("Please shorten what you typed and try again.")),
    429: (N_("Too many attempts"), N_("Please wait a minute before trying again.")),
    500: (N_("Something went wrong on our side"),
          N_("Nothing you did caused this. Your saved answers are safe; please try again "
             "shortly.")),
    503: (N_("The service is busy or briefly unavailable"),
          N_("Your saved answers are safe. Please try again in a minute.")),
}


_RENDERERS = "screener.error_renderers"


def render_errors_under(app: Flask, path_prefix: str,
                        render: Callable[[int, str], object]) -> None:
    """Errors under ``path_prefix`` are rendered by ``render(code, message)`` (an API's own
    error format, such as a FHIR OperationOutcome) instead of the HTML error page."""
    app.extensions.setdefault(_RENDERERS, {})[path_prefix] = render


def render_error(code: int, message: str | None = None):
    """The error page for ``code``, with an optional specific message."""
    title, default = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    title, message = gettext(title), str(message) if message else gettext(default)
    for prefix, render in current_app.extensions.get(_RENDERERS, {}).items():
        if request.path.startswith(prefix):
            return render(code, message), code
    if request.accept_mimetypes.best == "application/json":
        return {"error": title, "message": message}, code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    from screener.extensions import db

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        specific = error.description if getattr(error, "screener_message", False) else None
        if error.code == 403:
            _audit_refused(db)
        return render_error(error.code, specific)

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A Host not in TRUSTED_HOSTS. No error page: its links would need a URL adapter, and
        # there is none for a host the app does not serve.
        return Response("Bad Request: this host name is not served here.\n", 400,
                        mimetype="text/plain")

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400, _l("This form has expired or was sent from elsewhere. Please go back, reload "
                    "the page and try again."))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: Exception):
        _rollback(db)
        app.logger.warning("database unavailable: %s", type(error).__name__)
        body, code = render_error(503)
        return body, code, {"Retry-After": "30"}

    @app.errorhandler(DataError)
    def value_refused(error: Exception):
        # The database refused a value (too long for its column, a byte PostgreSQL cannot
        # store): bad input that validation let through. The person gets a 400, never a 500;
        # the log gets the error's type only, never the statement or its values.
        _rollback(db)
        app.logger.warning("database refused a value: %s on %s %s", type(error.orig).__name__,
                           request.method, request.path)
        return render_error(400)

    @app.errorhandler(500)
    def internal_error(error: Exception):
        _rollback(db)
        return render_error(500)


def _rollback(db) -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the session is discarded at teardown
        pass


def _audit_refused(db) -> None:
    """A refused request (403) goes in the audit log: who, from where, which page (the
    endpoint's name, never the query string). Whatever the view had added is dropped first."""
    from flask_login import current_user

    from screener.storage import audit
    from screener.web import transactions

    _rollback(db)
    actor = current_user._get_current_object() if current_user.is_authenticated else None
    endpoint = (request.endpoint or "unknown")[:64]
    try:
        transactions.write_apart(lambda: audit.record(
            "access_refused", actor=actor, remote_addr=request.remote_addr, reason=endpoint))
    except SQLAlchemyError as problem:
        _rollback(db)
        current_app.logger.warning("refused request not audited: %s", type(problem).__name__)


def abort_with(code: int, message: str):
    """Abort with a specific, person-readable message on the error page."""
    from werkzeug.exceptions import default_exceptions

    error = default_exceptions[code](description=message)
    error.screener_message = True
    raise error
