"""gunicorn's logger with the patient pages' access lines made quiet (see access_log.py) and
each access line logged under its request's id (see logs.py)."""

from __future__ import annotations

from gunicorn.glogging import Logger

from screener.web.access_log import quiet_atoms
from screener.web.logs import logging_for


class QuietAccessLogger(Logger):
    """gunicorn's logger with ``quiet_atoms`` applied to every access line."""

    def atoms(self, resp, req, environ, request_time):
        return quiet_atoms(super().atoms(resp, req, environ, request_time), environ)

    def access(self, resp, req, environ, request_time):
        with logging_for(environ):
            super().access(resp, req, environ, request_time)
