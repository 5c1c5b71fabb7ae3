"""The dashboard's numbers for a period: outcomes per week, the funnel, score bands and
histograms, days to first contact; and the same numbers as CSV rows.

Numbers come from ``screener.storage.daily_counts`` (rolled-up counts per clinic day plus the
events since the last roll-up), never from a scan of every screening.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app

from screener.core.questionnaire import Questionnaire
from screener.extensions import db
from screener.staff import charts, periods
from screener.storage import daily_counts
from screener.storage.filters import Period
from screener.storage.models import utcnow
from screener.storage.queue import key_scores
from screener.web.clock import clinic_zone
from screener.web.questionnaires import current_questionnaire

HISTOGRAM_BINS = 10
CSV_HEADERS = ("table", "week_starting", "item", "measure", "value")


@dataclass
class OutcomeRow:
    id: str
    title: str
    style: charts.Style
    sent: int = 0
    urgent: int = 0
    by_week: list[int] = field(default_factory=list)


@dataclass
class Bars:
    """One score's distribution: (label, count) rows."""

    id: str
    title: str
    rows: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.rows)


@dataclass
class ContactWeek:
    week: date
    urgent: tuple[int, float | None, float | None]  # submissions, median days, p90 days
    other: tuple[int, float | None, float | None]


@dataclass
class Numbers:
    period: Period
    weeks: list[date]
    outcomes: list[OutcomeRow]
    urgent_by_week: list[int]
    funnel: list[tuple[str, str, int, int | None]]  # id, label, count, drop-off from the last
    bands: list[Bars]
    histograms: list[Bars]
    contacts: list[ContactWeek]

    @property
    def sent(self) -> int:
        return sum(row.sent for row in self.outcomes)

    @property
    def empty(self) -> bool:
        return not any(count for _, _, count, _ in self.funnel) and self.sent == 0 and not any(
            week.urgent[0] or week.other[0] for week in self.contacts)


def numbers(questionnaire: Questionnaire, period: Period, found: Counter) -> Numbers:
    """The dashboard's numbers from the counts of the period's days."""
    weeks = periods.weeks(period)
    column = {week: index for index, week in enumerate(weeks)}
    by_measure: dict[str, Counter] = defaultdict(Counter)
    weekly: dict[str, Counter] = defaultdict(Counter)
    for (day, measure, item), n in found.items():
        if period.start <= day <= period.end:
            by_measure[measure][item] += n
            weekly[measure][(daily_counts.week_start(day), item)] += n
    known = [(o.id, o.title) for o in questionnaire.outcomes]
    known += [(i, i) for i in sorted(by_measure["outcome"]) if i not in dict(known)]
    outcomes = []
    for index, (outcome_id, title) in enumerate(known):
        row = OutcomeRow(outcome_id, title, charts.style_for(index),
                         by_measure["outcome"][outcome_id], by_measure["urgent"][outcome_id],
                         [0] * len(weeks))
        for (week, item), n in weekly["outcome"].items():
            if item == outcome_id:
                row.by_week[column[week]] += n
        outcomes.append(row)
    urgent_by_week = [0] * len(weeks)
    for (week, _), n in weekly["urgent"].items():
        urgent_by_week[column[week]] += n
    steps = [("started", "Started"), ("completed", "Completed (result seen)"), ("sent", "Sent")]
    funnel, previous = [], None
    for step_id, label in steps:
        count = by_measure[step_id][""]
        funnel.append((step_id, label, count, None if previous is None else previous - count))
        previous = count
    bands = [Bars(score.id, score.title,
                  [(band.label, by_measure[f"score:{score.id}"][band.id]) for band in score.bands])
             for score in key_scores(questionnaire, current_app.config.get("STAFF_QUEUE_SCORES"))]
    histograms = [_histogram(score, by_measure[f"score:{score.id}"])
                  for score in questionnaire.scores if not score.bands]
    urgent_contacts, other_contacts = (_by_week(weekly[m]) for m in ("contact_urgent",
                                                                     "contact_other"))
    contacts = [ContactWeek(week, _spread(urgent_contacts[week]), _spread(other_contacts[week]))
                for week in weeks]
    return Numbers(period, weeks, outcomes, urgent_by_week, funnel, bands,
                   [h for h in histograms if h.total], contacts)


def _histogram(score, values: Counter) -> Bars:
    """Counts of a score without bands in ten equal bins from its minimum to its maximum (the
    last bin includes the maximum)."""
    low, high = float(score.min), float(score.max)
    width = (high - low) / HISTOGRAM_BINS or 1
    bins = [0] * HISTOGRAM_BINS
    for item, n in values.items():
        try:
            value = float(item)
        except ValueError:
            continue
        index = min(HISTOGRAM_BINS - 1, max(0, int((value - low) // width)))
        bins[index] += n
    labels = [f"{charts.number(low + i * width)}–{charts.number(low + (i + 1) * width)}"
              for i in range(HISTOGRAM_BINS)]
    return Bars(score.id, score.title, list(zip(labels, bins)))


def percentile(values: Counter, share: float) -> int | None:
    """The nearest-rank percentile of counted values (``{value: how many}``)."""
    total = sum(values.values())
    if not total:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for value in sorted(values):
        seen += values[value]
        if seen >= rank:
            return value
    return None  # pragma: no cover - rank <= total


MINUTES_PER_DAY = 24 * 60


def _by_week(weekly: Counter) -> defaultdict[date, Counter]:
    """``{(week, minutes): n}`` as ``{week: {minutes: n}}`` (one pass, not one per week)."""
    grouped: defaultdict[date, Counter] = defaultdict(Counter)
    for (week, item), n in weekly.items():
        grouped[week][int(item)] += n
    return grouped


def _spread(minutes: Counter) -> tuple[int, float | None, float | None]:
    """Submissions first contacted in a week (``{minutes to first contact: n}``), with the
    median and 90th percentile in days (a clinic answers in days; 3,060.9 hours reads as
    nothing)."""
    median, p90 = percentile(minutes, 0.5), percentile(minutes, 0.9)
    return (sum(minutes.values()),
            None if median is None else round(median / MINUTES_PER_DAY, 1),
            None if p90 is None else round(p90 / MINUTES_PER_DAY, 1))


# A view rolls the counts up to the last quarter hour that is SETTLED_AFTER old, and counts
# only the events since then from the rows. Rolling up to the start of today instead left a
# whole day to count on every view: 80 % of a view at 2,700 submissions a day (bench/README).
ROLL_UP_EVERY = timedelta(minutes=15)
# Longer than any request may run (gunicorn's timeout): an event stamped before this moment is
# committed, so a roll-up never passes an event that is still to be written.
SETTLED_AFTER = timedelta(minutes=2)


def roll_up_until(now: datetime) -> datetime:
    """Where a view at ``now`` rolls the counts up to (UTC quarter hours; days are counted
    per event, so the mark need not fall on a clinic day's start)."""
    settled = now - SETTLED_AFTER
    return settled - (settled - daily_counts.EPOCH) % ROLL_UP_EVERY


def load(period: Period) -> Numbers:
    """Roll the counts up to a settled quarter hour (at most once a quarter hour) and read the
    period: stored counts, plus the last minutes' events counted from the rows."""
    zone, current = clinic_zone(), current_questionnaire()
    daily_counts.roll_up(db.session, roll_up_until(utcnow()), zone, current)
    found = daily_counts.counts(db.session, period.start, period.end, zone, current)
    return numbers(current, period, found)


def csv_rows(n: Numbers) -> list[list]:
    """The tables of the page as rows of (table, week, item, measure, value)."""
    rows: list[list] = []
    for o in n.outcomes:
        rows += [["outcomes", "", o.id, "sent", o.sent], ["outcomes", "", o.id, "urgent", o.urgent]]
    for index, week in enumerate(n.weeks):
        for o in n.outcomes:
            rows.append(["outcomes_per_week", week.isoformat(), o.id, "sent", o.by_week[index]])
        rows.append(["outcomes_per_week", week.isoformat(), "", "urgent",
                     n.urgent_by_week[index]])
    for step_id, _, count, drop in n.funnel:
        rows.append(["funnel", "", step_id, "screenings", count])
        if drop is not None:
            rows.append(["funnel", "", step_id, "drop_off", drop])
    for bars in n.bands + n.histograms:
        rows += [[f"score:{bars.id}", "", label, "submissions", count]
                 for label, count in bars.rows]
    for week in n.contacts:
        for group, (count, median, p90) in (("urgent", week.urgent), ("other", week.other)):
            rows += [["first_contact", week.week.isoformat(), group, "submissions", count],
                     ["first_contact", week.week.isoformat(), group, "median_days",
                      "" if median is None else median],
                     ["first_contact", week.week.isoformat(), group, "p90_days",
                      "" if p90 is None else p90]]
    return rows
