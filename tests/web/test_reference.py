"""The reference a patient quotes when calling: on the sent page, on the staff detail page, found
by the queue search however it is typed."""

from __future__ import annotations

import pytest

from screener.storage import receipts
from tests.helpers import baseline
from tests.web.test_wizard import only
from tests.web.wizard_client import complete, send


def test_references_are_short_and_unambiguous():
    """Read out on the phone: no 0/O, 1/I/L, U/V."""
    for _ in range(300):
        reference = receipts.new_reference()
        assert len(reference) == 7 and reference[3] == "-"
        assert not set(reference) & set("01OILUV")
    assert receipts.normalise_reference(" k7q 4m9 ") == "K7Q-4M9"
    assert receipts.normalise_reference("K7Q-4M0") is None


@pytest.mark.parametrize("typed", ["{ref}", "{lower}", "{bare}"])
def test_staff_find_the_submission_by_its_reference(app, client, login_as, typed):
    patient = app.test_client()
    complete(patient, baseline())
    send(patient, name="Robin Reference")
    reference = only(app).reference
    query = typed.format(ref=reference, lower=reference.lower(), bare=reference.replace("-", ""))
    login_as("intake")
    page = client.get("/staff/", query_string={"q": query}).get_data(as_text=True)
    assert "Robin Reference" in page


def test_the_detail_page_shows_the_reference(app, client, login_as):
    patient = app.test_client()
    complete(patient, baseline())
    send(patient)
    stored = only(app)
    login_as("intake")
    page = client.get(f"/staff/submissions/{stored.id}").get_data(as_text=True)
    assert f"<strong data-reference>{stored.reference}</strong>" in page
