"""``flask users ...``: staff account administration."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from ..extensions import db
from ..models import StaffUser


@click.group("users")
def users_group() -> None:
    """Manage staff accounts."""


@users_group.command("hint")
@with_appcontext
def hint_command() -> None:
    """Print how to create the first staff account when there is none."""
    try:
        count = db.session.scalar(select(func.count()).select_from(StaffUser))
    except OperationalError:
        count = 0
    if not count:
        click.echo(
            "\nNo staff account yet. Create the first one (it asks for a password):\n"
            "  .venv/bin/flask --app screener users create you@clinic.example "
            "--name 'Your Name' --role admin\n"
            "then log in at http://127.0.0.1:5000/staff/login\n"
        )
