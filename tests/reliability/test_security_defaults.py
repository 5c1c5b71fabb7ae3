"""Safe defaults, checked on the app as deployed (SCREENER_ENV=production)."""

from __future__ import annotations

import logging
import re

import pytest
from flask import request
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from screener.web.errors import MESSAGES
from screener.extensions import db

HTTPS = "https://clinic.example"
PUBLIC_PAGES = ("/", "/help", "/staff/login", "/no-such-page")
INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I), "javascript: URL"),
    (re.compile(r"<style\b", re.I), "inline <style>"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "style attribute (blocked by the CSP)"),
]


def csp_directives(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: sources}."""
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def inline_code(html: str) -> list[str]:
    """What in ``html`` the CSP would block (or needs a nonce): empty when the page is clean."""
    return [f"{what}: {match.group(0)[:80]}" for pattern, what in INLINE
            for match in pattern.finditer(html)]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_security_headers_in_production(production_app, path):
    response = production_app.test_client().get(path, base_url=HTTPS)
    headers = response.headers
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    # same-origin, not no-referrer: Flask-WTF's HTTPS CSRF check needs the Referer.
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    if response.mimetype == "text/html":
        assert headers["Cache-Control"] == "no-store"
        assert inline_code(response.get_data(as_text=True)) == []


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_inline_code_detector_finds_what_the_csp_blocks():
    assert inline_code('<script src="/static/x.js"></script><p class="a">') == []
    assert len(inline_code('<script>alert(1)</script><a onclick="x()">'
                           '<div style="width: 5%"><a href="javascript:x()">')) == 4


def test_production_cookies_are_secure_httponly_samesite(production_app):
    client = production_app.test_client()
    response = client.get("/staff/login", base_url=HTTPS)
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies, "the login form's CSRF token lives in the session cookie"
    for cookie in cookies:
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= attributes, cookie
        assert re.search(r"samesite=(lax|strict)", cookie, re.I), cookie
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    assert production_app.config["REMEMBER_COOKIE_HTTPONLY"] is True


def test_production_error_page_has_no_traceback(production_app, caplog):
    marker = "internal-detail-7f3a9c"

    def explode():
        raise RuntimeError(f"boom {marker}")

    production_app.add_url_rule("/__explode", "explode", explode)
    assert not production_app.debug and not production_app.testing
    with caplog.at_level(logging.CRITICAL, logger=production_app.logger.name):
        response = production_app.test_client().get("/__explode", base_url=HTTPS)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert MESSAGES[500][0] in page
    for leak in ("Traceback", "RuntimeError", marker, "File \"", "werkzeug", "site-packages"):
        assert leak not in page


def test_request_body_over_the_limit_is_a_friendly_413(production_app):
    limit = production_app.config["MAX_CONTENT_LENGTH"]
    assert 0 < limit <= 1024 * 1024
    response = production_app.test_client().post(
        "/staff/login", base_url=HTTPS, data={"email": "x" * (limit + 1), "password": "p"})
    assert response.status_code == 413
    assert MESSAGES[413][0] in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/?q=a%00b", "/staff/login?next=%00"])
def test_nul_byte_in_query_is_a_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert MESSAGES[400][0] in response.get_data(as_text=True)


def test_nul_byte_in_form_is_a_400(client):
    response = client.post("/staff/login", data={"email": "a\x00@clinic.example",
                                                 "password": "x"})
    assert response.status_code == 400


def test_database_errors_do_not_carry_the_values(app):
    marker = "Marker Patientname 5f1e"
    with app.app_context():
        with pytest.raises(IntegrityError) as raised:
            db.session.execute(text("INSERT INTO staff_users (email, name) VALUES (:e, :n)"),
                               {"e": "x@clinic.example", "n": marker})
        db.session.rollback()
    assert marker not in str(raised.value)
    assert "hidden" in str(raised.value)


def remote_addr_seen(app, **headers) -> str:
    app.add_url_rule("/__addr", "addr", lambda: request.remote_addr or "")
    return app.test_client().get("/__addr", headers=headers,
                                 environ_base={"REMOTE_ADDR": "10.0.0.1"}).get_data(as_text=True)


def test_forwarded_for_is_ignored_without_a_trusted_proxy(app):
    assert remote_addr_seen(app, **{"X-Forwarded-For": "203.0.113.7"}) == "10.0.0.1"


def test_forwarded_for_is_used_behind_a_trusted_proxy():
    from tests.kit.apps import QUESTIONS, make_app

    app = make_app("sqlite://", TRUSTED_PROXY_HOPS=1, QUESTIONNAIRE_PATH=str(QUESTIONS))
    forwarded = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7"}
    assert remote_addr_seen(app, **forwarded) == "203.0.113.7"  # the proxy's own entry only
