"""``flask users ...``: staff account administration. Every change is audited (actor "cli")."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError, OperationalError

from screener.core.values import normal_email
from screener.storage import audit, staff_accounts
from screener.cli.transactions import unit_of_work
from screener.extensions import db
from screener.storage.models import ROLES, StaffUser
from screener.web import mfa
from screener.web.passwords import hash_password, password_problems

_stdin_option = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)


@click.group("users")
def users_group() -> None:
    """Manage staff accounts."""


def _normal_email(value: str) -> str:
    try:
        return normal_email(value).lower()
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None


def _account(email: str) -> StaffUser:
    user = staff_accounts.account_by_email(db.session, email.strip().lower())
    if user is None:
        raise click.ClickException(f"No staff account with email {email.strip().lower()}.")
    return user


def _read_password(email: str, from_stdin: bool) -> str:
    """A password that meets the policy: from stdin, or prompted twice (hidden)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        problems = password_problems(password, email)
        if problems:
            raise click.ClickException("Password not accepted: " + "; ".join(problems) + ".")
        return password

    def check(value: str) -> str:
        problems = password_problems(value, email)
        if problems:
            raise click.UsageError("Password not accepted: " + "; ".join(problems) + ".")
        return value

    return click.prompt("Password", hide_input=True, confirmation_prompt=True, value_proc=check)


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Display name shown to other staff.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the account may do.")
@_stdin_option
@with_appcontext
def create_command(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Create a staff account; asks for the password twice (or reads --password-stdin)."""
    email = _normal_email(email)
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise click.BadParameter("give a name of 1 to 200 characters", param_hint="--name")
    if staff_accounts.account_by_email(db.session, email) is not None:
        raise click.ClickException(f"A staff account with email {email} already exists.")
    password_hash = hash_password(_read_password(email, password_stdin))
    try:
        # Only now take SQLite's write lock: never while a person is typing.
        with unit_of_work():
            # The person chooses their own password at the first login, before setting up the
            # second factor: the proof, beyond this password, that they are who enrols a phone.
            user = StaffUser(email=email, name=name, role=role, password_hash=password_hash,
                             must_change_password=True)
            db.session.add(user)
            db.session.flush()
            staff_accounts.end_all_pending(db.session, user.id)
            audit.record("user_created", actor_label=audit.CLI_ACTOR, user_id=user.id,
                         email=email, role=role)
    except IntegrityError:
        raise click.ClickException(f"A staff account with email {email} already exists.") from None
    click.echo(f"Created {role} account {email}. At the first login its owner chooses a new "
               "password, then sets up an authenticator app.")


@users_group.command("list")
@with_appcontext
def list_command() -> None:
    """List staff accounts."""
    users = staff_accounts.all_accounts(db.session)
    if not users:
        click.echo("No staff accounts.")
        return
    for user in users:
        state = "active" if user.active else "deactivated"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_login_at else "never"
        factor = "second factor on" if user.has_second_factor else "no second factor yet"
        click.echo(f"{user.email}\t{user.name}\t{user.role}\t{state}\tlast login {last}"
                   f"\t{factor}")


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role_command(email: str, role: str) -> None:
    """Change the role of an account (takes effect on its next request)."""
    with unit_of_work():  # read then write: take SQLite's write lock first
        user = _account(email)
        if user.role == role:
            click.echo(f"{user.email} is already {role}.")
            return
        old, user.role = user.role, role
        audit.record("role_changed", actor_label=audit.CLI_ACTOR, user_id=user.id,
                     email=user.email, role=role, old_role=old)
    click.echo(f"{user.email}: role {old} → {role}.")


def _activation_command(name: str, active: bool, summary: str, done: str) -> None:
    """Register ``flask users NAME EMAIL``, which makes an account (in)active."""
    @users_group.command(name, help=summary)
    @click.argument("email")
    @with_appcontext
    def command(email: str) -> None:
        click.echo(done.format(_set_active(email, active).email))


_activation_command("deactivate", False, "Deactivate an account and end all its sessions at once.",
                    "Deactivated {}; its sessions have ended.")
_activation_command("activate", True, "Reactivate a deactivated account.", "Activated {}.")


def _set_active(email: str, active: bool) -> StaffUser:
    """(De)activate an account, audited; deactivating ends all its sessions."""
    with unit_of_work():  # read then write: take SQLite's write lock first
        user = _account(email)
        user.active = active
        if not active:
            staff_accounts.end_all_logins(db.session, user.id)
        audit.record("user_activated" if active else "user_deactivated",
                     actor_label=audit.CLI_ACTOR, user_id=user.id, email=user.email,
                     active=active)
    return user


@users_group.command("reset-password")
@click.argument("email")
@_stdin_option
@with_appcontext
def reset_password_command(email: str, password_stdin: bool) -> None:
    """Set a new password, unlock the account and end all its sessions."""
    user = _account(email)
    password_hash = hash_password(_read_password(user.email, password_stdin))
    with unit_of_work():  # only now take SQLite's write lock: never while a person is typing
        user = _account(email)
        staff_accounts.set_password(db.session, user, password_hash, must_change=True)
        user.failed_logins, user.locked_until = 0, None
        staff_accounts.end_all_logins(db.session, user.id)
        audit.record("password_reset", actor_label=audit.CLI_ACTOR, user_id=user.id,
                     email=user.email)
    click.echo(f"Password reset for {user.email}; its sessions have ended. It must be changed "
               "at the next login.")


@users_group.command("reset-mfa")
@click.argument("email")
@with_appcontext
def reset_mfa_command(email: str) -> None:
    """Remove an account's second factor (a lost phone): its sessions end, its recovery codes
    stop working, and its next login sets up a new authenticator app."""
    with unit_of_work():  # read then write: take SQLite's write lock first
        user = _account(email)
        had = user.has_second_factor
        mfa.reset(user)
        staff_accounts.end_all_logins(db.session, user.id)
        audit.record("mfa_reset", actor_label=audit.CLI_ACTOR, user_id=user.id,
                     email=user.email)
    state = "removed" if had else "was not set up; nothing to remove"
    click.echo(f"Second factor of {user.email} {state}; its sessions and pending logins have "
               "ended. At the next login its owner chooses a new password, then sets up an "
               "authenticator app again.")


@users_group.command("hint")
@with_appcontext
def hint_command() -> None:
    """Print how to create the first staff account when there is none."""
    try:
        count = staff_accounts.account_count(db.session)
    except OperationalError:
        count = 0
    if not count:
        click.echo(
            "\nNo staff account yet. Create the first one (it asks for a password):\n"
            "  SCREENER_ENV=development .venv/bin/flask --app screener users create "
            "you@clinic.example --name 'Your Name' --role admin\n"
            "then log in at http://127.0.0.1:5000/staff/login: choose your own password, then\n"
            "set up an authenticator app (every staff login needs a 6-digit code from one; the\n"
            "page shows a QR code)\n"
        )
