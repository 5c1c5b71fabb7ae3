"""The stack floor: the least a Flask + Flask-WTF + SQLAlchemy page can cost on this machine.

A Jinja page with a 10-question radio form and a CSRF token; its POST validates and writes one
row with SQLAlchemy, then redirects. Served by gunicorn with the app's own gunicorn.conf.py, on
SQLite in WAL mode (the app's pragmas) or PostgreSQL, so the ratio app / floor measures what the
app adds on top of the stack, on the same machine in the same run.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from flask import Flask, redirect, render_template
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader
from sqlalchemy import JSON, DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import RadioField
from wtforms.validators import InputRequired

QUESTIONS = 10
CHOICES = [(0, "Not at all"), (1, "Several days"), (2, "More than half the days"),
           (3, "Nearly every day")]
TEMPLATES = {
    "base.html": """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{% block title %}{% endblock %}</title></head><body><main id="main">
{% block content %}{% endblock %}</main></body></html>""",
    # Plain Jinja for the inputs (no per-option widget calls): the cheapest way this stack
    # renders a radio form, so the floor is a floor.
    "form.html": """{% extends "base.html" %}{% block title %}Floor{% endblock %}
{% block content %}<h1>Ten questions</h1><form method="post" action="/">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
{% for field in form if field.type == "RadioField" %}<fieldset><legend>{{ field.label.text }}</legend>
{% for value, label in choices %}<label><input type="radio" name="{{ field.name }}" \
id="{{ field.name }}-{{ value }}" value="{{ value }}" required\
{% if field.data == value %} checked{% endif %}> {{ label }}</label>{% endfor %}
{% for error in field.errors %}<p class="error">{{ error }}</p>{% endfor %}</fieldset>
{% endfor %}<button type="submit">Continue</button></form>{% endblock %}""",
}


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Answer(db.Model):
    __tablename__ = "floor_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answers: Mapped[dict] = mapped_column(JSON)


class TenQuestions(FlaskForm):
    pass


for _number in range(1, QUESTIONS + 1):
    setattr(TenQuestions, f"q{_number}", RadioField(
        f"Question {_number}", choices=CHOICES, coerce=int, validators=[InputRequired()]))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """The same SQLite settings as the app: WAL, busy timeout, synchronous=NORMAL."""
    if type(dbapi_connection).__module__.split(".")[0] != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_app(database_url: str | None = None) -> Flask:
    """The floor app on FLOOR_DATABASE_URL (or ``database_url``)."""
    app = Flask(__name__)
    url = database_url or os.environ["FLOOR_DATABASE_URL"]
    app.config.update(SECRET_KEY=os.environ.get("SECRET_KEY", "floor"),
                      SQLALCHEMY_DATABASE_URI=url, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    app.jinja_loader = DictLoader(TEMPLATES)
    db.init_app(app)
    CSRFProtect(app)

    @app.route("/", methods=["GET", "POST"])
    def questions():
        form = TenQuestions()
        if form.validate_on_submit():
            db.session.add(Answer(created_at=datetime.now(timezone.utc), answers=form.data))
            db.session.commit()
            return redirect("/", code=303)
        status = 400 if form.is_submitted() else 200
        return render_template("form.html", form=form, choices=CHOICES), status

    @app.get("/healthz")
    def health():
        return "ok"

    return app


def init_database(url: str) -> None:
    """Create the floor's one table (before gunicorn starts, so workers do not race)."""
    app = create_app(url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()


def count_rows(url: str) -> int:
    """Rows written by the floor's POSTs."""
    app = create_app(url)
    with app.app_context():
        count = db.session.query(Answer).count()
        db.engine.dispose()
        return count
