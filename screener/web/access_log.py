"""gunicorn's access log without what would tell who saw which patient page.

``/screening/safety`` exists only when PHQ-9 item 9 ≥ 1 and ``/screening/help-now`` only after "a
plan today"; next to a client address, in a log that ``purge`` never touches, a path names a
person's answers. Response sizes differ by outcome too. So for ``/screening/*`` the log keeps the
method, the route (``/screening/<step>``, set by the wizard in ``ROUTE_KEY``), the status and the
time, and nothing else: no address, size, referrer, user agent, query or headers. Staff URLs
keep their full path and the client address, which an audit needs.

gunicorn.conf.py sets ``logger_class`` to ``screener.web.gunicorn_logger.QuietAccessLogger``,
which applies ``quiet_atoms``; this module imports no gunicorn, so the wizard can import it.
"""

from __future__ import annotations

ROUTE_KEY = "screener.log_route"  # WSGI environ key: the route to log instead of the path
PATIENT_PREFIX = "/screening/"
FALLBACK_ROUTE = "/screening/<step>"  # a path the wizard did not route (404s, errors)
# Kept for patient pages: when, what kind of request, how it went, how long it took.
_KEPT = ("t", "m", "s", "H", "T", "D", "M", "L", "p")


def quiet_atoms(atoms: dict, environ: dict) -> dict:
    """``atoms`` as gunicorn computed them, reduced to ``_KEPT`` for a patient page."""
    path = environ.get("PATH_INFO") or ""
    if not (path.startswith(PATIENT_PREFIX) or path == PATIENT_PREFIX.rstrip("/")):
        return atoms
    route = environ.get(ROUTE_KEY) or FALLBACK_ROUTE
    quiet = {key: atoms[key] for key in _KEPT if key in atoms}
    quiet.update({"U": route, "r": f"{atoms.get('m')} {route} {atoms.get('H')}",
                  "h": "-", "b": "-", "B": "-", "f": "-", "a": "-", "q": "", "u": "-"})
    return quiet
