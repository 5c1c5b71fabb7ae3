"""Production start-up refusals in gunicorn.conf.py, where the worker count is known (issue 16)."""

from __future__ import annotations

import runpy
import urllib.request

import pytest

from tests.kit.servers import PROJECT_ROOT, GunicornServer

CONF = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
refusal = CONF["per_process_limits_refusal"]


def test_config_disables_the_control_socket():
    assert CONF["control_socket_disable"] is True


@pytest.mark.parametrize("environment, uri, workers, refused", [
    ("production", "memory://", 2, True),
    ("production", "memory://", 5, True),
    ("production", "memory://", 1, False),
    ("production", "redis://127.0.0.1:6379/0", 5, False),
    ("development", "memory://", 5, False),
    ("testing", "memory://", 3, False),
])
def test_per_process_limit_counters_are_refused_only_with_several_production_workers(
        environment, uri, workers, refused):
    problem = refusal(environment, uri, workers)
    assert (problem is not None) == refused
    if refused:
        assert "RATELIMIT_STORAGE_URI" in problem and str(workers) in problem


@pytest.mark.slow
def test_gunicorn_refuses_memory_limits_with_two_production_workers(sqlite_env, tmp_path):
    env = dict(sqlite_env, RATELIMIT_STORAGE_URI="memory://")
    server = GunicornServer(env, tmp_path / "refused.log", workers=2)
    with pytest.raises(RuntimeError):
        server.start(timeout=20)
    assert server.process.poll() not in (None, 0)
    log = server.log_text()
    assert "Refusing to start" in log and "RATELIMIT_STORAGE_URI" in log


@pytest.mark.slow
def test_one_production_worker_may_use_memory_limits(sqlite_env, start_server):
    server = start_server(dict(sqlite_env, RATELIMIT_STORAGE_URI="memory://"), 1)
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
        assert response.status == 200
    assert "Refusing" not in server.log_text()
