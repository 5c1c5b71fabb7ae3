"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

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
