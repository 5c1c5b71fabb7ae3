"""Core commands: check the questionnaire, evaluate answer sets, purge expired data."""

from __future__ import annotations

import json
import sys
from typing import Any, Iterable, Iterator

import click
from flask import current_app
from flask.cli import with_appcontext

from screener.core.questionnaire import QuestionnaireError, load
from screener.core import rules


@click.group("questionnaire")
def questionnaire_group() -> None:
    """Work with the questionnaire file."""


@questionnaire_group.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@with_appcontext
def check_command(path: str | None) -> None:
    """Validate PATH (default: the configured questions.yaml) and print a summary."""
    path = path or current_app.config["QUESTIONNAIRE_PATH"]
    try:
        loaded = load(path)
    except QuestionnaireError as error:
        click.echo(f"{path}: {len(error.problems)} problem(s)", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(loaded.summary())


@click.command("evaluate")
@click.argument("file", type=click.File("r", encoding="utf-8-sig", errors="replace"))
@click.option("--questionnaire-version", "version", metavar="VERSION",
              help="Evaluate under this stored questionnaire version (default: the current one).")
@with_appcontext
def evaluate_command(file, version: str | None) -> None:
    """Evaluate answer sets from FILE (- for stdin): one JSON object, or JSON Lines.

    Prints one JSON line per answer set. Invalid sets print an error line and make the exit
    status 2, after every other line has been evaluated.
    """
    questionnaire = current_app.extensions["questionnaire"]
    if version is not None and version != questionnaire.version:
        questionnaire = _stored_version(version)
    failed = False
    out = sys.stdout
    for number, document in _documents(file):
        result = _evaluate_document(questionnaire, number, document)
        failed = failed or "error" in result
        out.write(json.dumps(result, separators=(",", ":"), ensure_ascii=False) + "\n")
    out.flush()
    if failed:
        sys.exit(2)


def _stored_version(version: str):
    """A questionnaire version kept in the database (every version screenings were answered
    under); a clear error, exit status 1, when there is none."""
    from sqlalchemy.exc import SQLAlchemyError

    from screener.web.questionnaires import known_versions, questionnaire_by_version

    try:
        found = questionnaire_by_version(version)
        known = known_versions() if found is None else []
    except SQLAlchemyError:
        raise click.ClickException(
            f"questionnaire version {version}: the database of stored versions cannot be read "
            "(check DATABASE_URL, and run flask db upgrade)") from None
    if found is None:
        raise click.ClickException(
            f"questionnaire version {version} is not stored (known: {', '.join(known)})")
    return found


class _Invalid:
    """A line that is not JSON, with the parser's reason."""

    def __init__(self, reason: str):
        self.reason = reason


def _documents(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON) per answer set, streaming JSON Lines.

    The input is JSON Lines when its first non-blank line is JSON on its own; otherwise it is read
    whole as one JSON document (an object spread over lines), or, failing that, line by line.
    """
    lines = iter(lines)
    head = []
    for line in lines:
        head.append(line)
        if line.strip():
            break
    if not head or not head[-1].strip():
        return
    first = _parse(head[-1])
    if not isinstance(first, _Invalid):
        yield len(head), first
        yield from _json_lines(lines, start=len(head) + 1)
        return
    head.extend(lines)
    whole = _parse("".join(head))
    if not isinstance(whole, _Invalid):
        yield 1, whole
    else:
        yield from _json_lines(head, start=1)


def _json_lines(lines: Iterable[str], start: int) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(lines, start=start):
        if line.strip():
            yield number, _parse(line)


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        return _Invalid(getattr(error, "msg", str(error)))
    except RecursionError:
        return _Invalid("nested too deeply")


def _evaluate_document(questionnaire, number: int, document: Any) -> dict:
    if isinstance(document, _Invalid):
        return {"error": "invalid JSON", "line": number,
                "problems": [f"line {number}: not valid JSON ({document.reason})"]}
    if not isinstance(document, dict):
        return {"error": "invalid answer set", "line": number,
                "problems": ["expected a JSON object mapping question ids to answers"]}
    answers = rules.normalize_answers(questionnaire, document)
    problems = rules.validate_answers(questionnaire, answers)
    if problems:
        return {"error": "invalid answer set", "line": number, "problems": problems}
    return rules.evaluate(questionnaire, answers).to_dict()


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Delete expired drafts (and closed submissions past CLOSED_RETENTION_DAYS, if set)."""
    from screener.extensions import db
    from screener.storage.audit import CLI_ACTOR
    from screener.web.clock import clinic_zone
    from screener.web.questionnaires import current_questionnaire
    from screener.storage.retention import purge_expired

    counts = purge_expired(db.session, current_app.config.get("CLOSED_RETENTION_DAYS") or 0,
                           clinic_zone(), current_questionnaire(), dry_run=dry_run,
                           actor_label=CLI_ACTOR)
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {counts['drafts']} expired draft(s) and "
        f"{counts['closed']} closed submission(s) past retention"
    )
