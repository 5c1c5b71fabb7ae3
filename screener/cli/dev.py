"""``flask dev ...``: development helpers; refuse to run in production."""

import click


@click.group("dev")
def dev_group() -> None:
    """Development helpers (never in production)."""
