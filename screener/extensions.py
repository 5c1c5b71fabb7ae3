"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

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

