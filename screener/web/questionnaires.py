"""The questionnaire in force and the versions stored screenings were answered under, for views
and commands: reads what the app loaded at start-up and hands it to storage/versions.py."""

from __future__ import annotations

from flask import current_app

from screener.core.questionnaire import Questionnaire
from screener.extensions import db
from screener.storage import versions
from screener.storage.versions import AnsweredUnder


def current_questionnaire() -> Questionnaire:
    """The questionnaire loaded at start-up."""
    return current_app.extensions["questionnaire"]


def current_source() -> str:
    """The text the questionnaire in force was loaded from at start-up (not the file now: it
    may have changed under this process)."""
    return current_app.extensions["questionnaire_source"]


def ensure_current_version_stored() -> str:
    """Store the questionnaire in force once in the request's session; return its sha256."""
    return versions.ensure_current_version_stored(db.session, current_questionnaire(),
                                                  current_source())


def all_versions() -> list[Questionnaire]:
    """The questionnaire in force, then every stored older text, newest first."""
    return versions.all_versions(db.session, current_questionnaire())


def questionnaire_by_version(version: str) -> Questionnaire | None:
    """The questionnaire of ``version`` (in force, stored or shipped), or None."""
    return versions.questionnaire_by_version(db.session, version, current_questionnaire())


def known_versions() -> list[str]:
    """The version in force, then every other stored or shipped version, newest first."""
    return versions.known_versions(db.session, current_questionnaire())


def questionnaire_for(screening: AnsweredUnder) -> Questionnaire:
    """The questionnaire a screening (or a wizard draft) was answered under."""
    return versions.questionnaire_for(db.session, screening, current_questionnaire())


def questionnaire_by_sha256(sha256: str) -> Questionnaire:
    """The questionnaire stored under ``sha256`` (the one in force when it matches or is
    missing)."""
    return versions.questionnaire_by_sha256(db.session, sha256, current_questionnaire())
