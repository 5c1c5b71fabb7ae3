"""The logged-in account's second factor: new recovery codes (shown once) and the page that
makes them, confirmed with the password and a code from the app. Routes on ``staff.mfa``."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from screener.extensions import db
from screener.staff.forms import CodeForm
from screener.staff.mfa import bp, keep_codes_to_show, login_id, no_code
from screener.storage import audit, staff_accounts
from screener.web import mfa, transactions
from screener.web.auth import permission_required, request_actor
from screener.web.login_failures import (client_address, count_account_code_failure,
                                         count_for_throttle, refused_now)
from screener.web.passwords import verify_password


class ManageForm(CodeForm):
    """New recovery codes need the password again and a code from the app."""

    password = PasswordField("Password", validators=[
        DataRequired(message="Enter your password."), Length(max=1024)])


@bp.get("/recovery-codes")
@permission_required("review")
def recovery_codes():
    """New recovery codes, shown once (a reload, or a copied cookie, shows them no more)."""
    this_login = login_id()
    token = transactions.write_apart(
        lambda: staff_accounts.take_recovery_codes(db.session, this_login))
    try:
        kept = json.loads(mfa.decrypt(token)) if isinstance(token, str) else None
    except (mfa.SecretUnreadable, ValueError):
        kept = None
    if not kept:
        flash("Recovery codes are shown only once. To get new ones, make new recovery codes "
              "below.", "info")
        return redirect(url_for(".manage"))
    return render_template("staff/mfa_recovery_codes.html", codes=kept["codes"],
                           next=kept.get("next") or url_for("staff.queue"))


@bp.route("/manage", methods=["GET", "POST"])
@permission_required("review")
def manage():
    """The logged-in account's second factor: when it was set up, recovery codes left, and new
    recovery codes (confirmed with the password and a code from the app; wrong ones are counted
    and audited like the login's)."""
    form = ManageForm()
    user = current_user._get_current_object()
    if request.method == "GET":
        return render_template("staff/mfa_manage.html", form=form,
                               left=mfa.recovery_codes_left(user))
    if not form.validate_on_submit():
        return no_code(form, ".manage")
    if refused_now(user):
        return redirect(url_for(".manage"))
    if not verify_password(user.password_hash, form.password.data):
        return _wrong_on_manage(user, "bad_password", "Your password is not right.")
    try:
        result = mfa.check_code(user, form.code.data)
    except mfa.SecretUnreadable:
        result = mfa.CodeCheck.WRONG
    if result is not mfa.CodeCheck.ACCEPTED:
        return _wrong_on_manage(user, "bad_code", "That code is not right (or was already "
                                "used). Enter the code your app shows now.")
    codes = mfa.replace_recovery_codes(user)
    audit.record("recovery_codes_replaced", **request_actor())
    keep_codes_to_show(codes, url_for(".manage"))  # commits with the new codes
    return redirect(url_for(".recovery_codes"))


def _wrong_on_manage(user, reason: str, message: str):
    """A wrong password or code on the manage page: audited, counted for the (account,
    address) throttle and, for codes, against the account's hourly limit."""
    audit.record("mfa_manage_failed", actor=user, remote_addr=request.remote_addr,
                 reason=reason)
    count_for_throttle(user, user.email, client_address())
    if reason == "bad_code":
        count_account_code_failure(user)
    transactions.commit()
    flash(message, "error")
    return redirect(url_for(".manage"))
