"""TRUSTED_HOSTS (Flask's own setting) and the production cookie name (issue 16).

A forged Host header used to be reflected in FHIR fullUrls and redirects.
"""

from __future__ import annotations

import json

import pytest

from screener import create_app
from screener.config import ConfigurationError
from tests.kit.apps import BASE_CONFIG


@pytest.fixture
def guarded(app):
    app.config["TRUSTED_HOSTS"] = ["screening.clinic.example"]
    return app.test_client()


@pytest.mark.parametrize("path", ["/", "/healthz", "/fhir/Questionnaire", "/staff/",
                                  "/screening/start"])
def test_an_untrusted_host_gets_a_400(guarded, path):
    response = guarded.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)


def test_a_trusted_host_is_served_and_reflected(guarded):
    response = guarded.get("/fhir/Questionnaire", headers={"Host": "screening.clinic.example"})
    assert response.status_code == 200
    urls = [entry["fullUrl"] for entry in json.loads(response.data)["entry"]]
    assert urls and all(url.startswith("http://screening.clinic.example/fhir/") for url in urls)
    redirect = guarded.get("/staff/", headers={"Host": "screening.clinic.example:8443"})
    assert redirect.status_code == 302  # a port on a trusted name is fine


def test_forged_host_reaches_neither_redirects_nor_full_urls(guarded):
    for path in ("/staff/", "/fhir/Questionnaire"):
        response = guarded.get(path, headers={"Host": "evil.example"})
        assert "evil.example" not in (response.headers.get("Location") or "")
        assert "evil.example" not in response.get_data(as_text=True)


def test_the_setting_is_read_comma_separated(monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTED_HOSTS", " screening.clinic.example , .clinic.example,")
    app = create_app(dict(BASE_CONFIG, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db"))
    assert app.config["TRUSTED_HOSTS"] == ["screening.clinic.example", ".clinic.example"]


def production(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("SCREENER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return create_app()


def test_production_refuses_to_start_without_trusted_hosts(monkeypatch, tmp_path):
    with pytest.raises(ConfigurationError, match="TRUSTED_HOSTS"):
        production(monkeypatch, tmp_path)


def test_production_session_cookie_has_the_host_prefix(monkeypatch, tmp_path):
    app = production(monkeypatch, tmp_path, TRUSTED_HOSTS="localhost")
    assert app.config["TRUSTED_HOSTS"] == ["localhost"]
    response = app.test_client().get("/staff/login")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "secure" in attributes and "path=/" in attributes
    assert not any(part.startswith("domain=") for part in attributes)


def test_development_and_tests_keep_the_plain_cookie_name(app):
    # Plain http://localhost in development: a __Host- cookie needs Secure.
    assert app.config["SESSION_COOKIE_NAME"] == "session"
    assert app.config["TRUSTED_HOSTS"] is None  # not required outside production
