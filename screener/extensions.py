"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

from flask import Flask
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from screener.addresses import remote_limit_key
from screener.storage.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=remote_limit_key)  # per address; per /64 for IPv6


def check_limits_in_views_only(app: Flask) -> None:
    """Drop Flask-Limiter's check before every request (call after ``limiter.init_app``).

    Every limit here decorates a view (``limiter.limit``), and a decorated view checks its own
    limits when it is called. The before-request check exists for default, application and
    blueprint limits, which this app does not use; it cost every request, limited or not, a few
    percent of a wizard step. tests/web/test_wizard_security.py fails if such limits appear.
    """
    hooks = app.before_request_funcs.get(None, [])
    check = limiter._check_request_limit  # noqa: SLF001 (the hook init_app registered)
    if check in hooks:
        hooks.remove(check)
