"""Public FHIR endpoints: the questionnaire as a FHIR R4 Questionnaire resource."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from .fhir import questionnaire_resource
from .versions import current_questionnaire

bp = Blueprint("fhir", __name__, url_prefix="/fhir")

FHIR_JSON = "application/fhir+json; charset=utf-8"
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


def _fhir_json(resource: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(resource, ensure_ascii=False, indent=2)
    return Response(body, status=status, content_type=FHIR_JSON)


def operation_outcome(status: int, message: str) -> Response:
    """An error as a FHIR OperationOutcome, what FHIR clients expect with an error status."""
    issue = {"severity": "error", "code": _ISSUE_TYPES.get(status, "exception"),
             "diagnostics": message}
    return _fhir_json({"resourceType": "OperationOutcome", "issue": [issue]}, status)
