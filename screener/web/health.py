"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from screener.config import memory_rate_limits
from screener.extensions import csrf, db, limiter

bp = Blueprint("health", __name__)
logger = logging.getLogger("screener.health")


def rate_limits_down() -> bool:
    """Whether the shared rate-limit store (Redis) was found unreachable: Flask-Limiter then
    counts in each process (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) until it answers again.
    Cheap: reads the flag Flask-Limiter keeps, no network call."""
    return bool(getattr(limiter, "_storage_dead", False))


def _rate_limits_state() -> str:
    """"ok", "per-process" (memory store by design) or "unavailable" (the store does not
    answer; logged as an error)."""
    if memory_rate_limits(current_app.config.get("RATELIMIT_STORAGE_URI") or ""):
        return "per-process"
    try:
        answers = bool(limiter.storage.check())
    except Exception:  # any client error means the same to a probe: not answering
        answers = False
    if answers and not rate_limits_down():
        return "ok"
    # Not the URI itself: it may carry the store's password.
    logger.error("rate-limit store (RATELIMIT_STORAGE_URI) unreachable: limits are counted per "
                 "process until it answers")
    return "unavailable"


@bp.app_context_processor
def _rate_limit_banner() -> dict:
    # Admins see a banner (templates/staff/base.html) while limits are per process.
    return {"rate_limits_down": rate_limits_down}


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz")
@csrf.exempt
def readyz():
    """The database answers and its schema is at the migrations' head. The rate-limit store's
    state is reported but never fails the probe (DECISIONS "Staff pages"): a load balancer must
    keep serving the patient pages and their crisis resources while Redis is down."""
    from alembic.runtime.migration import MigrationContext  # Alembic only when probed

    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        current_app.logger.warning("readyz: database unavailable (%s)", type(error).__name__)
        return {"status": "unavailable", "database": "unreachable"}, 503
    heads = set(_script_heads())
    rate_limits = _rate_limits_state()
    if current != heads:
        return {"status": "unavailable", "database": "ok", "migrations": "not at head",
                "rate_limits": rate_limits}, 503
    return {"status": "ok", "database": "ok", "migrations": "head", "rate_limits": rate_limits}


def _script_heads() -> list[str]:
    """The migration heads on disk, read once per app (they cannot change while it runs)."""
    heads = current_app.extensions.get("screener.migration_heads")
    if heads is None:
        from alembic.script import ScriptDirectory

        migrate = current_app.extensions["migrate"]
        config = migrate.migrate.get_config(migrate.directory)
        heads = ScriptDirectory.from_config(config).get_heads()
        current_app.extensions["screener.migration_heads"] = heads
    return heads
