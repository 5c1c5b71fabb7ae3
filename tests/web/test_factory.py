"""The application factory, settings and the landing page."""

import pytest
from markupsafe import escape

from screener import create_app
from screener.config import ConfigurationError


def test_testing_config(app):
    assert app.testing
    assert app.config["SCREENER_ENV"] == "testing"


def test_landing_page(client, questionnaire):
    response = client.get("/")
    assert response.status_code == 200
    assert questionnaire.title.encode() in response.data
    assert b'href="/help"' in response.data


def test_help_page_lists_crisis_resources(client, questionnaire):
    page = client.get("/help").get_data(as_text=True)
    for resource in questionnaire.crisis_resources:
        assert str(escape(resource.text)) in page


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("SCREENER_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("SCREENER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("TRUSTED_HOSTS", "screening.clinic.example")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unknown_page_is_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"Traceback" not in response.data


def test_security_headers(client):
    response = client.get("/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
