"""Flask-Migrate, bound to the app only when something uses it.

Importing Flask-Migrate imports Alembic and every dialect it supports: about 0.1 s of CPU at each
start of each worker, for code that only the ``flask db`` commands, /readyz and the migration tests
run. ``app.extensions["migrate"]`` holds a stand-in until then; the first attribute read binds the
real extension, so Flask-Migrate's own commands and ``migrations/env.py`` work unchanged.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask


class LazyMigrate:
    """Drop-in for ``flask_migrate.Migrate`` whose ``init_app`` imports nothing heavy."""

    def init_app(self, app: Flask, db, **options: Any) -> None:
        """Register the stand-in configuration and the ``flask db`` command group."""
        app.extensions["migrate"] = _Unbound(app, db, options)
        app.cli.add_command(_db_command)


class _Unbound:
    """``app.extensions["migrate"]`` until first use; then Flask-Migrate's own config."""

    def __init__(self, app: Flask, db, options: dict[str, Any]):
        self._app, self._db, self._options = app, db, options
        self._bound = None

    def __getattr__(self, name: str) -> Any:
        if self._bound is None:
            from flask_migrate import Migrate

            Migrate(self._app, self._db, **self._options)  # replaces this stand-in
            self._bound = self._app.extensions["migrate"]
        return getattr(self._bound, name)


@click.command("db", add_help_option=False,
               context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _db_command(ctx: click.Context) -> Any:
    """Perform database migrations (Flask-Migrate)."""
    from flask_migrate.cli import db as commands

    with commands.make_context(ctx.info_name, list(ctx.args), parent=ctx.parent) as sub:
        return commands.invoke(sub)
