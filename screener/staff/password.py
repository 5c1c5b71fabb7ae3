"""Staff change their own password (the current one required), and choose a new one when an
administrator set it (``users create``, ``reset-password``, ``reset-mfa``: the flag
``must_change_password``). Before a second factor is set up, the new password is chosen inside
the pending login (staff/mfa.py ``new_password``): it is the proof enrolment needs beyond the
password someone else may know."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from screener.extensions import db, login_manager
from screener.storage import audit, staff_accounts
from screener.web import transactions
from screener.web.auth import start_session
from screener.web.login_failures import client_address, count_for_throttle, refused_now
from screener.web.passwords import hash_password, password_problems, verify_password

bp = Blueprint("password", __name__, url_prefix="/password")


class NewPasswordForm(FlaskForm):
    """A new password, typed twice."""

    new = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField("New password again", validators=[DataRequired(), Length(max=1024)])


class ChangePasswordForm(NewPasswordForm):
    """The current password, then a new one typed twice."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])


def new_password_problems(form: NewPasswordForm, email: str, old_hash: str) -> list[str]:
    """Why the form's new password cannot be used (empty when it can)."""
    if form.new.data != form.confirm.data:
        return ["the two new passwords are not the same"]
    problems = password_problems(form.new.data, email)
    if not problems and verify_password(old_hash, form.new.data):
        problems.append("choose a password different from the one you were given")
    return problems


@bp.route("", methods=["GET", "POST"])
def change():
    """Change the logged-in account's password: the current one is asked first (wrong ones are
    throttled per account and address like the login's)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("staff/password.html", form=form,
                               forced=user.must_change_password)
    if refused_now(user):
        return render_template("staff/password.html", form=form,
                               forced=user.must_change_password), 429
    if not verify_password(user.password_hash, form.current.data):
        audit.record("password_change_failed", actor=user, remote_addr=request.remote_addr,
                     reason="bad_password")
        count_for_throttle(user, user.email, client_address())
        transactions.commit()
        flash("Your current password is not right.", "error")
        return render_template("staff/password.html", form=form,
                               forced=user.must_change_password), 400
    problems = new_password_problems(form, user.email, user.password_hash)
    if problems:
        flash("Choose another password: " + "; ".join(problems) + ".", "error")
        return render_template("staff/password.html", form=form,
                               forced=user.must_change_password), 400
    staff_accounts.set_password(db.session, user, hash_password(form.new.data), must_change=False)
    # Every other login of the account ends (a copied cookie stops working); this one starts
    # afresh.
    staff_accounts.end_all_logins(db.session, user.id)
    start_session(user)
    audit.record("password_changed", actor=user, remote_addr=request.remote_addr,
                 method="self")
    transactions.commit()
    flash("Your password was changed. Other logins of your account have ended.", "info")
    return redirect(url_for("staff.queue"))
