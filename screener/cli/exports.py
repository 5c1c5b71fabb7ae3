"""``flask export ...``: CSV and FHIR exports from the command line, audited as actor "cli"."""

from __future__ import annotations

import json
from typing import Iterable

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.datastructures import MultiDict

from screener.cli.transactions import unit_of_work
from screener.export import runs
from screener.storage.audit import CLI_ACTOR
from screener.export.fhir.resource import questionnaire_resource, unmapped_conditions
from screener.storage.filters import FilterError, ScreeningFilters
from screener.web.questionnaires import current_questionnaire
from screener.web.clock import clinic_zone
from screener.web.filter_args import screening_filters


def filter_options(command):
    """The export filters shared by every export command (the same as the web's)."""
    options = [
        click.option("--since", metavar="DATE",
                     help="Submitted on or after DATE (YYYY-MM-DD, UTC)."),
        click.option("--until", metavar="DATE",
                     help="Submitted on or before DATE (YYYY-MM-DD, UTC)."),
        click.option("--outcome", multiple=True, help="Only this outcome id (repeatable)."),
        click.option("--status", multiple=True, help="Only this review status (repeatable)."),
        click.option("--flag", multiple=True, help="Only submissions with this flag (repeatable)."),
        click.option("-o", "--output", default="-", type=click.Path(dir_okay=False),
                     help="Write to FILE instead of standard output."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group("export")
def export_group() -> None:
    """Export submissions (CSV, Excel, FHIR)."""


@export_group.command("csv")
@filter_options
@click.option("--labels", is_flag=True, help="Add a second header row with the question texts.")
@click.option("--excel", is_flag=True, help="Start with a UTF-8 byte order mark, for Excel.")
@click.option("--deidentified", is_flag=True, help="Leave out the contact columns.")
@with_appcontext
def csv_command(output: str, labels: bool, excel: bool, deidentified: bool, **filters) -> None:
    """Export sent submissions as CSV (one row per submission)."""
    run = runs.prepare(_filters(filters))
    with unit_of_work():  # the audit event is committed before any row is written
        runs.record_audit(run, "csv", identified=not deidentified, actor_label=CLI_ACTOR)
    _write(output, runs.csv_chunks(run, labels=labels, excel=excel, contact=not deidentified))
    click.echo(f"exported {run.count} submission(s) as CSV{_described(run)}", err=True)


@export_group.command("xlsx")
@filter_options
@click.option("--deidentified", is_flag=True, help="Leave out the contact columns.")
@with_appcontext
def xlsx_command(output: str, deidentified: bool, **filters) -> None:
    """Export sent submissions as an Excel workbook (submissions and codebook sheets)."""
    if output == "-" and click.get_binary_stream("stdout").isatty():
        raise click.UsageError("an Excel workbook is binary: name a file with -o FILE.xlsx")
    run = runs.prepare(_filters(filters))
    with unit_of_work():  # the audit event is committed before any row is written
        runs.record_audit(run, "xlsx", identified=not deidentified, actor_label=CLI_ACTOR)
    _write(output, runs.xlsx_chunks(run, current_app.config["CLINIC_TZ"],
                                    contact=not deidentified))
    click.echo(f"exported {run.count} submission(s) as Excel{_described(run)}", err=True)


@export_group.command("fhir")
@filter_options
@click.option("--ndjson", "mode", flag_value="ndjson",
              help="Submissions as FHIR NDJSON: per submission its QuestionnaireResponse and "
                   "score Observations, one resource per line.")
@click.option("--questionnaire", "mode", flag_value="questionnaire",
              help="The questionnaire as a FHIR R4 Questionnaire resource.")
@click.option("--identified", is_flag=True,
              help="With --ndjson: add a Patient with contact details.")
@with_appcontext
def fhir_command(output: str, mode: str | None, identified: bool, **filters) -> None:
    """Export as FHIR R4: --ndjson (submissions) or --questionnaire."""
    if mode == "questionnaire":
        questionnaire = current_questionnaire()
        for path in unmapped_conditions(questionnaire):
            click.echo(f"warning: {path} has no FHIR enableWhen equivalent; the item is "
                       "always enabled in the resource", err=True)
        _write(output, [json.dumps(questionnaire_resource(questionnaire), ensure_ascii=False,
                                   indent=2) + "\n"])
        return
    if mode != "ndjson":
        raise click.UsageError("choose --ndjson (submissions) or --questionnaire")
    run = runs.prepare(_filters(filters))
    with unit_of_work():  # the audit event is committed before any row is written
        runs.record_audit(run, "fhir-ndjson", identified=identified, actor_label=CLI_ACTOR)
    _write(output, runs.ndjson_chunks(run, identified=identified))
    click.echo(f"exported {run.count} submission(s) as FHIR NDJSON{_described(run)}", err=True)


def _filters(options: dict) -> ScreeningFilters:
    """The CLI options as the web's query parameters, parsed by the same code."""
    args = MultiDict()
    for name, key in (("outcome", "outcome"), ("status", "status"), ("flag", "flag")):
        for value in options.get(name) or ():
            args.add(key, value)
    for name, key in (("since", "from"), ("until", "to")):
        if options.get(name):
            args.add(key, options[name])
    try:
        return screening_filters(args, current_questionnaire(),
                                 date_names=("--since", "--until"),
                                 zone=clinic_zone())
    except FilterError as error:
        raise click.UsageError(str(error)) from None


def _described(run: runs.ExportRun) -> str:
    """' (outcome crisis; received from 2026-01-01)': what the filters chose, or ''."""
    words = run.filters.in_words()
    return f" ({words})" if words else ""


def _write(output: str, chunks: Iterable[str]) -> None:
    """Write UTF-8 text (or bytes) to OUTPUT; a file appears only when complete."""
    with click.open_file(output, "wb", atomic=output != "-") as stream:
        for chunk in chunks:
            stream.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
