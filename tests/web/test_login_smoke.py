"""Login basics the other staff tests rely on."""

from tests.factories import PASSWORD, make_staff


def test_login_and_logout_round_trip(app, client):
    with app.app_context():
        make_staff("intake", email="nurse@clinic.example")
    response = client.post("/staff/login", data={"email": "Nurse@Clinic.example",
                                                 "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    client.post("/staff/logout")
    assert client.get("/staff/").status_code == 302


def test_login_as_fixture(client, login_as):
    login_as("clinician")
    assert client.get("/staff/").status_code == 200


def test_anonymous_redirected_to_login(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_wrong_password_is_generic(app, client):
    with app.app_context():
        make_staff("intake", email="a@clinic.example")
    page = client.post("/staff/login", data={"email": "a@clinic.example", "password": "nope"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Email or password is incorrect." in page
