"""Production gunicorn settings: `gunicorn "screener:create_app()"` picks this file up.

Every value can be overridden from the environment (GUNICORN_BIND, WEB_CONCURRENCY, ...).
"""

import gc
import multiprocessing
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short and database-bound; 2 × cores + 1 is gunicorn's own advice.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Build the app once in the master and fork workers from it: a new or recycled worker starts
# in milliseconds instead of re-running create_app (~0.5 s of CPU, a p99 spike under load), and
# the workers share the app's memory. Code changes then need a restart, not a HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# Recycle workers now and then so that a slow leak cannot grow without bound. A recycle is a
# fork now, but it still leaves one worker fewer for a moment, so not too often.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
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
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logger_class = "screener.web.gunicorn_logger.QuietAccessLogger"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind a reverse proxy on the same host, trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket (gunicorn ≥ 25.1 opens one for `gunicornc` by default: a local way to change
# the worker count or stop the server that nothing here needs). Older versions have none.
control_socket_disable = True


def per_process_limits_refusal(environment: str, storage_uri: str, worker_count: int):
    """Why these settings cannot serve, or None: in production, rate-limit counters must be
    shared by the workers, or every limit is multiplied by their number."""
    from screener.config import memory_rate_limits

    if environment == "production" and worker_count > 1 and memory_rate_limits(storage_uri):
        return (f"RATELIMIT_STORAGE_URI is {storage_uri!r} with {worker_count} workers: each "
                "worker would keep its own login and screening-start counts, multiplying every "
                "limit by the worker count. Set RATELIMIT_STORAGE_URI=redis://host:6379/0 (shared "
                "by all workers), or run one worker (WEB_CONCURRENCY=1).")
    return None


# Hooks, in the order gunicorn runs them (all in the master except post_fork).

def on_starting(server):
    """Refuse settings that would weaken the app in production (the worker count is final here:
    command-line options such as -w have been applied)."""
    from screener.config import environment

    problem = per_process_limits_refusal(
        environment(), os.environ.get("RATELIMIT_STORAGE_URI") or "memory://", server.cfg.workers)
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
