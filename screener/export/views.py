"""Export blueprint (clinician/admin): CSV, FHIR NDJSON, one submission as FHIR, printable summary.

Every export is audited before its data is sent. Drafts and unsent screenings are never exported.
"""

from __future__ import annotations

import json
import uuid

from flask import (Blueprint, Response, current_app, render_template, request,
                   stream_with_context)
from flask_login import current_user

from screener.storage import audit
from screener.export import runs, xlsx_book
from screener.web import transactions
from screener.web.auth import permission_required, request_actor
from screener.web.errors import abort_with
from screener.web.lookups import sent_submission_or_404
from screener.extensions import db
from screener.export.fhir.resource import FHIR_JSON, FHIR_NDJSON
from screener.export.fhir.response import bundle
from screener.storage.filters import FilterError, ScreeningFilters
from screener.web.filter_args import parse_switch, screening_filters
from screener.storage.models import utcnow
from screener.core import languages, safety
from screener.core.rules import enabled_questions, enabled_view
from screener.storage import safety as safety_store
from screener.web.questionnaires import current_questionnaire, questionnaire_for
from screener.web.clock import clinic_zone

bp = Blueprint("export", __name__)



@bp.get("/staff/export.csv")
@permission_required("export")
def csv_file():
    """Submissions as CSV with the queue's filters; ``labels``, ``excel``, ``deidentified``."""
    filters = _filters()
    labels, excel = _switch("labels"), _switch("excel")
    contact = not _switch("deidentified")
    run = runs.prepare(filters)
    # Committed before streaming, in a write of its own (a GET's reads are never upgraded).
    transactions.write_apart(lambda: runs.record_audit(run, "csv", identified=contact,
                                                       **request_actor()))
    chunks = runs.csv_chunks(run, labels=labels, excel=excel, contact=contact)
    return _download(chunks, "text/csv; charset=utf-8; header=present", _filename(run, "csv"))


@bp.get("/staff/export.xlsx")
@permission_required("export")
def xlsx_file():
    """Submissions as an Excel workbook with the queue's filters; ``deidentified``."""
    filters = _filters()
    contact = not _switch("deidentified")
    run = runs.prepare(filters)
    if run.count > xlsx_book.WEB_MAX_ROWS:
        # The workbook's first byte comes when it is complete; past this size that is longer
        # than a web worker may take (GUNICORN_TIMEOUT), and the download would be cut off.
        abort_with(422, f"This view holds {run.count:,} submissions: an Excel workbook from "
                        f"the web holds at most {xlsx_book.WEB_MAX_ROWS:,}. Narrow the filters "
                        "(for example a date range), download the CSV, or run "
                        "`flask --app screener export xlsx -o FILE.xlsx` on the server.")
    transactions.write_apart(lambda: runs.record_audit(run, "xlsx", identified=contact,
                                                       **request_actor()))
    chunks = runs.xlsx_chunks(run, current_app.config["CLINIC_TZ"], contact=contact)
    return _download(chunks, xlsx_book.CONTENT_TYPE, _filename(run, "xlsx"))


@bp.get("/staff/export.ndjson")
@permission_required("export")
def ndjson_file():
    """Submissions as FHIR NDJSON (Bulk Data style): one resource per line."""
    filters = _filters()
    # The queue's export form sends the CSV's ``deidentified`` choice; a link may name either.
    identified = (not _switch("deidentified") if "deidentified" in request.args
                  else _switch("identified"))
    run = runs.prepare(filters)
    transactions.write_apart(lambda: runs.record_audit(run, "fhir-ndjson", identified=identified,
                                                       **request_actor()))
    chunks = runs.ndjson_chunks(run, identified=identified)
    return _download(chunks, FHIR_NDJSON, _filename(run, "ndjson"))


@bp.get("/staff/submissions/<uuid:screening_id>/fhir")
@permission_required("export")
def submission_fhir(screening_id: uuid.UUID):
    """One submission as a FHIR collection Bundle; ``identified=1`` adds a Patient."""
    identified = _switch("identified")
    screening = sent_submission_or_404(screening_id)
    document = bundle(questionnaire_for(screening), screening, identified, timestamp=utcnow())
    body = json.dumps(document, ensure_ascii=False, indent=2)
    _audit_one(screening_id, "fhir", identified)
    response = Response(body, content_type=f"{FHIR_JSON}; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="screening-{screening_id}.fhir.json"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/staff/submissions/<uuid:screening_id>/summary")
@permission_required("export")
def summary(screening_id: uuid.UUID):
    """A one-page, print-ready clinician summary of one submission."""
    screening = sent_submission_or_404(screening_id, with_notes=True)
    questionnaire = questionnaire_for(screening)
    steps, answers = enabled_view(questionnaire, screening.answers or {})
    shown = {step.id for step in steps}
    # A question the final answers did not show (a follow-up whose parent is "no") reads "Not
    # asked", not "Not answered"; its first-given safety answer is still in the section below.
    asked = {question.id for step in steps
             for question in enabled_questions(step, answers, questionnaire)}
    records = safety_store.records_for(db.session, screening.id)
    page = render_template(
        "export/summary.html", screening=screening, version=questionnaire,
        assessment=screening.assessment or {}, steps=steps, answers=answers, asked=asked,
        skipped=[step for step in questionnaire.steps if step.id not in shown],
        safety_answers=safety.kept(questionnaire, records, screening.answers or {}),
        changed_urgency=safety.changed_urgency(questionnaire, records, screening.answers or {}),
        printed_at=utcnow(), **languages.staff_context(questionnaire, screening),
    )
    _audit_one(screening_id, "summary", identified=True)
    return page


def _filters() -> ScreeningFilters:
    try:
        return screening_filters(request.args, current_questionnaire(),
                                 user_id=current_user.id, zone=clinic_zone())
    except FilterError as error:
        abort_with(400, str(error))


def _switch(name: str) -> bool:
    try:
        return parse_switch(request.args, name)
    except FilterError as error:
        abort_with(400, str(error))


def _audit_one(screening_id: uuid.UUID, fmt: str, identified: bool) -> None:
    """Commit the audit event of a one-submission export (before it is sent), in a write of
    its own."""
    transactions.write_apart(lambda: audit.record(
        "export", screening_id=screening_id, **request_actor(), format=fmt, rows=1,
        identified=identified))


def _download(chunks, content_type: str, filename: str) -> Response:
    """A streamed attachment that no cache or proxy keeps or buffers."""
    response = Response(stream_with_context(chunks), content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _filename(run: runs.ExportRun, extension: str) -> str:
    return f"screenings-{run.as_of.strftime('%Y%m%dT%H%M%SZ')}.{extension}"
