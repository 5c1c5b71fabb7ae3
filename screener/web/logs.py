"""Logging: one configuration (``logging.config.dictConfig``) for the app and for gunicorn, text
or JSON lines, and a request id on every line logged while a request is served.

The id comes from ``X-Request-ID`` only when the request came through a trusted proxy (one that
``web.proxy.ForwardedFor`` accepted a hop from, ``TRUSTED_PROXY_HOPS``) and the value is short and
plain; otherwise it is generated. It is returned in the ``X-Request-ID`` response header, so a
nurse's report of a failed page can be matched with the server's lines. Log lines carry ids and
kinds, never answers, contact details or a patient page's path (see ``access_log``).
"""

from __future__ import annotations

import itertools
import json
import logging
import logging.config
import os
import re
import secrets
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from screener.web.access_log import FALLBACK_ROUTE, PATIENT_PREFIX

HEADER = "X-Request-ID"
ENVIRON_KEY = "screener.request_id"
# Set by web.proxy.ForwardedFor when it took the client address from a trusted proxy's hop.
_TRUSTED_HOP_KEY = "werkzeug.proxy_fix.orig_remote_addr"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PATIENT_PATH = re.compile(re.escape(PATIENT_PREFIX) + r"[^\s\[\]\"'?]*")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
ACCESS_TEXT_FORMAT = "%(message)s %(request_id)s"  # gunicorn's access line, then the id


def current_request_id() -> str | None:
    """The id of the request this thread serves, or None outside a request."""
    return _current.get()


def request_id_for(environ: dict) -> str:
    """The proxy's ``X-Request-ID`` when a trusted proxy sent a sane one, else a new id."""
    offered = environ.get("HTTP_X_REQUEST_ID")
    if offered and _TRUSTED_HOP_KEY in environ and _SANE.fullmatch(offered):
        return offered
    return new_request_id()


_counter = itertools.count()
_prefix = secrets.token_hex(8)


def _new_prefix() -> None:
    global _prefix
    _prefix = secrets.token_hex(8)


os.register_at_fork(after_in_child=_new_prefix)  # gunicorn's workers are forks of the master


def new_request_id() -> str:
    """32 hex digits, unique across processes: a random half per process (drawn again in a
    forked child) and a counter. Not a secret, so no system call per request."""
    return f"{_prefix}{next(_counter) & 0xFFFFFFFFFFFFFFFF:016x}"


class RequestId:
    """WSGI middleware: give each request an id, log under it, return it in ``X-Request-ID``.

    Wrapped by ``ForwardedFor`` (it must know whether a trusted proxy forwarded the request).
    The id is let go when the app returns its response: a view's lines are logged by then, and
    gunicorn's access line takes the id from the environ (``logging_for``).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        request_id = environ[ENVIRON_KEY] = request_id_for(environ)

        def start_with_id(status, headers, exc_info=None):
            headers.append((HEADER, request_id))  # the app never sets it; the list is new
            return start_response(status, headers, exc_info)

        token = _current.set(request_id)
        try:
            return self.app(environ, start_with_id)
        finally:
            _current.reset(token)


@contextmanager
def logging_for(environ: dict):
    """Log under the id of ``environ``'s request: gunicorn writes its access line after the
    response, when ``RequestId`` has already let go of the id."""
    token = _current.set(environ.get(ENVIRON_KEY))
    try:
        yield
    finally:
        _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request), and writes a patient
    page's path as its route: Flask's "Exception on /screening/safety [POST]" would otherwise
    tell an answer (gunicorn's access lines are made quiet by ``access_log`` already)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get() or "-"
            if record.name != "gunicorn.access":
                message = record.getMessage()
                if PATIENT_PREFIX in message:
                    record.msg, record.args = _PATIENT_PATH.sub(FALLBACK_ROUTE, message), None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (and the exception's
    type and traceback when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": (None if getattr(record, "request_id", "-") == "-"
                           else record.request_id),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a line is logged (gunicorn and pytest swap it
    after the configuration is made)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass  # always the current sys.stderr


def _formatters() -> dict:
    return {"text": {"format": TEXT_FORMAT},
            "access_text": {"format": ACCESS_TEXT_FORMAT},
            "json": {"()": f"{__name__}.JsonFormatter"}}


def _filters() -> dict:
    return {"request_id": {"()": f"{__name__}.RequestIdFilter"}}


def app_logconfig(level: str, log_format: str) -> dict:
    """The app's ``dictConfig``: the ``screener`` loggers at ``level`` to stderr.

    Only ``screener`` is configured (other loggers and their handlers are left alone), and it
    still propagates: under gunicorn the root handler skips ``screener`` lines
    (``gunicorn_logconfig``), under pytest the root logger is where lines are captured.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": _formatters(),
        "filters": _filters(),
        "handlers": {"app": {"()": f"{__name__}.StderrHandler", "formatter": log_format,
                             "filters": ["request_id"]}},
        "loggers": {"screener": {"level": level, "handlers": ["app"], "propagate": True}},
    }


def configure(level: str = "INFO", log_format: str = "text") -> None:
    """Apply the app's logging configuration (``create_app`` calls it from the settings)."""
    logging.config.dictConfig(app_logconfig(level, log_format))


class OtherLoggers(logging.Filter):
    """Passes records of every logger but the app's own (which has its handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "screener" or record.name.startswith("screener."))


def gunicorn_logconfig(log_format: str, level: str, access_log: str) -> dict:
    """gunicorn's ``logconfig_dict``: its error and access lines, and other libraries' lines,
    in ``log_format`` with the request id. ``access_log``: ``-`` (stdout), a file, or empty
    (none)."""
    access_formatter = "json" if log_format == "json" else "access_text"
    if not access_log:
        access = {"class": "logging.NullHandler"}
    elif access_log == "-":
        access = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    else:
        access = {"class": "logging.FileHandler", "filename": access_log}
    error = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
             "formatter": log_format, "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": _formatters(),
        "filters": dict(_filters(), others={"()": f"{__name__}.OtherLoggers"}),
        "handlers": {
            "error": error,
            "others": dict(error, filters=["request_id", "others"]),
            "access": dict(access, formatter=access_formatter, filters=["request_id"]),
        },
        "root": {"level": "WARNING", "handlers": ["others"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": ["error"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }
