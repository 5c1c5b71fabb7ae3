"""The exact questionnaire version any stored screening was answered under.

Storage reads no app state: the questionnaire in force (``current``) and the text it was loaded
from are passed in; screener/web/questionnaires.py passes the ones loaded at start-up."""

from __future__ import annotations

import hashlib
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from screener.storage.models import QuestionnaireVersion
from screener.core.questionnaire import Questionnaire, QuestionnaireError, loads

log = logging.getLogger(__name__)  # a child of the app's "screener" logger
# The official texts of retired versions, shipped with the package: `evaluate
# --questionnaire-version` works on a database that never stored them (a fresh install).
_PACKAGED = Path(__file__).resolve().parents[1] / "data"
_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*")


def ensure_current_version_stored(session, current: Questionnaire, source: str) -> str:
    """Store the questionnaire in force (``current``, loaded from ``source``) once; return its
    sha256."""
    sha = current.source_sha256
    if session.get(QuestionnaireVersion, sha) is None:
        try:
            with session.begin_nested():  # another worker may store it at the same moment
                session.add(QuestionnaireVersion(
                    sha256=sha, questionnaire_id=current.id,
                    version=current.version, source=source,
                ))
        except IntegrityError:
            pass
    return sha


def all_versions(session, current: Questionnaire) -> list[Questionnaire]:
    """The questionnaire in force, then every stored older text, newest first (one per text).

    A stored text today's loader refuses (its checks may have grown stricter) is left out and
    logged by hash, so listing versions never fails.
    """
    stored = session.scalars(
        select(QuestionnaireVersion).where(QuestionnaireVersion.sha256 != current.source_sha256)
        .order_by(QuestionnaireVersion.created_at.desc()))
    versions = [current]
    for row in stored:
        try:
            versions.append(_parse_snapshot(row.sha256, row.source))
        except QuestionnaireError:
            log.warning("stored questionnaire %s no longer loads", row.sha256[:12])
    return versions


def questionnaire_by_version(session, version: str,
                             current: Questionnaire) -> Questionnaire | None:
    """The questionnaire in force if it has ``version``, else the newest stored text that has it
    and still loads, else the official text shipped with the package (None when there is
    none)."""
    if version == current.version:
        return current
    stored = session.scalars(
        select(QuestionnaireVersion).where(QuestionnaireVersion.version == version)
        .order_by(QuestionnaireVersion.created_at.desc()))
    for row in stored:
        try:
            return _parse_snapshot(row.sha256, row.source)
        except QuestionnaireError:
            log.warning("stored questionnaire %s no longer loads", row.sha256[:12])
    return _packaged(version)


def _packaged(version: str) -> Questionnaire | None:
    """The official text of a retired version shipped with the package, or None."""
    path = _PACKAGED / f"questionnaire-{version}.yaml"
    if not _VERSION.fullmatch(version) or not path.is_file():
        return None
    source = path.read_text(encoding="utf-8")
    return _parse_snapshot(hashlib.sha256(source.encode("utf-8")).hexdigest(), source)


def _packaged_versions() -> list[str]:
    """The versions whose official text ships with the package."""
    return [p.name[len("questionnaire-"):-len(".yaml")]
            for p in _PACKAGED.glob("questionnaire-*.yaml")]


def known_versions(session, current: Questionnaire) -> list[str]:
    """The version in force, then every other stored or shipped version, newest first."""
    others = set(session.scalars(select(QuestionnaireVersion.version)))
    others.update(_packaged_versions())
    others.discard(current.version)
    return [current.version, *sorted(others, key=_version_key, reverse=True)]


def _version_key(version: str) -> tuple:
    """'1.10.0' sorts after '1.9.0'; a part that is not a number sorts first."""
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


class AnsweredUnder(Protocol):
    questionnaire_sha256: str


def questionnaire_for(session, screening: AnsweredUnder, current: Questionnaire) -> Questionnaire:
    """The questionnaire a screening (or a wizard draft) was answered under (``current``, the
    one in force, when unchanged)."""
    return questionnaire_by_sha256(session, screening.questionnaire_sha256, current)


def questionnaire_by_sha256(session, sha256: str, current: Questionnaire) -> Questionnaire:
    """The questionnaire stored under ``sha256`` (``current`` when it matches or is missing)."""
    if sha256 == current.source_sha256:
        return current
    snapshot = session.get(QuestionnaireVersion, sha256)
    if snapshot is None:
        return current
    return _parse_snapshot(snapshot.sha256, snapshot.source)


@lru_cache(maxsize=32)
def _parse_snapshot(sha256: str, source: str) -> Questionnaire:
    return loads(source, source=f"stored questionnaire {sha256[:12]}")
