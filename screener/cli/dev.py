"""``flask dev ...``: development helpers; refuse to run in production.

``dev seed N`` bulk-inserts realistic submitted screenings for the staff queue, exports and the
benchmarks: random but valid answer sets generated from the questionnaire, evaluated by
``rules.evaluate`` and stored in the same format as the wizard stores them.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from datetime import timedelta
from typing import Any, Iterator

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import insert, select

from screener.core import rules
from screener.extensions import db
from screener.storage.models import (
    CONTACT_METHODS, NO_PRIORITY, REVIEW_STATUSES, Screening, StaffUser, hash_token,
    queue_priority, search_text_for, utcnow,
)
from screener.core.questionnaire import AllOf, AnyOf, Comparison, NotOf, Questionnaire
from screener.cli.transactions import unit_of_work
from screener.storage.submissions import apply_assessment
from screener.web.questionnaires import current_questionnaire, ensure_current_version_stored

FIRST_NAMES = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Robin",
               "Avery", "Quinn", "Dana", "Maria", "Wei", "Fatima", "Olu", "Priya", "Mateo")
LAST_NAMES = ("Smith", "Garcia", "Nguyen", "Okafor", "Kowalski", "Haddad", "Silva", "Chen",
              "Johnson", "Müller", "O'Brien", "Patel", "Kim", "Rossi", "Dubois", "Larsen")
CONTACT_TIMES = ("Weekday mornings", "After 5 pm", "Any time", "Lunchtime", "")
# Review statuses as a clinic's queue tends to hold them: most submissions are dealt with.
STATUS_WEIGHTS = (0.2, 0.15, 0.25, 0.4)
SEED_DAYS = 365


@click.group("dev")
def dev_group() -> None:
    """Development helpers (never in production)."""


@dev_group.command("seed")
@click.argument("count", type=click.IntRange(min=1))
@click.option("--drafts", is_flag=True, help="Also add as many unsent, partly answered drafts.")
@click.option("--batch", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Rows per INSERT batch (one transaction each).")
@click.option("--seed", "random_seed", type=int, default=None, help="Random seed (repeatable).")
@with_appcontext
def seed_command(count: int, drafts: bool, batch: int, random_seed: int | None) -> None:
    """Insert COUNT submitted screenings with random valid answers (development only)."""
    if current_app.config["SCREENER_ENV"] == "production":
        raise click.ClickException(
            "refusing to seed fake submissions in production (set SCREENER_ENV=development)"
        )
    started = time.perf_counter()
    seeder = Seeder(current_questionnaire(), random.Random(random_seed))
    inserted = seeder.insert(seeder.submissions(count), batch)
    if drafts:
        inserted += seeder.insert(seeder.drafts(count), batch)
    elapsed = time.perf_counter() - started
    click.echo(f"seeded {inserted} screening(s) in {elapsed:.1f} s "
               f"({inserted / elapsed:,.0f} rows/s)")


class AnswerSampler:
    """Random valid answer sets for a questionnaire, leaning towards the answers no rule fires on.

    Uniform answers would put nearly every patient in crisis or safety review; instead each
    answer is, with probability ``quiet``, one of the question's values that matches fewest rule
    conditions (derived from the rules, so no clinical content is repeated here).
    """

    def __init__(self, questionnaire: Questionnaire, rng: random.Random, quiet: float = 0.93):
        self.questionnaire = questionnaire
        self.rng = rng
        self.quiet = quiet
        self.plan = [
            (q.id, q.kind_spec.multiple, q.required,
             _quiet_values(questionnaire, q.id, q.allowed_values()), q.allowed_values(),
             frozenset(c.value for c in q.choices if c.exclusive))
            for q in questionnaire.questions.values()
        ]

    def answers(self) -> dict[str, Any]:
        """One answer set that ``rules.validate_answers`` accepts."""
        random_, quiet_share = self.rng.random, self.quiet
        raw = {}
        for qid, multi, required, quiet, every, exclusive in self.plan:
            if not required and random_() >= 0.7:
                continue
            pool = quiet if random_() < quiet_share else every
            # Indexing by random() is several times faster than rng.choice for 100k rows.
            raw[qid] = self._multi(pool, exclusive) if multi else pool[int(random_() * len(pool))]
        # Conditions only name earlier questions, so one pass drops every disabled answer.
        _, effective = rules.enabled_view(self.questionnaire, raw)
        return effective

    def _multi(self, pool: tuple, exclusive: frozenset) -> list:
        only = [v for v in pool if v in exclusive]
        if only and self.rng.random() < len(only) / len(pool):
            return [self.rng.choice(only)]
        open_pool = [v for v in pool if v not in exclusive] or list(pool)
        picked = self.rng.sample(open_pool, self.rng.randint(1, min(3, len(open_pool))))
        return [picked[0]] if exclusive.intersection(picked) else picked


def _quiet_values(questionnaire: Questionnaire, question_id: str, values: tuple) -> tuple:
    """The values of a question that satisfy the fewest rule conditions naming it."""
    leaves = [leaf for rule in questionnaire.rules for leaf in _comparisons(rule.when)
              if leaf.source == "question" and leaf.ref == question_id]
    hits = {v: sum(rules.condition_holds(questionnaire, leaf, {question_id: v}) for leaf in leaves)
            for v in values}
    fewest = min(hits.values())
    return tuple(v for v in values if hits[v] == fewest)


def _comparisons(condition) -> Iterator[Comparison]:
    if isinstance(condition, (AllOf, AnyOf)):
        for child in condition.conditions:
            yield from _comparisons(child)
    elif isinstance(condition, NotOf):
        yield from _comparisons(condition.condition)
    else:
        yield condition


class Seeder:
    """Builds screening rows as plain dicts and inserts them with Core executemany."""

    def __init__(self, questionnaire: Questionnaire, rng: random.Random):
        self.questionnaire = questionnaire
        self.rng = rng
        self.sampler = AnswerSampler(questionnaire, rng)
        with unit_of_work():
            self.sha256 = ensure_current_version_stored()
        self.staff_ids = list(db.session.scalars(select(StaffUser.id)))
        self.now = utcnow()

    def insert(self, rows: Iterator[dict], batch: int) -> int:
        """Insert ``rows`` in transactions of ``batch`` rows; return how many."""
        table = Screening.__table__
        total, chunk = 0, []
        for row in rows:
            chunk.append(row)
            if len(chunk) == batch:
                total += self._flush(table, chunk)
        return total + (self._flush(table, chunk) if chunk else 0)

    def _flush(self, table, chunk: list[dict]) -> int:
        with unit_of_work():  # one transaction per batch
            db.session.execute(insert(table), chunk)
        count = len(chunk)
        chunk.clear()
        return count

    def _base(self, answers: dict, created, token_hash: str | None = None) -> dict:
        q = self.questionnaire
        return {
            "id": _uuid(self.rng), "token_hash": token_hash,
            "questionnaire_id": q.id, "questionnaire_version": q.version,
            "questionnaire_sha256": self.sha256, "answers": answers, "created_at": created,
            "updated_at": created, "flags": [], "flag_list": "", "review_status": "new",
            "search_text": "",
        }

    def submissions(self, count: int) -> Iterator[dict]:
        """``count`` submitted screenings spread over the last year."""
        for _ in range(count):
            answers = self.sampler.answers()
            submitted = self.now - timedelta(seconds=self.rng.uniform(0, SEED_DAYS * 86400))
            row = self._base(answers, submitted - timedelta(minutes=self.rng.uniform(4, 30)))
            row.update(**self._assessment(answers), **self._contact(), **self._review(submitted))
            row.update(status="submitted", updated_at=submitted, submitted_at=submitted,
                       completed_at=submitted - timedelta(seconds=40), consent_at=submitted)
            # Urgent first only while open: a contacted or closed one sorts by time.
            row["priority"] = queue_priority(
                None if row["priority"] == NO_PRIORITY else row["priority"], row["review_status"])
            yield row

    def drafts(self, count: int) -> Iterator[dict]:
        """``count`` unsent drafts answered part of the way; some already expired."""
        ttl = timedelta(hours=current_app.config["DRAFT_TTL_HOURS"])
        for _ in range(count):
            answers = self.sampler.answers()
            steps, _ = rules.enabled_view(self.questionnaire, answers)
            stop = self.rng.randrange(len(steps))
            done = {s.id for s in steps[:stop]}
            kept = {qid: v for qid, v in answers.items()
                    if self.questionnaire.questions[qid].step_id in done}
            created = self.now - timedelta(seconds=self.rng.uniform(0, 2 * ttl.total_seconds()))
            row = self._base(kept, created, hash_token(secrets.token_urlsafe(16)))
            row.update(status="draft", current_step=steps[stop].id, expires_at=created + ttl)
            yield row

    def _assessment(self, answers: dict) -> dict:
        """The stored assessment columns, through the same code path the wizard uses."""
        screening = Screening()
        assessment = rules.evaluate(self.questionnaire, answers)
        apply_assessment(screening, self.questionnaire, assessment)
        return {"assessment": screening.assessment, "outcome": screening.outcome,
                "priority": screening.priority, "flags": screening.flags,
                "flag_list": screening.flag_list}

    def _contact(self) -> dict:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        number = self.rng.randrange(10**6)
        email = f"{first}.{last}{number}@example.com".lower().replace("'", "")
        phone = f"+1 555 {number:06d}" if self.rng.random() < 0.5 else None
        method = self.rng.choice(CONTACT_METHODS) if phone else "email"
        message = "Please call me about the consultation." if self.rng.random() < 0.2 else None
        return {"contact_name": f"{first} {last}", "contact_email": email,
                "contact_phone": phone, "contact_method": method,
                "search_text": search_text_for(f"{first} {last}", email, phone),
                "contact_time": self.rng.choice(CONTACT_TIMES) or None,
                "contact_message": message}

    def _review(self, submitted) -> dict:
        """Review columns; every row has the same keys (executemany needs that)."""
        status = self.rng.choices(REVIEW_STATUSES, weights=STATUS_WEIGHTS)[0]
        if status == "new":
            return {"review_status": status, "assignee_id": None, "review_updated_at": None}
        assignee = self.rng.choice(self.staff_ids) if self.staff_ids else None
        updated = min(self.now, submitted + timedelta(hours=self.rng.uniform(1, 72)))
        return {"review_status": status, "assignee_id": assignee, "review_updated_at": updated}


def _uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID from ``rng``, so that ``--seed`` repeats the same rows."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)
