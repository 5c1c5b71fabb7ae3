"""Public FHIR endpoints: the questionnaire as a FHIR R4 Questionnaire resource, the one in
force and, by search, every version a stored screening was answered under."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request, url_for

from screener.export.fhir.resource import FHIR_JSON, canonical_url, questionnaire_resource
from screener.web.questionnaires import all_versions, current_questionnaire
from screener.web.errors import render_errors_under

bp = Blueprint("fhir", __name__, url_prefix="/fhir")


@bp.record_once
def _errors_as_operation_outcomes(state) -> None:
    render_errors_under(state.app, "/fhir/", operation_outcome)

# HTTP error status -> FHIR issue type (http://hl7.org/fhir/ValueSet/issue-type).
_ISSUE_TYPES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
                405: "not-supported", 409: "conflict", 413: "too-long", 429: "throttled",
                503: "transient"}


@bp.get("/Questionnaire/<questionnaire_id>")
def questionnaire(questionnaire_id: str):
    """The questionnaire in force (public: it holds no patient data)."""
    current = current_questionnaire()
    if questionnaire_id != current.id:
        return operation_outcome(404, f"There is no Questionnaire {questionnaire_id[:64]!r}.")
    response = _fhir_json(questionnaire_resource(current))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(current.source_sha256)
    return response.make_conditional(request)


@bp.get("/Questionnaire")
def questionnaire_search():
    """FHIR search by ``url`` and ``version`` (or ``url=<url>|<version>``): how a FHIR client
    resolves the canonical a QuestionnaireResponse points to, versions no longer in force too.
    Without parameters, every version. A searchset Bundle, newest first."""
    url, _, version = request.args.get("url", "").partition("|")
    version = request.args.get("version", version)
    matches = [q for q in all_versions()
               if (not url or canonical_url(q) == url) and (not version or q.version == version)]
    entries = [{"fullUrl": url_for(".questionnaire", questionnaire_id=q.id, _external=True),
                "resource": _versioned(questionnaire_resource(q), q.source_sha256),
                "search": {"mode": "match"}} for q in matches]
    return _fhir_json({"resourceType": "Bundle", "type": "searchset", "total": len(entries),
                       "entry": entries})


def _versioned(resource: dict[str, Any], sha256: str) -> dict[str, Any]:
    """Versions share a location; ``meta.versionId`` (the text's hash) tells them apart."""
    return {**resource, "meta": {**resource.get("meta", {}), "versionId": sha256[:16]}}


def _fhir_json(resource: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(resource, ensure_ascii=False, indent=2)
    return Response(body, status=status, content_type=f"{FHIR_JSON}; charset=utf-8")


def operation_outcome(status: int, message: str) -> Response:
    """An error as a FHIR OperationOutcome, what FHIR clients expect with an error status."""
    issue = {"severity": "error", "code": _ISSUE_TYPES.get(status, "exception"),
             "diagnostics": message}
    return _fhir_json({"resourceType": "OperationOutcome", "issue": [issue]}, status)
