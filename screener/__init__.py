"""Screener: pre-consultation screening for a ketamine-therapy clinic."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import click
from flask import Flask

from screener import config as settings
from screener.core.questionnaire import QuestionnaireError, loads, read_source, read_translations

TEMPLATE_FOLDER = settings.PROJECT_ROOT / "templates"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, CLI, error pages."""
    app = Flask(__name__, instance_relative_config=True, template_folder=str(TEMPLATE_FOLDER))
    instance = Path(app.instance_path)
    app.config.from_mapping(settings.from_environment(instance))
    if test_config is not None:
        app.config.from_mapping(test_config)
    if app.config.get("TESTING"):
        app.config["SCREENER_ENV"] = "testing"
    serving = _serving()
    try:
        app.config.update(settings.notification_settings(app.config))
        app.config.update(settings.next_step_settings(app.config))
        app.config["STAFF_MFA"] = settings.staff_mfa_for(app.config["SCREENER_ENV"],
                                                         app.config["STAFF_MFA"])
        problem = (settings.mfa_key_problem(app.config.get("MFA_ENCRYPTION_KEY") or "")
                   or settings.mfa_key_problem(app.config.get("CODE_HASH_KEY") or "",
                                               "CODE_HASH_KEY"))
        if problem:
            raise settings.ConfigurationError(problem)
        problem = settings.flask_env_problem(app.config["SCREENER_ENV"]) if serving else None
        if problem:
            raise settings.ConfigurationError(problem)
    except settings.ConfigurationError as error:
        if serving:
            raise
        raise click.ClickException(str(error)) from None  # `make run`: the message, no traceback
    app.config["SECRET_KEY"] = settings.secret_key_for(
        app.config["SCREENER_ENV"], instance, app.config["SECRET_KEY"], serving
    )
    app.config["TRUSTED_HOSTS"] = settings.trusted_hosts_for(
        app.config["SCREENER_ENV"], app.config.get("TRUSTED_HOSTS"), serving
    )
    if app.config["SCREENER_ENV"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
        # __Host-: the browser keeps the cookie only if Secure, for the whole site (Path=/) and
        # set by this host (no Domain), so a sibling subdomain cannot set or shadow it.
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        app.config["SESSION_COOKIE_PATH"] = "/"
        app.config["SESSION_COOKIE_DOMAIN"] = None
    app.config["CLINIC_TZ"] = settings.clinic_timezone(app.config["CLINIC_TIMEZONE"])
    if not app.config["STAFF_MFA"] and serving:
        click.secho("WARNING: STAFF_MFA=off: staff log in with a password alone. Development "
                    "only; never with real patient data.", fg="yellow", err=True)
    _configure_engine(app)
    # Behind a reverse proxy: take the client address (parsed, web/proxy.py) and scheme from
    # X-Forwarded-* so the per-address limits and Secure cookies see the real client; with no
    # trusted hop, a warning when the header arrives anyway.
    from screener.web.proxy import ForwardedFor

    app.wsgi_app = ForwardedFor(app.wsgi_app, app.config["TRUSTED_PROXY_HOPS"])

    # Loaded and validated once; a broken questionnaire stops the app at start, not per request.
    # The text is kept too: it is what screenings answered under it store (versions.py).
    path = app.config["QUESTIONNAIRE_PATH"]
    try:
        source = app.extensions["questionnaire_source"] = read_source(path)
        # With its Spanish (questions.es.yaml): a missing text stops the app here too.
        app.extensions["questionnaire"] = loads(source, source=str(path),
                                                translations=read_translations(path, source))
    except QuestionnaireError as error:
        if serving:
            raise
        # On the command line, list the problems plainly (exit 1) instead of a traceback.
        raise click.ClickException(str(error)) from None

    from screener.storage import database
    from screener.web import errors, health, languages, security, templating, transactions
    from screener.extensions import (check_limits_in_views_only, csrf, db, limiter, login_manager,
                                     migrate)
    from screener.storage.models.base import render_migration_item

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.PROJECT_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True,
                     render_item=render_migration_item)
    csrf.init_app(app)
    login_manager.init_app(app, add_context_processor=False)  # templating adds a lazy one
    limiter.init_app(app)
    check_limits_in_views_only(app)
    errors.init_app(app)
    security.init_app(app)
    database.init_app(app)  # after db.init_app: its teardown must run before Flask-SQLAlchemy's
    transactions.init_app(app)
    templating.init_app(app)
    languages.init_app(app)  # after templating: its questionnaire global reads the language

    import screener.export.fhir.routes
    import screener.export.views
    import screener.patient.views
    import screener.staff.views
    from screener import cli
    from screener.patient import fragments
    from screener.web import auth

    fragments.init_app(app)
    app.register_blueprint(screener.patient.views.bp)
    app.register_blueprint(screener.staff.views.bp)
    app.register_blueprint(screener.export.views.bp)
    app.register_blueprint(screener.export.fhir.routes.bp)
    app.register_blueprint(health.bp)
    auth.init_app(app)
    cli.init_app(app)
    from screener import notify

    notify.init_app(app)
    return app


def _serving() -> bool:
    """False when a flask CLI command other than ``run`` is building the app."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.info_name == "run":
            return True
        ctx = ctx.parent
    return click.get_current_context(silent=True) is None


def _configure_engine(app: Flask) -> None:
    """Per-backend engine settings: pool sizes for PostgreSQL (idle connections are pinged
    before use by ``database.ping_idle_connections``)."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # A database error's message would otherwise carry the statement's values (answers,
    # contact details) into logs and tracebacks.
    options.setdefault("hide_parameters", True)
    if uri.startswith("postgresql"):
        options.setdefault("pool_size", 5)
        options.setdefault("max_overflow", 10)
        options.setdefault("pool_timeout", 10)
        options.setdefault("connect_args", {"connect_timeout": 5})
    elif uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 15})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
