"""Core commands: check the questionnaire, evaluate answer sets, purge expired data."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import questionnaire as questionnaire_module
from .. import rules


@click.group("questionnaire")
def questionnaire_group() -> None:
    """Work with the questionnaire file."""


@questionnaire_group.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def check_command(path: str | None) -> None:
    """Validate PATH (default: the configured questions.yaml) and print a summary."""
    path = path or current_app.config["QUESTIONNAIRE_PATH"]
    try:
        loaded = questionnaire_module.load(path)
    except questionnaire_module.QuestionnaireError as error:
        click.echo(f"{path}: {len(error.problems)} problem(s)", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(loaded.summary())


@click.command("evaluate")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def evaluate_command(file) -> None:
    """Evaluate answer sets from FILE (- for stdin): one JSON object, or JSON Lines.

    Prints one JSON line per answer set. Invalid sets print an error line and make the exit
    status 2, after every other line has been evaluated.
    """
    questionnaire = current_app.extensions["questionnaire"]
    text = file.read()
    failed = False
    out = sys.stdout
    for document in _documents(text):
        result = _evaluate_document(questionnaire, document)
        failed = failed or "error" in result
        out.write(json.dumps(result, separators=(",", ":"), ensure_ascii=False) + "\n")
    out.flush()
    if failed:
        sys.exit(2)


def _documents(text: str):
    """One whole-file JSON object (may span lines), else one JSON document per non-blank line."""
    stripped = text.strip()
    if not stripped:
        return
    if "\n" in stripped:
        try:
            whole = json.loads(stripped)
        except ValueError:
            whole = None
        if isinstance(whole, dict):
            yield ("ok", whole)
            return
    for number, line in enumerate(stripped.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield ("ok", json.loads(line))
        except ValueError as error:
            yield ("bad", f"line {number}: not valid JSON ({error.msg})")


def _evaluate_document(questionnaire, document) -> dict:
    kind, payload = document
    if kind == "bad":
        return {"error": "invalid JSON", "problems": [payload]}
    if not isinstance(payload, dict):
        return {"error": "invalid answer set",
                "problems": ["expected a JSON object mapping question ids to answers"]}
    answers = rules.normalize_answers(questionnaire, payload)
    problems = rules.validate_answers(questionnaire, answers)
    if problems:
        return {"error": "invalid answer set", "problems": problems}
    return rules.evaluate(questionnaire, answers).to_dict()


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Delete expired drafts (and closed submissions past CLOSED_RETENTION_DAYS, if set)."""
    from ..retention import purge_expired

    counts = purge_expired(dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {counts['drafts']} expired draft(s) and "
        f"{counts['closed']} closed submission(s) past retention"
    )
