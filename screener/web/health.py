"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from screener.extensions import csrf, db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz")
@csrf.exempt
def readyz():
    """The database answers and its schema is at the migrations' head."""
    from alembic.runtime.migration import MigrationContext  # Alembic only when probed

    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        current_app.logger.warning("readyz: database unavailable (%s)", type(error).__name__)
        return {"status": "unavailable", "database": "unreachable"}, 503
    heads = set(_script_heads())
    if current != heads:
        return {"status": "unavailable", "database": "ok", "migrations": "not at head"}, 503
    return {"status": "ok", "database": "ok", "migrations": "head"}


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
