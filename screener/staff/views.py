"""Staff blueprint: login and logout (the queue, a submission's detail and bulk actions are in
queue_page, detail and bulk, which register their routes on the same blueprint)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from screener.staff.blueprint import bp
from screener.staff.forms import LoginForm
from screener.storage import audit
from screener.web import transactions
from screener.web.security import local_path
from screener.web.auth import (begin_second_factor, end_session, finish_login,
                               permission_required, request_actor, second_factor_required)
from screener.web.login_failures import LoginBlocked, authenticate

__all__ = ["bp"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password. Wrong ones are throttled per (account, address) and per
    address in the database (web/login_failures.py), the one mechanism on every worker."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except LoginBlocked as blocked:
            flash(blocked.block.message, "error")
            return render_template("staff/login.html", form=form), 429
        if user is not None:
            target = local_path(request.args.get("next"))
            if not second_factor_required():
                return redirect(finish_login(user, "password", target) or url_for("staff.queue"))
            begin_second_factor(user, target)
            transactions.commit()  # a password rehash, if any
            step = ("challenge" if user.has_second_factor else
                    "new_password" if user.must_change_password else "setup")
            return redirect(url_for(f"staff.mfa.{step}"))
        flash("Email or password is incorrect.", "error")
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
def logout():
    """End the staff session on the server and in the browser."""
    if current_user.is_authenticated:
        audit.record("logout", **request_actor())
    end_session()
    flash("You have been logged out.", "info")
    return redirect(url_for("staff.login"))


@bp.post("/still-here")
@permission_required("review")
def still_here():
    """The idle warning's "Stay logged in": a request like any other, so the login's idle
    clock starts again (web/auth.py); nothing else happens."""
    return "", 204




# The other staff pages register their routes on ``bp`` when imported.
from screener.staff import bulk, detail, queue_page  # noqa: E402,F401
