"""Public FHIR endpoints: the questionnaire as a FHIR R4 Questionnaire resource."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from .fhir import questionnaire_resource
from .versions import current_questionnaire

bp = Blueprint("fhir", __name__, url_prefix="/fhir")

FHIR_JSON = "application/fhir+json; charset=utf-8"


@bp.get("/Questionnaire/<questionnaire_id>")
def questionnaire(questionnaire_id: str):
    """The questionnaire in force (public: it holds no patient data)."""
    current = current_questionnaire()
    if questionnaire_id != current.id:
        return _fhir_json(_not_found(f"There is no Questionnaire {questionnaire_id[:64]!r}."), 404)
    response = _fhir_json(questionnaire_resource(current))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(current.source_sha256)
    return response.make_conditional(request)


def _fhir_json(resource: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(resource, ensure_ascii=False, indent=2)
    return Response(body, status=status, content_type=FHIR_JSON)


def _not_found(message: str) -> dict[str, Any]:
    """A FHIR OperationOutcome, what FHIR clients expect with an error status."""
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "not-found", "diagnostics": message}]}
