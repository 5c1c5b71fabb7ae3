"""Staff blueprint: login/logout, queue, detail, status, notes. (Staff issue.)"""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
