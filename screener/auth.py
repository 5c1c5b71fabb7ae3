"""Staff authentication: roles, login sessions, role_required. (Filled in by the staff issue.)"""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort
from flask_login import current_user

from .extensions import db, login_manager
from .models import StaffUser


def init_app(app: Flask) -> None:
    """Wire Flask-Login."""
    login_manager.login_view = "staff.login"

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(StaffUser, int(user_id)) if user_id.isdigit() else None


def role_required(*roles: str):
    """Allow only logged-in staff whose role is in ``roles`` (anonymous → login, others → 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
