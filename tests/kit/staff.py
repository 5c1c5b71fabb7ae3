"""The staff second factor for the kit's HTTP clients (tests and bench): a phone's
authenticator app, per account, that reads the setup page and gives codes as a person would."""

from __future__ import annotations

import re
import secrets
import time

from screener.web import mfa

_SECRET = re.compile(r'data-totp-secret="([A-Z2-7]+)"')
SETUP_PATH = "/staff/mfa/setup"
CODE_PATH = "/staff/mfa"
# An account an administrator made or reset: the person chooses a password before the app.
NEW_PASSWORD_PATH = "/staff/mfa/new-password"
# The passwords people chose there, by email (a later login uses it, not the one given).
CHOSEN: dict[str, str] = {}


def choose_password(email: str) -> str:
    """A new password for ``email`` as its owner would choose one (remembered in CHOSEN)."""
    CHOSEN[email] = "Own-" + secrets.token_urlsafe(12)
    return CHOSEN[email]


def new_account(email: str) -> None:
    """``email`` was (re)created with a password an admin gave: forget the one its previous
    account chose (another test's server may have made an account with the same email)."""
    CHOSEN.pop(email, None)


def password_for(email: str, given: str) -> str:
    """The password ``email`` logs in with now: the one chosen at its first login, if any."""
    return CHOSEN.get(email, given)


class Authenticator:
    """One account in an authenticator app: its secret and the last step it gave a code for.

    The server accepts each step's code once (and one step of drift), so a second login within
    the same 30 s gets the next step's code, and a fourth waits for the clock to reach it."""

    def __init__(self, secret: str):
        self.secret = secret
        self.last_step: int | None = None

    def code(self) -> str:
        step = mfa.step_at()
        if self.last_step is not None and self.last_step >= step - mfa.DRIFT_STEPS:
            step = self.last_step + 1
        while step > mfa.step_at() + mfa.DRIFT_STEPS:  # wait for a known clock time, bounded
            time.sleep(max(0.05, (step - mfa.DRIFT_STEPS) * mfa.STEP_SECONDS - time.time()))
        self.last_step = step
        return mfa.code_at(self.secret, step)


# The accounts these processes have set up, by email (set up again: the new secret replaces it).
AUTHENTICATORS: dict[str, Authenticator] = {}


def secret_on(html: str) -> str:
    """The secret the setup page shows (``data-totp-secret``)."""
    found = _SECRET.search(html)
    if found is None:
        raise AssertionError("the setup page shows no data-totp-secret")
    return found.group(1)


def code_for(email: str, page_html: str | None = None) -> str:
    """The next code for ``email``; on the setup page (``page_html``) the app is set up first."""
    if page_html is not None and 'data-totp-secret="' in page_html:
        AUTHENTICATORS[email] = Authenticator(secret_on(page_html))
    if email not in AUTHENTICATORS:
        raise AssertionError(f"{email} has no authenticator set up in this test run")
    return AUTHENTICATORS[email].code()


def second_factor(browser, page, email: str):
    """After the password (``page`` is where it landed, redirects followed): set up the app or
    give its code, as a person does, with ``browser`` (a kit Patient). Returns the page the
    login ends on: the queue (or wherever the login was headed)."""
    if page.path == NEW_PASSWORD_PATH:
        form = page.form_posting_to(page.path, {"new"})
        chosen = choose_password(email)
        page = browser.submit(page, form, form.pairs(skip={"new", "confirm"})
                              + [("new", chosen), ("confirm", chosen)])
    if page.path not in (SETUP_PATH, CODE_PATH):
        return page
    form = page.form_posting_to(page.path, {"code"})
    pairs = form.pairs(skip={"code"}) + [("code", code_for(email, page.text))]
    landed = browser.submit(page, form, pairs)
    if landed.path == "/staff/mfa/recovery-codes":  # shown once; the person saves them
        next_link = next(link.href for link in landed.links
                         if "saved my recovery codes" in link.text)
        landed = browser.request("GET", landed.resolve(next_link))
    return landed
