"""The staff second factor in Chromium, on a 390 × 844 phone: set up the app from the QR page,
keep the recovery codes, log in with a code, have a replayed code refused, and log in once (and
only once) with a recovery code; then reset-mfa for a lost phone."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import zxingcpp
from PIL import Image

from tests.browser.browser_pages import assert_accessible, snap
from tests.browser.browser_patient import path_of
from tests.browser.browser_staff import (choose_new_password, create_account, enter_password,
                                  log_out)
from tests.kit.servers import flask_cli
from tests.kit.staff import Authenticator

PHONE_390 = {"width": 390, "height": 844}


def read_qr(png: bytes) -> str:
    """What a phone's camera reads from a screenshot of the QR code."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, "the QR code on the page cannot be read"
    return found[0].text


def send_code(page, code: str, button: str = "Continue") -> None:
    page.get_by_role("textbox").fill(code)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name=button).click()


def flashes(page) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


@pytest.mark.slow
def test_enrol_log_in_replay_and_recovery_on_a_phone(browser, live_server, axe_source):
    nurse = create_account(live_server, "intake", "Mia Multifactor")
    context = browser.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    try:
        # First login: the password leads to choosing one's own (issue 23: the proof beyond the
        # password an administrator set), then to setting up the app, not into the queue.
        enter_password(page, live_server.url, nurse)
        assert path_of(page) == "/staff/mfa/new-password"
        page.goto(live_server.url + "/staff/mfa/setup")
        assert path_of(page) == "/staff/mfa/new-password", "no secret before the new password"
        page.goto(live_server.url + "/staff/")
        assert path_of(page) == "/staff/login", "nothing is open before the second factor"
        enter_password(page, live_server.url, nurse)
        assert_accessible(page, axe_source, "staff:mfa-new-password")
        choose_new_password(page, nurse.email)
        assert path_of(page) == "/staff/mfa/setup"
        qr = page.locator(".qr-code svg")
        assert qr.is_visible() and qr.bounding_box()["width"] >= 150  # scannable on a phone
        secret = page.locator("[data-totp-secret]").get_attribute("data-totp-secret")
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        typed = page.locator("[data-totp-secret]").inner_text().replace(" ", "")
        assert typed == secret, "the key shown for typing is the key in the QR code"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
        scanned = read_qr(qr.screenshot())
        assert parse_qs(urlsplit(scanned).query)["secret"] == [secret], scanned
        assert unquote(urlsplit(scanned).path).endswith(nurse.email), "the account is named"
        assert_accessible(page, axe_source, "staff:mfa-setup")
        snap(page, "staff-mfa-setup")
        phone = Authenticator(secret)

        send_code(page, "000000" if phone.code() != "000000" else "111111",
                  "Turn on and continue")
        assert path_of(page) == "/staff/mfa/setup" and "not right" in flashes(page)
        assert page.locator("[data-totp-secret]").get_attribute("data-totp-secret") == secret
        send_code(page, phone.code(), "Turn on and continue")

        assert path_of(page) == "/staff/mfa/recovery-codes"
        codes = page.locator(".recovery-codes code").all_inner_texts()
        assert len(codes) == 10 and len(set(codes)) == 10
        assert all(re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code) for code in codes)
        assert_accessible(page, axe_source, "staff:mfa-recovery-codes")
        snap(page, "staff-mfa-recovery-codes")
        page.reload()
        assert path_of(page) != "/staff/mfa/recovery-codes" or not page.locator(
            ".recovery-codes code").count(), "shown once: a reload does not show them again"
        page.goto(live_server.url + "/staff/")
        assert path_of(page) == "/staff/"
        log_out(page)

        # Second login: a code from the app.
        enter_password(page, live_server.url, nurse)
        assert path_of(page) == "/staff/mfa"
        assert_accessible(page, axe_source, "staff:mfa")
        snap(page, "staff-mfa-code")
        code = phone.code()
        send_code(page, code)
        assert path_of(page) == "/staff/"
        log_out(page)

        # The same code again (someone read it over a shoulder): refused.
        enter_password(page, live_server.url, nurse)
        send_code(page, code)
        assert path_of(page) == "/staff/mfa" and "already used" in flashes(page)

        # A recovery code instead: works once, says how many are left.
        send_code(page, codes[0].lower().replace("-", " "))
        assert path_of(page) == "/staff/"
        assert "9 recovery codes left" in flashes(page)
        log_out(page)
        enter_password(page, live_server.url, nurse)
        send_code(page, codes[0])
        assert path_of(page) == "/staff/mfa" and "not a code" in flashes(page)

        # Lost phone: an administrator resets the second factor; the next login sets up anew.
        result = flask_cli(live_server.env, "users", "reset-mfa", nurse.email)
        assert result.returncode == 0, result.stderr + result.stdout
        enter_password(page, live_server.url, nurse)
        assert path_of(page) == "/staff/mfa/new-password"
        choose_new_password(page, nurse.email)
        assert path_of(page) == "/staff/mfa/setup"
        new_secret = page.locator("[data-totp-secret]").get_attribute("data-totp-secret")
        assert new_secret != secret
    finally:
        context.close()
