"""What the benchmark fixes rely on: few statements per step, a quiet cookie, a light start-up,
fork-safe preloading in gunicorn, and allowed values computed once."""

from __future__ import annotations

import gc
import importlib.util
import subprocess
import sys
from types import SimpleNamespace

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from screener.extensions import db
from tests.kit.apps import PROJECT_ROOT
from tests.helpers import baseline
from tests.web.wizard_client import step_data, walk


@pytest.fixture
def statements():
    """Every SQL statement sent while the fixture is active (BEGIN included)."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement.split(None, 1)[0].upper())

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def test_a_step_get_reads_one_row(client, statements):
    walk(client, baseline(), until="phq9")
    statements.clear()
    assert client.get("/screening/phq9").status_code == 200
    assert [s for s in statements if s != "BEGIN"] == ["SELECT"]


def test_a_step_post_is_one_read_and_one_conditional_write(client, statements):
    walk(client, baseline(), until="phq9")
    statements.clear()
    response = client.post("/screening/phq9", data=step_data("phq9", baseline()))
    assert response.status_code == 302
    assert [s for s in statements if s != "BEGIN"] == ["SELECT", "UPDATE"]


def test_the_cookie_is_reissued_when_the_draft_is_saved_not_on_every_page(client):
    walk(client, baseline(), until="phq9")
    client.get("/screening/phq9")  # the first page puts the CSRF secret in the session
    assert "Set-Cookie" not in client.get("/screening/phq9").headers
    saved = client.post("/screening/phq9", data=step_data("phq9", baseline()))
    assert "Expires=" in saved.headers["Set-Cookie"]


def run_python(code: str) -> str:
    env = {"SCREENER_ENV": "production", "SECRET_KEY": "x" * 64, "PATH": "/usr/bin:/bin",
           "TRUSTED_HOSTS": "screening.clinic.example",
           "DATABASE_URL": "sqlite:////nonexistent/never-opened.sqlite3"}
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_create_app_opens_no_connection():
    out = run_python(
        "from sqlalchemy import event\nfrom sqlalchemy.engine import Engine\n"
        "opened = []\nevent.listen(Engine, 'connect', lambda *a: opened.append(1))\n"
        "from screener import create_app\ncreate_app()\nprint(len(opened))")
    assert out == "0"


def test_the_migration_commands_use_the_project_migrations(app):
    runner = app.test_cli_runner()
    assert "upgrade" in runner.invoke(args=["db", "--help"]).output
    assert runner.invoke(args=["db", "nosuch"]).exit_code == 2
    assert app.extensions["migrate"].directory.endswith("migrations")
    assert runner.invoke(args=["db", "current"]).exit_code == 0


def gunicorn_config():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", PROJECT_ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_preloads_and_gives_each_worker_fresh_pools(app):
    config = gunicorn_config()
    assert config.preload_app is True
    with app.app_context():
        with db.engine.connect():
            pass
        pool = db.engine.pool
        assert pool.checkedin() == 1  # the "master" holds a connection
    config.post_fork(SimpleNamespace(app=SimpleNamespace(callable=app)), worker=None)
    with app.app_context():
        assert db.engine.pool is not pool and db.engine.pool.checkedin() == 0


def test_gunicorn_freezes_the_preloaded_heap_before_forking():
    try:
        gunicorn_config().pre_fork(server=None, worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_gunicorn_compiles_templates_before_forking(app):
    loaded = []
    app.jinja_env.get_template = lambda name: loaded.append(name)
    gunicorn_config().when_ready(SimpleNamespace(app=SimpleNamespace(callable=app)))
    assert {"base.html", "_form.html", "patient/step.html"} <= set(loaded)


def test_allowed_values_are_built_once_by_the_loader(questionnaire):
    question = questionnaire.questions["peg_1"]
    assert question.allowed_values() is question.allowed_values() == tuple(range(11))
    assert question.accepts(3) and not question.accepts("3") and not question.accepts(True)
