"""Who may export: clinicians and admins; intake gets 403; anonymous goes to the login page."""

from __future__ import annotations

import pytest

from tests.factories import make_submission

EXPORT_ROUTES = (
    "/staff/export.csv",
    "/staff/export.ndjson",
    "/staff/submissions/{id}/fhir",
    "/staff/submissions/{id}/summary",
)


@pytest.fixture
def submission_id(app):
    with app.app_context():
        return make_submission().id


@pytest.mark.parametrize("route", EXPORT_ROUTES)
def test_anonymous_is_sent_to_login(client, submission_id, route):
    response = client.get(route.format(id=submission_id))
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


@pytest.mark.parametrize("route", EXPORT_ROUTES)
def test_intake_is_forbidden(client, login_as, submission_id, route):
    login_as("intake")
    response = client.get(route.format(id=submission_id))
    assert response.status_code == 403
    assert "Alex" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["clinician", "admin"])
@pytest.mark.parametrize("route", EXPORT_ROUTES)
def test_clinicians_and_admins_may_export(client, login_as, submission_id, route, role):
    login_as(role)
    response = client.get(route.format(id=submission_id))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    response.close()


def test_public_questionnaire_needs_no_login(client):
    assert client.get("/fhir/Questionnaire/ketamine-screening").status_code == 200


@pytest.mark.parametrize("suffix", ["fhir", "summary"])
def test_drafts_unsent_and_unknown_submissions_are_not_found(app, client, login_as, suffix):
    with app.app_context():
        draft = make_submission(status="draft", submitted_at=None, consent_at=None).id
        unsent = make_submission(status="completed").id
    login_as("clinician")
    for screening_id in (draft, unsent, "00000000-0000-0000-0000-000000000000"):
        assert client.get(f"/staff/submissions/{screening_id}/{suffix}").status_code == 404
    assert client.get(f"/staff/submissions/not-a-uuid/{suffix}").status_code == 404
