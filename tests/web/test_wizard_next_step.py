"""The next step on a result and the sent page: "Book a consultation" (BOOKING_URL) or the
clinic's phone (CLINIC_PHONE), only where the result shown offers booking, never on a crisis
result; and the settings refused when they are not what they claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener import config
from screener.config import ConfigurationError
from tests.helpers import baseline, phq9
from tests.kit.pages import parse
from tests.web.test_wizard_result import EXAMPLES, SPEC_OUTCOMES
from tests.web.wizard_client import complete, questionnaire, send, shown_outcome

BOOKING = "https://book.clinic.example/consultation"


def booking_links(page: str) -> list:
    """The page's "Book a consultation" links to the clinic's booking page."""
    return [link for link in parse(page).find_all("a", href=BOOKING, data_booking=True)
            if link.text == "Book a consultation"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_booking_follows_the_result_the_patient_sees(app, client, name):
    """possible_fit and safety_review (``offer_booking`` in questions.yaml) offer it; a crisis
    result, or anyone shown the crisis result, never does."""
    app.config["BOOKING_URL"] = BOOKING
    page = complete(client, EXAMPLES[name]).get_data(as_text=True)
    shown = shown_outcome(page)
    offers = questionnaire().outcomes_by_id[shown].offer_booking
    assert bool(booking_links(page)) == offers, (name, shown)
    assert offers == (SPEC_OUTCOMES[name] in ("possible_fit", "safety_review")
                      and shown != "crisis")


def test_no_booking_link_on_a_crisis_result(app, client):
    app.config.update(BOOKING_URL=BOOKING, CLINIC_PHONE="+1 555 010 0100")
    page = complete(client, EXAMPLES["crisis_plan"]).get_data(as_text=True)
    assert "data-booking" not in page and "data-clinic-phone" not in page


def test_without_booking_url_the_clinic_phone_is_a_tel_link(app, client):
    app.config["CLINIC_PHONE"] = "+1 555 010 0100"
    page = complete(client, EXAMPLES["possible_fit"]).get_data(as_text=True)
    assert '<a href="tel:+15550100100" data-clinic-phone>+1 555 010 0100</a>' in page
    assert "data-booking" not in page


def test_without_either_setting_nothing_is_offered(app, client):
    page = complete(client, EXAMPLES["possible_fit"]).get_data(as_text=True)
    assert "data-booking" not in page and "data-clinic-phone" not in page


def test_sent_page_offers_booking_after_a_possible_fit(app, client):
    app.config["BOOKING_URL"] = BOOKING
    complete(client, EXAMPLES["possible_fit"])
    send(client)
    assert booking_links(client.get("/screening/sent").get_data(as_text=True))


def test_sent_page_of_an_at_risk_patient_has_no_booking_link(app, client):
    """Crisis resources lead: no booking link on that page at all."""
    app.config["BOOKING_URL"] = BOOKING
    complete(client, baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)))
    send(client)
    page = client.get("/screening/sent").get_data(as_text=True)
    assert 'class="crisis"' in page and "data-booking" not in page


@pytest.mark.parametrize("settings, problem", [
    ({"BOOKING_URL": "http://book.clinic.example"}, "BOOKING_URL"),
    ({"BOOKING_URL": "javascript:alert(1)"}, "BOOKING_URL"),
    ({"BOOKING_URL": "https://"}, "BOOKING_URL"),
    ({"CLINIC_PHONE": "call us"}, "CLINIC_PHONE"),
    ({"CLINIC_PHONE": "123"}, "CLINIC_PHONE"),
])
def test_bad_next_step_settings_stop_the_app(settings, problem):
    with pytest.raises(ConfigurationError, match=problem):
        next_step_settings(settings)


def test_good_next_step_settings_are_kept():
    assert next_step_settings({"BOOKING_URL": f" {BOOKING} ", "CLINIC_PHONE": "(555) 010-0100"}
                              ) == {"BOOKING_URL": BOOKING, "CLINIC_PHONE": "(555) 010-0100"}
    assert next_step_settings({}) == {"BOOKING_URL": "", "CLINIC_PHONE": ""}


def next_step_settings(overrides: dict) -> dict:
    """BOOKING_URL and CLINIC_PHONE as the settings object reads them (no environment)."""
    settings = config.load({}, instance_path=Path("instance"), strict=False, overrides=overrides)
    return {"BOOKING_URL": settings.booking_url, "CLINIC_PHONE": settings.clinic_phone}
