"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

from flask import request
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

# The only limits are the two below, set with ``limiter.limit`` on their views: no default or
# application-wide limit. Every other request is exempt before Flask-Limiter resolves any limit,
# which it otherwise does for every page (about 3 % of a wizard step's CPU; bench/README).
LIMITED_ENDPOINTS = frozenset({"wizard.start", "wizard.claim_code"})


@limiter.request_filter
def _has_no_limit() -> bool:
    return request.endpoint not in LIMITED_ENDPOINTS
