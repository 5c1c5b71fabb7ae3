"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from .lazy_migrate import LazyMigrate
from .models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()  # Flask-Migrate (and Alembic) imported on first use
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)

# The only endpoints with rate limits (decorated with ``limiter.limit``). Every other request
# skips the limiter's per-request limit resolution, a measurable share of a wizard step's time;
# tests/web/test_rate_limits.py fails if a limit is added to an endpoint missing here.
RATE_LIMITED_ENDPOINTS = frozenset({"wizard.start", "staff.login"})


@limiter.request_filter
def _not_rate_limited() -> bool:
    return request.endpoint not in RATE_LIMITED_ENDPOINTS
