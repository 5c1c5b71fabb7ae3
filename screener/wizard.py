"""Patient blueprint: landing page, crisis resources, the screening wizard. (Wizard issue.)"""

from flask import Blueprint, render_template

bp = Blueprint("wizard", __name__)


@bp.get("/")
def landing():
    """What the screening is, the privacy note, and the start button."""
    return render_template("wizard/landing.html")


@bp.get("/help")
def crisis_resources():
    """Crisis resources, linked from every page footer."""
    return render_template("wizard/help.html")
