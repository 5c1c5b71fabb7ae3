"""The clinician dashboard in a real browser: axe finds nothing, it prints on one page, and its
screenshots at 1280×900 and 390×844 are kept for review.

Its own server: a year of seeded submissions (``flask dev seed``) would crowd the queue that the
other journeys read. With SCREENER_DOC_SCREENSHOTS=1 the screenshots also go to docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import select

from tests.browser.browser_server import ARTIFACTS, PROJECT_ROOT, LiveServer
from tests.kit.servers import flask_cli
from tests.browser.browser_pages import assert_accessible, pdf_page_count, print_to_pdf
from tests.browser.browser_staff import create_account, log_in

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory):
    """A server whose database holds a year of submissions, drafts and first contacts."""
    server = LiveServer(tmp_path_factory.mktemp("dashboard")).start()
    try:
        result = flask_cli(server.env, "dev", "seed", "1500", "--drafts", "--seed", "17")
        assert result.returncode == 0, result.stderr + result.stdout
        add_first_contacts(server)
        yield server
    finally:
        server.stop()


def add_first_contacts(server) -> None:
    """A status change to contacted for each seeded submission the seeder marked contacted or
    closed (the seeder writes no audit events), at the time it gave the change."""
    from screener.extensions import db
    from screener.storage.models import AuditEvent, Screening
    from tests.kit.apps import make_app

    app = make_app(f"sqlite:///{server.database}")
    with app.app_context():
        rows = db.session.execute(select(Screening.id, Screening.review_updated_at).where(
            Screening.review_status.in_(("contacted", "closed")))).all()
        db.session.add_all(AuditEvent(action="status_changed", screening_id=screening_id,
                                      at=moment, detail={"from": "in_review", "to": "contacted"})
                           for screening_id, moment in rows if moment is not None)
        db.session.commit()
        db.engine.dispose()


def screenshot(page, name: str) -> None:
    """Full-page screenshots at both sizes into test-artifacts/ (and docs/screenshots/ when
    SCREENER_DOC_SCREENSHOTS=1)."""
    ARTIFACTS.mkdir(exist_ok=True)
    original = page.viewport_size
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        path = ARTIFACTS / f"{name}-{size}.png"
        page.screenshot(path=str(path), full_page=True)
        if os.environ.get("SCREENER_DOC_SCREENSHOTS") == "1":
            docs = PROJECT_ROOT / "docs" / "screenshots"
            docs.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, docs / path.name)
    page.set_viewport_size(original)


def test_the_dashboard_is_accessible_prints_on_one_page_and_is_photographed(
        busy_server, page, axe_source):
    clinician = create_account(busy_server, "clinician", "Dr Dana Dashboard")
    log_in(page, busy_server.url, clinician)
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.wait_for_url("**/staff/dashboard")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text().startswith("Dashboard")
    for name in ("Sent submissions per week, by outcome", "From started to sent",
                 "Days from sending to first contact, per week"):
        assert page.get_by_role("img", name=name).is_visible(), name
    outcome_rows = page.locator("#table-outcomes tbody tr[data-outcome]")
    assert outcome_rows.count() == 5  # 1.2.0's adults_only has its row like the others
    assert page.locator('#table-outcomes tr[data-outcome="adults_only"]').is_visible()
    assert sum(int(cell) for cell in page.locator(
        "#table-outcomes tbody tr[data-outcome] td:nth-child(2)").all_inner_texts()) > 0
    assert_accessible(page, axe_source, "staff:dashboard")
    screenshot(page, "dashboard")
    for paper in ("Letter", "A4"):
        pdf = print_to_pdf(page, "dashboard", paper)
        assert pdf_page_count(pdf) == 1, f"the dashboard prints on one {paper} page"

    page.get_by_role("link", name="Last 12 months").click()
    page.wait_for_url("**/staff/dashboard?period=12m")
    assert page.get_by_role("link", name="Last 12 months").get_attribute(
        "aria-current") == "page"
    assert_accessible(page, axe_source, "staff:dashboard-12-months")
    assert pdf_page_count(print_to_pdf(page, "dashboard-12-months", "A4")) == 1, (
        "a year of weeks prints on one page too")

    page.get_by_label("From", exact=True).fill("2001-01-01")
    page.get_by_label("To", exact=True).fill("2001-01-31")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/staff/dashboard?period=custom*")
    assert page.get_by_text("No submissions in this period.").is_visible()
    assert_accessible(page, axe_source, "staff:dashboard-empty")


def test_the_summary_page_has_a_print_button_that_prints(busy_server, page):
    clinician = create_account(busy_server, "clinician", "Dr Pia Print")
    log_in(page, busy_server.url, clinician)
    page.locator("a[href^='/staff/submissions/']").first.click()
    page.wait_for_url("**/staff/submissions/*")
    page.get_by_role("link", name="Printable summary").click()
    page.wait_for_url("**/summary")
    button = page.get_by_role("button", name="Print", exact=True)
    button.wait_for(state="visible")
    # Inside a function: Playwright calls a function that an evaluated expression returns.
    page.evaluate("() => { window.print = () => { window.printed = (window.printed || 0) + 1; }; }")
    button.click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    assert not button.is_visible(), "the button is not on the printed page"
    page.emulate_media(media="null")
