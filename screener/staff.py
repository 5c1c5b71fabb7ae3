"""Staff blueprint: login/logout, queue, detail, status, notes. (Staff issue.)"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from . import audit
from .auth import ALL_STAFF, end_session, role_required, start_session
from .extensions import db
from .models import StaffUser
from .passwords import DUMMY_HASH, verify_password

bp = Blueprint("staff", __name__, url_prefix="/staff")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])


def safe_next(target: str | None) -> str | None:
    """``target`` only when it is a same-site path (no scheme, no host, no '//' trick)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        valid = verify_password(user.password_hash if user else DUMMY_HASH, form.password.data)
        if user is not None and valid and user.active:
            start_session(user)
            audit.record("login", actor=user, commit=True)
            return redirect(safe_next(request.args.get("next")) or url_for("staff.queue"))
        audit.record("login_failed", actor=user, commit=True)
        flash("Email or password is incorrect.", "error")
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
def logout():
    """End the staff session on the server and in the browser."""
    if current_user.is_authenticated:
        audit.record("logout", actor=current_user, commit=True)
    end_session()
    flash("You have been logged out.", "info")
    return redirect(url_for("staff.login"))


@bp.get("/")
@role_required(*ALL_STAFF)
def queue():
    """The submission queue, urgent first."""
    return render_template("staff/queue.html")
