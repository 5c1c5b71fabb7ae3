"""The staff queue at 1,000 and 100,000 submissions: first, deep, filtered and search pages."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from screener.storage.models import Screening
from screener.core.questionnaire import Questionnaire
from tests.kit import staff as staff_mfa
from tests.kit.pages import parse

from . import servers
from .load import Client, LoadError, Recorder, percentile

STAFF_EMAIL = "bench-admin@clinic.example"
STAFF_PASSWORD = "bench only: not a real password 7Q"
DEEP_HOPS = 20  # pages followed when the queue's cursor cannot be computed directly


def create_staff(db: servers.Database, again: bool = False) -> None:
    """An admin account, made with the users CLI exactly as a clinic would; ``again``: the
    account exists (a kept database), so its password and second factor are reset instead."""
    env, given = servers.app_env(db.url), f"{STAFF_PASSWORD}\n"
    if again:
        servers.flask(env, "users", "reset-password", STAFF_EMAIL, "--password-stdin",
                      stdin=given)
        servers.flask(env, "users", "reset-mfa", STAFF_EMAIL)
    else:
        servers.flask(env, "users", "create", STAFF_EMAIL, "--name", "Bench Admin", "--role",
                      "admin", "--password-stdin", stdin=given)
    staff_mfa.new_account(STAFF_EMAIL)  # its password is the given one again: forget a chosen one


def seed(db: servers.Database, count: int, batch: int = 5000) -> dict:
    """``flask dev seed COUNT --batch BATCH`` (one transaction per batch), timed."""
    started = time.perf_counter()
    servers.flask(servers.app_env(db.url, SCREENER_ENV="development"), "dev", "seed", str(count),
                  "--batch", str(batch), timeout=3600)
    seconds = time.perf_counter() - started
    return {"rows": count, "seconds": round(seconds, 2), "rows_per_second": round(count / seconds)}


def login(client: Client) -> None:
    """Log in through the real form (CSRF token from the page)."""
    page = parse(client.get("/staff/login").text, "http://127.0.0.1/staff/login")
    form = page.form_posting_to("/staff/login", {"password"})
    if form is None:
        raise LoadError("no login form")
    password = staff_mfa.password_for(STAFF_EMAIL, STAFF_PASSWORD)
    body = form.hidden() + [("email", STAFF_EMAIL), ("password", password)]
    step = client.post(page.resolve(form.action), body, expect=(302, 303))
    code_path = urlsplit(step.headers["Location"]).path  # the second factor: set up, or a code
    if code_path == staff_mfa.NEW_PASSWORD_PATH:  # an account the CLI made: choose a password
        page = parse(client.get(code_path).text, "http://127.0.0.1" + code_path)
        form = page.form_posting_to(code_path, {"new"})
        chosen = staff_mfa.choose_password(STAFF_EMAIL)
        step = client.post(page.resolve(form.action),
                           form.hidden() + [("new", chosen), ("confirm", chosen)],
                           expect=(302, 303))
        code_path = urlsplit(step.headers["Location"]).path
    page = parse(client.get(code_path).text, "http://127.0.0.1" + code_path)
    form = page.form_posting_to(code_path, {"code"})
    body = form.hidden() + [("code", staff_mfa.code_for(STAFF_EMAIL, page.text))]
    client.post(page.resolve(form.action), body, expect=(302, 303))


def queue_urls(client: Client, db: servers.Database, questionnaire: Questionnaire) -> dict:
    """The four pages to time: first, deep, filtered, search (as the browser would ask)."""
    total = count_submitted(db)
    # A clinic day in UTC: the bench's app sets no CLINIC_TIMEZONE.
    since = (datetime.now(timezone.utc).date() - timedelta(days=90)).isoformat()
    filtered = {"outcome": questionnaire.outcomes[0].id, "status": "new", "from": since}
    return {
        "first": "/staff/",
        "deep": _deep_url(client, db, total // 2),
        "filtered": "/staff/?" + urlencode(filtered),
        "search": "/staff/?" + urlencode({"q": some_email(db)}),
    }


def time_pages(client: Client, urls: dict, repeat: int) -> dict:
    """p50/p99 per page over ``repeat`` sequential requests, after two warm-up requests each."""
    recorder = Recorder()
    for name, url in urls.items():
        for _ in range(2):
            client.get(url)
        client.recorder = recorder
        for _ in range(repeat):
            client.get(url, label=name)
        client.recorder = None
    return {name: {"p50_ms": _ms(recorder, name, 50), "p99_ms": _ms(recorder, name, 99),
                   "requests": len(recorder.latencies[name]),
                   "errors": recorder.errors.get(name, 0)} for name in urls}


def measure_queue(db: servers.Database, logs: Path, questionnaire: Questionnaire,
                  sizes: tuple[int, ...], repeat: int) -> dict:
    """Seed up to each size in turn (one database) and time the queue pages at each."""
    create_staff(db)
    results, seeded = {}, 0
    for size in sizes:
        seeding = seed(db, size - seeded)
        seeded = size
        with servers.serving(servers.APP_TARGET, servers.app_env(db.url), logs) as server:
            client = Client(server.url)
            login(client)
            urls = queue_urls(client, db, questionnaire)
            results[str(size)] = {"seed": seeding, "pages": time_pages(client, urls, repeat),
                                  "rows_on_first_page": rows_on(client, "/staff/")}
            client.close()
    return results


def rows_on(client: Client, url: str) -> int:
    return sum("/staff/submissions/" in link.href for link in parse(client.get(url).text).links)


def _ms(recorder: Recorder, name: str, pct: int) -> float | None:
    value = percentile(sorted(recorder.latencies.get(name, [])), pct)
    return None if value is None else round(value * 1000, 2)


def count_submitted(db: servers.Database) -> int:
    """Submissions in the database (0 in a new one)."""
    engine = create_engine(db.sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(Screening.__table__)
                                     .where(Screening.status == "submitted"))
    finally:
        engine.dispose()


def some_email(db: servers.Database) -> str:
    """The email of a submission half-way down the table: a patient who rang the clinic."""
    engine = create_engine(db.sqlalchemy_url)
    try:
        with engine.connect() as connection:
            total = count_submitted(db)
            return connection.scalar(select(Screening.contact_email)
                                     .order_by(Screening.submitted_at).offset(total // 2).limit(1))
    finally:
        engine.dispose()


def _deep_url(client: Client, db: servers.Database, position: int) -> str:
    """A page starting ``position`` rows down the default queue (the queue's own cursor)."""
    try:
        from screener.storage.queue import DEFAULT_FILTERS, Cursor, build_queue_query
    except ImportError:
        return _follow_next(client, DEEP_HOPS)
    engine = create_engine(db.sqlalchemy_url)
    try:
        with Session(engine) as session:
            query = build_queue_query(DEFAULT_FILTERS).offset(position).limit(1)
            row = session.scalars(query).first()
            return "/staff/?" + urlencode({"after": Cursor.of(row).encode()})
    finally:
        engine.dispose()


def _follow_next(client: Client, hops: int) -> str:
    url = "/staff/"
    for _ in range(hops):
        following = parse(client.get(url).text).rel.get("next")
        if not following:
            break
        url = following
    return url
