"""The access rules table of the staff area, one row per page (flaskr test_login_required style)."""

import pytest

from tests.factories import make_submission

QUEUE = ("GET", "/staff/", None)
DETAIL = ("GET", "/staff/submissions/{id}", None)
STATUS = ("POST", "/staff/submissions/{id}/status", {"status": "in_review"})
ASSIGN = ("POST", "/staff/submissions/{id}/assignee", {"assignee": "me"})
NOTES = ("POST", "/staff/submissions/{id}/notes", {"body": "Left a voicemail."})
AUDIT = ("GET", "/staff/audit", None)
USERS = ("GET", "/staff/users", None)

ALL_STAFF_PAGES = [QUEUE, DETAIL, STATUS, ASSIGN, NOTES]
ADMIN_PAGES = [AUDIT, USERS]


@pytest.fixture
def submission_id(app):
    with app.app_context():
        return make_submission().id


def request(client, page, submission_id):
    method, path, data = page
    return client.open(path.format(id=submission_id), method=method, data=data)


@pytest.mark.parametrize("page", ALL_STAFF_PAGES + ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, submission_id, page):
    response = request(client, page, submission_id)
    assert response.status_code == 302
    assert response.location.startswith("/staff/login")


@pytest.mark.parametrize("role", ["intake", "clinician", "admin"])
@pytest.mark.parametrize("page", ALL_STAFF_PAGES)
def test_every_role_works_the_queue(client, login_as, submission_id, role, page):
    login_as(role)
    response = request(client, page, submission_id)
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # a change redirects back to the submission
        assert response.location.startswith(f"/staff/submissions/{submission_id}")


@pytest.mark.parametrize("role, allowed", [("intake", False), ("clinician", False),
                                           ("admin", True)])
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_only_admins_see_audit_log_and_users(client, login_as, submission_id, role, allowed,
                                             page):
    login_as(role)
    response = request(client, page, submission_id)
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("role, links", [("intake", False), ("admin", True)])
def test_admin_links_only_for_admins(client, login_as, role, links):
    login_as(role)
    page = client.get("/staff/").get_data(as_text=True)
    assert ('href="/staff/audit"' in page) is links
    assert ('href="/staff/users"' in page) is links


@pytest.mark.parametrize("role, allowed", [
    ("intake", {"review"}),
    ("clinician", {"review", "export"}),
    ("admin", {"review", "export", "administer"}),
])
def test_each_role_can_what_the_permission_table_says(role, allowed):
    from screener.storage.models import PERMISSIONS, StaffUser

    user = StaffUser(role=role, active=True)
    assert {permission for permission in PERMISSIONS if user.can(permission)} == allowed


def test_nobody_logged_in_can_nothing(app):
    from flask_login import current_user

    with app.test_request_context():
        assert not current_user.is_authenticated
        assert not any(current_user.can(p) for p in ("review", "export", "administer"))


def test_an_unknown_permission_fails_loudly_when_a_view_is_declared():
    from screener.web.auth import permission_required

    with pytest.raises(LookupError, match="unknown permission"):
        permission_required("delete_everything")
