"""Post/Redirect/Get everywhere, and phone-first page details (issue 13)."""

from __future__ import annotations

import re

from tests.helpers import baseline
from tests.kit.pages import parse
from tests.web.test_wizard import only
from tests.web.wizard_client import CONTACT, complete, step_data, walk

STEP_COUNT = re.compile(r"Step \d+ of \d+")


def step_counts(page: str) -> list[str]:
    """Every "Step N of M" the page says: in its words (title included) or an attribute."""
    parsed = parse(page)
    said = [parsed.find("html").text] + [value for element in parsed.elements
                                         for value in element.attrs.values()]
    return [count for text in said for count in STEP_COUNT.findall(text)]


def test_every_wizard_post_answers_with_a_redirect(app, client):
    posts = []

    def post(path, data=None):
        response = client.post(path, data=data or {})
        posts.append((path, response.status_code))
        return response

    post("/screening/start")
    post("/screening/about", {})  # errors
    post("/screening/about", {"age_18_plus": "yes"})
    post("/screening/diagnosis", {"action": "back"})
    post("/screening/about", {"action": "save"})
    post("/screening/save")
    post("/screening/resume", {"code": "wrong"})
    walk(client, baseline())
    post("/screening/review")
    post("/screening/send", {"name": ""})  # errors
    post("/screening/send", CONTACT)
    post("/screening/restart", {"confirm": "yes"})
    assert all(status == 302 for _, status in posts), posts


def test_pending_input_is_taken_once_and_cleared(app, client):
    walk(client, baseline(), until="phq9")
    client.post("/screening/phq9", data={"phq9_1": "3"})
    assert only(app).pending_input["page"] == "phq9"
    first = client.get("/screening/phq9").get_data(as_text=True)
    assert 'class="error-summary"' in first
    assert only(app).pending_input is None
    again = client.get("/screening/phq9").get_data(as_text=True)
    assert 'class="error-summary"' not in again
    assert 'id="phq9_1-3" value="3" checked' in again  # the valid answer was saved


def test_pending_input_is_only_shown_on_its_own_page(app, client):
    walk(client, baseline(), until="phq9")
    client.post("/screening/phq9", data={"phq9_1": "3"})
    page = client.get("/screening/diagnosis").get_data(as_text=True)
    assert "error-summary" not in page
    assert client.get("/screening/phq9").status_code == 200


def test_refused_contact_details_wait_on_the_draft_not_in_the_cookie_or_url(app, client):
    complete(client, baseline())
    response = client.post("/screening/send", data={**CONTACT, "consent": ""})
    assert response.headers["Location"] == "/screening/send"
    with client.session_transaction() as session:
        assert CONTACT["email"] not in str(dict(session))
    assert only(app).pending_input["data"]["email"] == [CONTACT["email"]]
    page = client.get("/screening/send").get_data(as_text=True)
    assert f'value="{CONTACT["email"]}"' in page and "Tick the box to agree" in page
    assert only(app).pending_input is None


def test_sending_clears_what_waited_on_the_draft(app, client):
    walk(client, baseline(), until="phq9")
    client.post("/screening/phq9", data={"phq9_1": "3"})  # pending, never shown
    walk(client, baseline())
    client.post("/screening/review")
    client.post("/screening/send", data=CONTACT)
    row = only(app)
    assert row.status == "submitted" and row.pending_input is None


def test_changing_an_answer_from_review_says_so_and_counts_no_steps(client):
    walk(client, baseline())
    page = client.get("/screening/diagnosis?return_to=review").get_data(as_text=True)
    assert "Save and return to review" in page and not step_counts(page)
    normal = client.get("/screening/diagnosis").get_data(as_text=True)
    assert ">Continue</button>" in normal
    assert STEP_COUNT.fullmatch(parse(normal).find("p", class_="progress-text").text)


def test_review_offers_the_result_at_top_and_bottom_and_start_over_apart(client):
    walk(client, baseline())
    page = client.get("/screening/review").get_data(as_text=True)
    assert page.count('action="/screening/review"') == 2
    top, bottom = page.index("see-result-top"), page.index("see-result-bottom")
    first_step = page.index('class="card review-step"')
    assert top < first_step < bottom < page.index('class="start-over-section"')
    assert 'href="/screening/about?return_to=review#age_18_plus"' in page


def test_long_instrument_steps_keep_their_stem_in_view(client):
    walk(client, baseline(), until="phq9")
    assert 'class="stem stem-sticky"' in client.get("/screening/phq9").get_data(as_text=True)


def test_favicon(client):
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert client.get(response.headers["Location"]).status_code == 200
