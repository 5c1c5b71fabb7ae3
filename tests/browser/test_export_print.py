"""The clinician summary prints on one page, US Letter or A4 (Chromium's print engine).

Chromium's own --print-to-pdf is used rather than Playwright: the browser tests hold a
session-wide Playwright instance, and a second one cannot run beside it. The summary itself comes
from the Flask test client (no live server needed). Skipped like the other browser tests when
Chromium is missing (an error with REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from screener.extensions import db
from screener.storage.models import Note
from tests.browser.browser_server import CHROMIUM, PROJECT_ROOT
from tests.browser.browser_pages import pdf_page_count
from tests.factories import make_staff, make_submission
from tests.helpers import baseline, gad7, phq9

STATIC = PROJECT_ROOT / "screener" / "static"


def pdf_pages(html_file: Path, pdf_file: Path) -> int:
    """Print ``html_file`` to PDF with headless Chromium; the number of pages."""
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf_file}", html_file.as_uri()],
        check=True, capture_output=True, timeout=90,
    )
    return pdf_page_count(pdf_file.read_bytes())


# Taken back on the way (worked example 22's answers): the summary then has its safety section.
TAKEN_BACK = [("phq9_9", 2), ("cssrs_thoughts", "yes"), ("cssrs_method", "yes"),
              ("cssrs_plan", "yes"), ("suicide_attempt", "yes"), ("suicide_attempt_recent", "yes")]


@pytest.fixture(params=["typical", "taken back", "taken back in Spanish"])
def summary_html(request, app, client, login_as) -> str:
    """A typical summary: every step answered, two flags' worth of reasons, two notes; the
    same with six safety answers taken back (the section listing them as first given); and
    that one screened in Spanish (its language line, legends and `translation: unvalidated`
    marks beside about thirty answers)."""
    with app.app_context():
        answers = baseline(**phq9(2, 2, 2, 2, 2, 0, 0, 0, 1), **gad7(2, 2, 2, 1, 1, 1, 1),
                           diagnoses=["depression", "ptsd"], chronic_pain="yes", peg_1=4,
                           peg_2=4, peg_3=3, phq9_difficulty="very", pregnancy="unsure")
        given = TAKEN_BACK if request.param.startswith("taken back") else ()
        language = "es" if request.param.endswith("Spanish") else "en"
        screening = make_submission(answers, name="Alex Example", phone="+1 555 0100",
                                    safety_answers=given, language=language)
        author = make_staff("intake", name="Nora Nurse")
        for body in ("Called back, left a message.", "Spoke with the patient; safe at home."):
            db.session.add(Note(screening_id=screening.id, author_id=author.id, body=body))
        db.session.commit()
        screening_id = screening.id
    login_as("clinician")
    html = client.get(f"/staff/submissions/{screening_id}/summary").get_data(as_text=True)
    return html.replace('href="/static/', f'href="{STATIC.as_uri()}/')


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_a_typical_summary_prints_on_one_page(summary_html, tmp_path, paper):
    page = summary_html.replace("</head>", f"<style>@page {{ size: {paper}; }}</style></head>")
    html_file = tmp_path / "summary.html"
    html_file.write_text(page, encoding="utf-8")
    assert pdf_pages(html_file, tmp_path / "summary.pdf") == 1
