"""Screener: pre-consultation screening for a ketamine-therapy clinic."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Mapping

import click
from flask import Flask

from screener import config as settings
from screener.core.questionnaire import QuestionnaireError, loads, read_source, read_translations
from screener.web import logs

TEMPLATE_FOLDER = settings.PROJECT_ROOT / "templates"
log = logging.getLogger("screener.startup")


def create_app(test_config: Mapping[str, Any] | None = None, *, strict: bool = True) -> Flask:
    """Build the app: settings, logging, extensions, blueprints, CLI, error pages.

    ``strict`` (the default: gunicorn, ``flask run``, tests) refuses production settings that
    cannot serve safely; a command that serves nothing may pass ``strict=False``
    (``flask --app 'screener:create_app(strict=False)' evaluate``) to run without them.
    """
    app = Flask(__name__, instance_relative_config=True, template_folder=str(TEMPLATE_FOLDER))
    try:
        loaded = settings.load(os.environ, instance_path=Path(app.instance_path), strict=strict,
                               overrides=test_config)
    except settings.ConfigurationError as error:
        logs.configure()  # the defaults: the settings that name the format are what failed
        log.error("Refusing to start: %s", error.message)
        raise
    logs.configure(loaded.log_level, loaded.log_format)
    for warning in loaded.warnings:
        log.warning(warning)
    app.extensions["settings"] = loaded
    app.config.from_mapping(loaded.flask_config())
    # What a test sets beyond the settings (TESTING, WTF_CSRF_ENABLED, ...); settings it sets
    # were parsed and checked by load like the environment's.
    app.config.from_mapping({key: value for key, value in (test_config or {}).items()
                             if key not in settings.NAMES})
    if not loaded.staff_mfa:
        click.secho("WARNING: STAFF_MFA=off: staff log in with a password alone. Development "
                    "only; never with real patient data.", fg="yellow", err=True)
    _configure_engine(app)
    # Behind a reverse proxy: take the client address (parsed, web/proxy.py) and scheme from
    # X-Forwarded-* so the per-address limits and Secure cookies see the real client; with no
    # trusted hop, a warning when the header arrives anyway. Inside it, each request gets its
    # id (taken from a trusted proxy's X-Request-ID, else new) for every line it logs.
    from screener.web.proxy import ForwardedFor

    app.wsgi_app = ForwardedFor(logs.RequestId(app.wsgi_app), loaded.trusted_proxy_hops)

    # Loaded and validated once; a broken questionnaire stops the app at start, not per request.
    # The text is kept too: it is what screenings answered under it store (versions.py).
    path = app.config["QUESTIONNAIRE_PATH"]
    try:
        source = app.extensions["questionnaire_source"] = read_source(path)
        # With its Spanish (questions.es.yaml): a missing text stops the app here too.
        app.extensions["questionnaire"] = loads(source, source=str(path),
                                                translations=read_translations(path, source))
    except QuestionnaireError as error:
        # One message listing the problems, without a traceback (flask CLI and gunicorn alike).
        log.error("Refusing to start: the questionnaire %s has problems", path)
        raise settings.ConfigurationError(str(error)) from None

    from screener.storage import database
    from screener.web import errors, health, languages, security, templating, transactions
    from screener.extensions import csrf, db, limiter, login_manager, migrate
    from screener.storage.models.base import include_in_comparison, render_migration_item

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.PROJECT_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True,
                     render_item=render_migration_item, include_object=include_in_comparison)
    csrf.init_app(app)
    login_manager.init_app(app, add_context_processor=False)  # templating adds a lazy one
    limiter.init_app(app)
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
