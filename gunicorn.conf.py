"""Production gunicorn settings: `gunicorn "screener:create_app()"` picks this file up.

Every value can be overridden from the environment (GUNICORN_BIND, WEB_CONCURRENCY, ...).
"""

import gc
import multiprocessing
import os
import sys

from screener import config as settings  # not "config": a gunicorn setting of that name
from screener.web.logs import gunicorn_logconfig

try:
    SETTINGS = settings.gunicorn_settings(os.environ, multiprocessing.cpu_count())
except settings.ConfigurationError as error:  # one line, not a traceback
    sys.exit(f"Refusing to start: {error.message}")

bind = SETTINGS.bind
# Sync workers: each request is short and database-bound.
workers = SETTINGS.workers
worker_class = "sync"
timeout = SETTINGS.timeout
graceful_timeout = 30
keepalive = 5
# Build the app once in the master and fork workers from it: a new or recycled worker starts
# in milliseconds instead of re-running create_app (~0.5 s of CPU, a p99 spike under load), and
# the workers share the app's memory. Code changes then need a restart, not a HUP.
preload_app = SETTINGS.preload
# Recycle workers now and then so that a slow leak cannot grow without bound. A recycle is a
# fork now, but it still leaves one worker fewer for a moment, so not too often.
max_requests = SETTINGS.max_requests
max_requests_jitter = 500
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Worker heartbeats in memory, not on a disk that may stall (containers, busy volumes).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "screener"
# Access log without query strings (%(U)s is the path only): a query string could carry a
# search for a patient's name or email. Patient pages (/screening/*) are logged by route
# (/screening/<step>), without client address or response size: a step's name, or a size, tells
# a person's answers (screener/web/access_log.py). Staff lines keep path and address for audits.
# Each line ends with the request id (in JSON: its own field), as the app's lines carry it.
accesslog = SETTINGS.access_log or None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logger_class = "screener.web.gunicorn_logger.QuietAccessLogger"
errorlog = "-"
loglevel = SETTINGS.log_level
# gunicorn's own lines and other libraries' in LOG_FORMAT (text or json), with the request id;
# the app's lines have their handler (create_app, screener/web/logs.py).
logconfig_dict = gunicorn_logconfig(SETTINGS.app_log_format, SETTINGS.log_level,
                                    SETTINGS.access_log)
# Behind a reverse proxy on the same host, trust its X-Forwarded-* headers.
forwarded_allow_ips = SETTINGS.forwarded_allow_ips
# No control socket (gunicorn ≥ 25.1 opens one for `gunicornc` by default: a local way to change
# the worker count or stop the server that nothing here needs). Older versions have none.
control_socket_disable = True


def per_process_limits_refusal(environment: str, storage_uri: str, worker_count: int):
    """Why these settings cannot serve, or None: in production, rate-limit counters must be
    shared by the workers, or every limit is multiplied by their number."""
    if environment == "production" and worker_count > 1 and settings.memory_rate_limits(storage_uri):
        return (f"RATELIMIT_STORAGE_URI is {storage_uri!r} with {worker_count} workers: each "
                "worker would keep its own login and screening-start counts, multiplying every "
                "limit by the worker count. Set RATELIMIT_STORAGE_URI=redis://host:6379/0 (shared "
                "by all workers), or run one worker (WEB_CONCURRENCY=1).")
    return None


# Hooks, in the order gunicorn runs them (all in the master except post_fork).

def on_starting(server):
    """Refuse settings that would weaken the app in production (the worker count is final here:
    command-line options such as -w have been applied)."""
    problem = per_process_limits_refusal(
        settings.environment(), os.environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        server.cfg.workers)
    if problem:
        server.log.error("Refusing to start: %s", problem)
        sys.exit(f"Refusing to start: {problem}")


def when_ready(server):
    """Compile every template in the master before the first fork, so that no worker, new or
    recycled, compiles one while a patient waits."""
    environment = getattr(getattr(server.app, "callable", None), "jinja_env", None)
    if environment is not None:
        for name in environment.list_templates(extensions=["html"]):
            environment.get_template(name)


def pre_fork(server, worker):
    """Move everything the master built into the collector's permanent generation before a fork.

    A worker's collections then never walk the preloaded app (nor copy its pages), and a recycled
    worker exits in milliseconds instead of spending ~0.1 s of CPU on a final full collection.
    """
    gc.freeze()


def post_fork(server, worker):
    """Give each worker empty connection pools: a connection must never be shared across a fork.

    create_app opens none, so this is a guard for the day something at start-up queries.
    """
    app = getattr(server.app, "callable", None)  # the preloaded Flask app
    extension = getattr(app, "extensions", {}).get("sqlalchemy")
    if extension is not None:
        with app.app_context():
            for engine in extension.engines.values():
                engine.dispose(close=False)  # forget the master's connections, do not close them
