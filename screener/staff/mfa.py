"""The second step of a staff login: setting up an authenticator app, or entering its code.

After the right password (staff/views.py ``login``) the browser holds a pending login for ten
minutes (web/auth.py); nothing is logged in until a code from the app, or a recovery code, is
accepted here. Wrong codes count like wrong passwords: the owner is told, the (account, address)
pair is throttled, and after five in one pending login the password is asked again.
"""

from __future__ import annotations

import json
from functools import wraps

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user

from screener.extensions import db
from screener.staff.forms import CodeForm
from screener.staff.password import NewPasswordForm, new_password_problems
from screener.storage import audit, staff_accounts
from screener.storage.models import hash_token
from screener.web import mfa, transactions
from screener.web.auth import PENDING_KEY, SESSION_KEY, finish_login, password_mark, pending_login
from screener.web.login_failures import count_code_failure, refused_now
from screener.web.passwords import hash_password

bp = Blueprint("mfa", __name__, url_prefix="/mfa")
SETUP_KEY = "staff_mfa_setup"  # the new secret, encrypted, until a code confirms it
LOW_RECOVERY_CODES = 3


def _start_again():
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue"))
    flash("Please log in again." if PENDING_KEY in session else "Please log in to continue.",
          "info")
    session.pop(PENDING_KEY, None)
    return redirect(url_for("staff.login"))


def _wrong(user, message: str, again: str):
    """A wrong code: counted; the same page again, or the password again after too many."""
    if count_code_failure(user):
        flash("Too many wrong codes. Log in again.", "error")
        return redirect(url_for("staff.login"))
    flash(message, "error")
    return redirect(url_for(again))


def _pending(has_factor: bool):
    """(the pending login's account, None) on the page for it; else (None, where to go)."""
    user, record = pending_login()
    if user is None:
        return None, _start_again()
    if user.has_second_factor != has_factor:
        return None, redirect(url_for(".challenge" if user.has_second_factor else ".setup"))
    if not has_factor and user.must_change_password and not record.password_changed:
        # Enrolment needs proof beyond the password an administrator set (or someone learnt):
        # the person chooses their own first.
        return None, redirect(url_for(".new_password"))
    return user, None


@bp.route("/new-password", methods=["GET", "POST"])
def new_password():
    """Before setting up a second factor, choose a new password (the one given was set by an
    administrator); the pending login continues with it."""
    user, record = pending_login()
    if user is None:
        return _start_again()
    if user.has_second_factor or not user.must_change_password or record.password_changed:
        return redirect(url_for(".setup" if not user.has_second_factor else ".challenge"))
    form = NewPasswordForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("staff/mfa_new_password.html", form=form)
    problems = new_password_problems(form, user.email, user.password_hash)
    if problems:
        flash("Choose another password: " + "; ".join(problems) + ".", "error")
        return render_template("staff/mfa_new_password.html", form=form), 400
    staff_accounts.set_password(db.session, user, hash_password(form.new.data), must_change=False)
    # Every other pending login (someone else who knew the old password) ends; this one goes on
    # with the new password.
    staff_accounts.end_all_pending(db.session, user.id, except_id=record.id)
    record.password_changed = True
    record.password_mark = password_mark(user)
    audit.record("password_changed", actor=user, remote_addr=request.remote_addr,
                 method="first_login")
    transactions.commit()
    return redirect(url_for(".setup"))


def no_code(form: CodeForm, again: str):
    """An empty (or too long) code field: say so on the same page."""
    flash(form.code.errors[0] if form.code.errors else "Enter the code your authenticator "
          "app shows.", "error")
    return redirect(url_for(again))


def _code_page(rule: str, has_factor: bool):
    """Route ``rule`` for the account of this browser's pending login (others are sent where
    they belong)."""

    def decorate(view):
        @wraps(view)
        def for_pending_login():
            user, elsewhere = _pending(has_factor=has_factor)
            return elsewhere or view(user)

        return bp.route(rule, methods=["GET", "POST"])(for_pending_login)

    return decorate


@_code_page("", has_factor=True)
def challenge(user):
    """The second factor of an account that has one: an app code or a recovery code."""
    form = CodeForm()
    if request.method == "GET":
        return render_template("staff/mfa.html", form=form)
    if not form.validate_on_submit():
        return no_code(form, ".challenge")
    if refused_now(user):
        return render_template("staff/mfa.html", form=form), 429
    code = form.code.data
    if mfa.looks_like_totp(code):
        try:
            result = mfa.check_code(user, code)
        except mfa.SecretUnreadable:
            current_app.logger.error("second factor of staff account %s cannot be decrypted: "
                                     "MFA_ENCRYPTION_KEY or SECRET_KEY changed", user.id)
            flash("Codes from your app cannot be checked right now (the server's key has "
                  "changed). Use a recovery code, or ask an administrator to reset your second "
                  "factor.", "error")
            return redirect(url_for(".challenge"))
        if result is mfa.CodeCheck.ACCEPTED:
            return redirect(finish_login(user, "totp") or url_for("staff.queue"))
        if result is mfa.CodeCheck.REPLAYED:
            return _wrong(user, "That code was already used. Wait for your app to show a new "
                          "code, then enter it.", ".challenge")
        return _wrong(user, "That code is not right. Enter the code your app shows now; check "
                      "that your phone sets its clock automatically.", ".challenge")
    if mfa.use_recovery_code(user, code):
        left = mfa.recovery_codes_left(user)
        target = finish_login(user, "recovery_code")
        flash(f"You logged in with a recovery code; it cannot be used again. {left} recovery "
              f"code{'s' if left != 1 else ''} left.", "warning" if left < LOW_RECOVERY_CODES
              else "info")
        if left < LOW_RECOVERY_CODES:
            flash("Make new recovery codes on the “Second factor” page.", "warning")
        return redirect(target or url_for("staff.queue"))
    return _wrong(user, "That is not a code from your app or an unused recovery code.",
                  ".challenge")


def _setup_secret() -> str:
    """The secret being set up in this browser (kept, encrypted, in the session so a reload or
    a wrong code shows the same QR code)."""
    token = session.get(SETUP_KEY)
    if isinstance(token, str):
        try:
            return mfa.decrypt(token)
        except mfa.SecretUnreadable:
            pass
    secret = mfa.new_secret()
    session[SETUP_KEY] = mfa.encrypt(secret)
    return secret


@_code_page("/setup", has_factor=False)
def setup(user):
    """Set up an authenticator app: a QR code (and the secret as text), then its first code."""
    secret = _setup_secret()
    form = CodeForm()
    if request.method == "GET":
        return _setup_page(user, secret, form)
    if not form.validate_on_submit():
        return no_code(form, ".setup")
    if refused_now(user):
        return _setup_page(user, secret, form), 429
    codes = mfa.enrol(user, secret, form.code.data)
    if codes is None:
        db.session.refresh(user)
        if user.has_second_factor:  # set up meanwhile in another tab
            return redirect(url_for(".challenge"))
        return _wrong(user, "That code is not right. Enter the 6-digit code your app shows now "
                      "for this account; check that your phone sets its clock automatically.",
                      ".setup")
    audit.record("mfa_enrolled", actor=user, remote_addr=request.remote_addr)
    _notify_enrolled(user)
    target = finish_login(user, "totp")  # commits the enrolment, its codes and the audit event
    keep_codes_to_show(codes, target)
    return redirect(url_for(".recovery_codes"))


def _setup_page(user, secret: str, form: CodeForm) -> str:
    uri = mfa.provisioning_uri(secret, user.email, current_app.config["CLINIC_NAME"])
    return render_template("staff/mfa_setup.html", form=form, secret=secret,
                           grouped_secret=mfa.grouped(secret), qr=mfa.qr_svg(uri),
                           email=user.email)


def login_id() -> str | None:
    token = session.get(SESSION_KEY)
    return hash_token(token) if isinstance(token, str) else None


def keep_codes_to_show(codes: list[str], target: str | None) -> None:
    """Keep new codes, encrypted, on this login's server record until shown once: a copy of
    the cookie cannot show them again. Committed by the caller's unit of work."""
    encrypted = mfa.encrypt(json.dumps({"codes": codes, "next": target or ""}))
    staff_accounts.keep_recovery_codes(db.session, login_id(), encrypted)
    transactions.commit()


def _notify_enrolled(user) -> None:
    """Email the account that a second factor was set up, when mail is configured: through the
    outbox, in this request's commit, so a mail server that is down loses nothing."""
    from screener.notify.sender import account_mail_on
    from screener.storage import outbox
    from screener.storage.models import utcnow

    if account_mail_on(current_app.config):
        outbox.enqueue_account_notice(db.session, user.id, outbox.MFA_ENROLLED, utcnow())


# The logged-in account's page registers its routes on ``bp`` when imported.
from screener.staff import mfa_manage  # noqa: E402,F401
