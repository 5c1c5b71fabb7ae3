"""Journey 6: a clinician downloads CSV and FHIR from the browser and prints the summary."""

from __future__ import annotations

import csv
import io
import json

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from tests.browser.browser_pages import (assert_accessible, pdf_page_count, print_to_pdf, snap,
                                 snap_print)
from tests.browser.browser_patient import path_of
from tests.browser.browser_staff import log_in

NDJSON_MODELS = {"QuestionnaireResponse": QuestionnaireResponse, "Observation": Observation}


def download(page, link_name: str, role: str = "link") -> tuple[str, bytes]:
    """Click a link (or a button) that downloads a file: its suggested name and its bytes."""
    with page.expect_download() as info:
        page.get_by_role(role, name=link_name, exact=True).click()
    file = info.value
    return file.suggested_filename, file.path().read_bytes()


def test_clinician_exports_and_prints(live_server, page, axe_source, questionnaire,
                                      sent_screenings, staff_accounts):
    mouse = sent_screenings["mouse"]
    log_in(page, live_server.url, staff_accounts["clinician"])
    assert path_of(page) == "/staff/"
    assert_accessible(page, axe_source, "staff:queue-with-exports")

    # The queue's export buttons (issue 25); the CSV from the page starts with the BOM.
    name, body = download(page, "CSV", role="button")
    assert name.endswith(".csv") and body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    by_name = {row["contact_name"]: row for row in rows}
    assert mouse in by_name and len(rows) >= len(sent_screenings)
    row = by_name[mouse]
    assert row["outcome"] == "possible_fit"
    for question_id in ("age_18_plus", "phq9_1", "pregnancy"):
        assert question_id in row, f"a column per question id: {question_id}"

    name, body = download(page, "Excel (.xlsx)", role="button")
    assert name.endswith(".xlsx")
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames == ["Submissions", "Codebook"]
    assert any(mouse in row for row in book["Submissions"].iter_rows(values_only=True))

    page.get_by_label("De-identified").check()
    name, body = download(page, "FHIR", role="button")
    assert name.endswith(".ndjson")
    resources = [json.loads(line) for line in body.decode("utf-8").splitlines() if line]
    kinds = {resource["resourceType"] for resource in resources}
    assert {"QuestionnaireResponse", "Observation"} <= kinds
    for resource in resources:
        model = NDJSON_MODELS.get(resource["resourceType"])
        if model is not None:
            model.model_validate(resource)
    canonical = f"{questionnaire.url}|{questionnaire.version}"
    assert all(r["questionnaire"] == canonical for r in resources
               if r["resourceType"] == "QuestionnaireResponse")

    page.get_by_role("link", name=mouse, exact=True).click()
    page.wait_for_load_state()
    assert_accessible(page, axe_source, "staff:detail-with-exports")
    name, body = download(page, "Download FHIR bundle")
    bundle = json.loads(body)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    assert "Patient" not in {e["resource"]["resourceType"] for e in bundle["entry"]}

    page.get_by_role("link", name="Printable summary").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Screening summary").is_visible()
    assert mouse in page.inner_text("main")
    assert_accessible(page, axe_source, "staff:summary")
    snap(page, "staff-summary", sizes=("desktop",))
    snap_print(page, "staff-summary")
    for paper in ("Letter", "A4"):
        pdf = print_to_pdf(page, "staff-summary", paper)
        assert pdf_page_count(pdf) == 1, f"the clinician summary prints on one {paper} page"


def test_page_counter_sees_a_long_print(live_server, page, staff_accounts, sent_screenings):
    """The one-page checks mean something: a long page prints on several pages."""
    log_in(page, live_server.url, staff_accounts["clinician"])
    page.get_by_role("link", name=sent_screenings["mouse"], exact=True).click()
    page.wait_for_load_state()
    assert pdf_page_count(print_to_pdf(page, "staff-detail")) > 1
