"""``flask notify``: deliver urgent alerts from a separate process, and see what is unsent."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from screener.notify import deliver_due
from screener.notify.sender import worker_id
from screener.storage import outbox

OFF = ("Urgent alerts are off: set URGENT_NOTIFY_TO (and MAIL_SERVER, MAIL_DEFAULT_SENDER, "
       "PUBLIC_BASE_URL) to email intake when an urgent submission arrives.")


@click.group("notify")
def notify_group() -> None:
    """Urgent alert emails to intake (the outbox)."""


@notify_group.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@with_appcontext
def run_command(once: bool) -> None:
    """Deliver due alerts with retries until stopped (Ctrl-C), for deployments that run the
    sender as its own process (set NOTIFY_IN_PROCESS=false on the web processes then)."""
    from screener.notify.sender import account_mail_on

    if not current_app.config["URGENT_NOTIFY_TO"] and not account_mail_on(current_app.config):
        raise click.ClickException(OFF)
    worker = worker_id()
    poll = current_app.config["NOTIFY_POLL_SECONDS"]
    while True:
        counts = deliver_due(current_app._get_current_object(), worker)
        if any(counts.values()):
            click.echo(f"sent {counts['sent']}, to retry {counts['retry']}, "
                       f"failed {counts['failed']}")
        if once:
            return
        time.sleep(poll)


@notify_group.command("status")
@with_appcontext
def status_command() -> None:
    """List pending and failed alerts (ids and times only; exits 1 when any has failed)."""
    rows = outbox.unsent()
    if not current_app.config["URGENT_NOTIFY_TO"]:
        click.echo(OFF)
    if not rows:
        click.echo("No pending or failed alerts.")
        return
    click.echo(f"{'id':>6}  {'status':8} {'tries':>5}  {'created (UTC)':19}  "
               f"{'next try (UTC)':19}  last error  submission")
    for row in rows:
        click.echo(f"{row.id:>6}  {row.status:8} {row.attempts:>5}  {_when(row.created_at)}  "
                   f"{_when(row.next_attempt_at) if row.status == 'pending' else '—':19}  "
                   f"{row.last_error or '—'}  {row.screening_id}")
    if any(row.status == "failed" for row in rows):
        raise SystemExit(1)


@notify_group.command("hint")
@with_appcontext
def hint_command() -> None:
    """Say whether urgent alerts are on (printed by `make run`)."""
    config = current_app.config
    if config["URGENT_NOTIFY_TO"]:
        click.echo(f"Urgent alerts go to {len(config['URGENT_NOTIFY_TO'])} address(es) via "
                   f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}.")
    else:
        click.echo(OFF)


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "—"
