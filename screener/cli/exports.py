"""``flask export ...``: CSV and FHIR exports from the command line."""

import click


@click.group("export")
def export_group() -> None:
    """Export submissions (CSV, FHIR)."""
