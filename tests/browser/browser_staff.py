"""Staff in a real browser: accounts made with the CLI, logging in and out, reading the queue."""

from __future__ import annotations

import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.kit.servers import flask_cli
from tests.kit.staff import (AUTHENTICATORS, CODE_PATH, NEW_PASSWORD_PATH, SETUP_PATH,
                             Authenticator, choose_password, code_for, password_for)


@dataclass(frozen=True)
class Account:
    email: str
    name: str
    role: str
    password: str


def create_account(server, role: str, name: str) -> Account:
    """``flask users create ... --password-stdin`` against the live server's database."""
    account = Account(email=f"{role}.{secrets.token_hex(3)}@clinic.example", name=name,
                      role=role, password="Br0wser-" + secrets.token_urlsafe(12))
    result = flask_cli(server.env, "users", "create", account.email, "--name", name,
                       "--role", role, "--password-stdin", input_text=account.password + "\n")
    assert result.returncode == 0, result.stderr + result.stdout
    return account


def create_accounts(server, wanted: dict[str, str]) -> dict[str, Account]:
    """Several accounts, one CLI run after the other: parallel runs fail with "database is
    locked" on SQLite (the command reads, then writes, in a deferred transaction)."""
    return {role: create_account(server, role, name) for role, name in wanted.items()}


def log_in(page, base_url: str, account: Account, password: str | None = None) -> None:
    """Log in as a person does: the password, then the authenticator app's code."""
    enter_password(page, base_url, account, password)
    give_second_factor(page, account.email)


def enter_password(page, base_url: str, account: Account, password: str | None = None) -> None:
    """Fill the login form and press Log in (the second factor comes next)."""
    page.goto(base_url + "/staff/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(password or password_for(account.email, account.password))
    # Wait for the page the POST lands on to load: acting on the page while the redirect is
    # still in flight fails with "Not attached to an active page" on a busy machine.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Log in").click()


def give_second_factor(page, email: str) -> None:
    """After the password: set up the authenticator app from the QR page's key (first login),
    or type its current code, as a person with their phone does. Nothing when the password was
    wrong (still on the login page)."""
    path = urlsplit(page.url).path
    if path == NEW_PASSWORD_PATH:
        choose_new_password(page, account_email=email)
        path = urlsplit(page.url).path
    if path == SETUP_PATH:
        secret = page.locator("[data-totp-secret]").get_attribute("data-totp-secret")
        AUTHENTICATORS[email] = Authenticator(secret)
        page.get_by_label("Code from the app").fill(AUTHENTICATORS[email].code())
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name="Turn on and continue").click()
        with page.expect_navigation(wait_until="load"):  # the recovery codes, shown once
            page.get_by_role("link", name="I have saved my recovery codes").click()
    elif path == CODE_PATH:
        page.get_by_label("Code from your authenticator app").fill(code_for(email))
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name="Continue").click()


def choose_new_password(page, account_email: str) -> None:
    """On the first login of an account an administrator made or reset: choose a password."""
    chosen = choose_password(account_email)
    page.get_by_label("New password", exact=True).fill(chosen)
    page.get_by_label("New password again").fill(chosen)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Continue").click()


def log_out(page) -> None:
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Log out").click()


# The queue as a person reads it: each row's name, received time and flag ids, top to bottom.
QUEUE_ROWS = """() => {
  const heads = [...document.querySelectorAll('table.queue thead th')].map(th => th.innerText.trim());
  const flagsAt = heads.indexOf('Flags');
  return [...document.querySelectorAll('table.queue tbody tr')].map(tr => ({
    name: tr.querySelector('th[scope=row]').innerText.trim(),
    received: tr.querySelector('time').getAttribute('datetime'),
    flags: [...tr.children[flagsAt].querySelectorAll('.badge')]
      .map(b => [...b.classList].find(c => c.startsWith('badge-')).slice(6)),
  }));
}"""


def queue_rows(page) -> list[dict]:
    return page.evaluate(QUEUE_ROWS)


def age_staff_session(server, email: str, minutes: int) -> int:
    """Make the account's live session look idle for ``minutes`` (as if nobody clicked)."""
    with closing(sqlite3.connect(server.database, timeout=15)) as db, db:
        cursor = db.execute(
            "UPDATE staff_sessions SET last_seen_at = datetime('now', ?) WHERE ended_at IS NULL"
            " AND user_id = (SELECT id FROM staff_users WHERE email = ?)",
            (f"-{minutes} minutes", email))
        return cursor.rowcount


def ended_sessions(server, email: str) -> int:
    """How many of the account's sessions are over."""
    with closing(sqlite3.connect(server.database, timeout=15)) as db:
        return db.execute(
            "SELECT count(*) FROM staff_sessions WHERE ended_at IS NOT NULL"
            " AND user_id = (SELECT id FROM staff_users WHERE email = ?)", (email,)).fetchone()[0]
