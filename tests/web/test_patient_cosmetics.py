"""Issue 24's small things, as a patient on a phone meets them."""

from __future__ import annotations

from tests.helpers import baseline
from tests.web.test_wizard_resume import save_for_later
from tests.web.wizard_client import walk


def test_landing_offers_988_by_text_as_a_link_too(client):
    """The page says "call or text 988": both are one tap away."""
    page = client.get("/").get_data(as_text=True)
    section = page[page.index("Not for emergencies"):page.index("</section>",
                                                                 page.index("Not for emergencies"))]
    assert 'href="tel:988"' in section and '<a class="text-link" href="sms:988">' in section


def test_the_resume_address_is_marked_to_wrap(app, client):
    walk(client, baseline(), until="phq9")
    save_for_later(client, "phq9")
    client.post("/screening/save")
    page = client.get("/screening/save").get_data(as_text=True)
    assert '<strong class="resume-url">http://localhost/screening/resume</strong>' in page


def test_scale_options_are_at_least_44_px(client):
    """The stylesheet gives a 0-10 option a finger-sized target (checked in a browser too)."""
    css = client.get("/static/screener.css").get_data(as_text=True)
    assert ".scale .option { min-width: 44px; min-height: 44px;" in css
    assert "minmax(44px, 1fr)" in css
