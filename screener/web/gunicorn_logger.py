"""gunicorn's logger with the patient pages' access lines made quiet (see access_log.py)."""

from __future__ import annotations

from gunicorn.glogging import Logger

from screener.web.access_log import quiet_atoms


class QuietAccessLogger(Logger):
    """gunicorn's logger with ``quiet_atoms`` applied to every access line."""

    def atoms(self, resp, req, environ, request_time):
        return quiet_atoms(super().atoms(resp, req, environ, request_time), environ)
