"""The clinician dashboard: how the front door is doing over a period, as charts and tables.

Numbers come from ``screener.storage.daily_counts`` (rolled-up counts per clinic day plus the
events since the last roll-up), never from a scan of every screening. Every chart has a table
with the same numbers beside it, and ``/staff/dashboard.csv`` downloads those tables.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from werkzeug.datastructures import MultiDict
from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from screener.core.questionnaire import Questionnaire
from screener.extensions import db
from screener.staff import charts
from screener.storage import audit, daily_counts
from screener.storage import filters
from screener.storage.filters import FilterError
from screener.storage.models import utcnow
from screener.storage.queue import key_scores
from screener.web.clock import clinic_zone
from screener.web.questionnaires import current_questionnaire
from screener.web import transactions
from screener.web.auth import permission_required, request_actor
from screener.web.errors import abort_with

bp = Blueprint("dashboard", __name__)

PERIODS = {"4w": ("Last 4 weeks", 4), "13w": ("Last 13 weeks", 13), "12m": ("Last 12 months", 52)}
CUSTOM = "custom"
DEFAULT_PERIOD = "4w"
CUSTOM_DAYS = 28  # a custom period with only a 'to' date: the four weeks up to it
MAX_DAYS = 3 * 366
HISTOGRAM_BINS = 10
CONTACT_STYLES = (charts.style_for(0), charts.style_for(2))  # urgent, other


class Period:
    """The clinic days shown: ``first`` to ``last``, both included."""

    def __init__(self, key: str, first: date, last: date):
        self.key, self.first, self.last = key, first, last

    @property
    def label(self) -> str:
        if self.key in PERIODS:
            return PERIODS[self.key][0]
        return f"{self.first.isoformat()} to {self.last.isoformat()}"

    def weeks(self) -> list[date]:
        """The Monday of every week the period touches."""
        monday = daily_counts.week_start(self.first)
        weeks = []
        while monday <= self.last:
            weeks.append(monday)
            monday += timedelta(weeks=1)
        return weeks

    def args(self) -> dict[str, str]:
        if self.key == CUSTOM:
            return {"period": CUSTOM, "from": self.first.isoformat(), "to": self.last.isoformat()}
        return {"period": self.key}


def period_days(args) -> tuple[date | None, date | None]:
    """``from`` and ``to`` read by the shared filter vocabulary (``screener.storage.filters``):
    the same day format, range, checks and messages as the queue, the exports and the audit
    log."""
    chosen = filters.Period.from_args(args)
    return chosen.start, chosen.end


def parse_period(args, today: date) -> Period:
    """The period from ``period`` (4w, 13w, 12m, custom) and ``from``/``to``; FilterError when
    something cannot be used."""
    keys = [value.strip() for value in args.getlist("period") if value.strip()]
    key = keys[-1] if keys else ""
    if key and key not in (*PERIODS, CUSTOM):
        shown = key if len(key) <= 40 else key[:40] + "…"
        raise FilterError(f"period: unknown value {shown!r} "
                          f"(known: {', '.join(PERIODS)}, {CUSTOM}).")
    since, until = period_days(args)
    if key == CUSTOM or ((since or until) and not key):
        if since is None and until is None:
            raise FilterError("period: a custom period needs a from date, a to date or both.")
        last = until or max(today, since)
        first = since or last - timedelta(days=CUSTOM_DAYS - 1)
        if (last - first).days >= MAX_DAYS:
            raise FilterError(f"from, to: a custom period is at most {MAX_DAYS} days long.")
        return Period(CUSTOM, first, last)
    key = key or DEFAULT_PERIOD
    weeks = PERIODS[key][1]
    return Period(key, daily_counts.week_start(today) - timedelta(weeks=weeks - 1), today)


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
    weeks = period.weeks()
    column = {week: index for index, week in enumerate(weeks)}
    by_measure: dict[str, Counter] = defaultdict(Counter)
    weekly: dict[str, Counter] = defaultdict(Counter)
    for (day, measure, item), n in found.items():
        if period.first <= day <= period.last:
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
    contacts = [ContactWeek(week, _spread(weekly["contact_urgent"], week),
                            _spread(weekly["contact_other"], week)) for week in weeks]
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


def _spread(weekly: Counter, week: date) -> tuple[int, float | None, float | None]:
    """Submissions first contacted in ``week``, with the median and 90th percentile in days
    (a clinic answers in days; 3,060.9 hours reads as nothing)."""
    minutes = Counter({int(item): n for (w, item), n in weekly.items() if w == week})
    median, p90 = percentile(minutes, 0.5), percentile(minutes, 0.9)
    return (sum(minutes.values()),
            None if median is None else round(median / MINUTES_PER_DAY, 1),
            None if p90 is None else round(p90 / MINUTES_PER_DAY, 1))


def load(period: Period) -> Numbers:
    """Roll the counts up to the start of today (at most once a day) and read the period."""
    zone, current = clinic_zone(), current_questionnaire()
    today = daily_counts.local_day(utcnow(), zone)
    daily_counts.roll_up(db.session, daily_counts.day_begins(today, zone), zone, current)
    found = daily_counts.counts(db.session, period.first, period.last, zone, current)
    return numbers(current, period, found)


def _period() -> Period:
    today = daily_counts.local_day(utcnow(), clinic_zone())
    try:
        return parse_period(request.args, today)
    except FilterError as error:
        abort_with(400, str(error))


def week_label(week: date) -> str:
    return f"{week.day} {week.strftime('%b')}"


@bp.get("/dashboard")
@permission_required("review")
def page():
    """Charts and tables for the chosen period (default: the last four weeks)."""
    today = daily_counts.local_day(utcnow(), clinic_zone())
    try:
        period = parse_period(request.args, today)
    except FilterError as error:
        # In the staff layout, with the form as it was sent and the reason beside it (a bare
        # 400 page in the patients' styling sent the clinician away from the dashboard).
        return render_template(
            "staff/dashboard.html", n=None, error=str(error), periods=PERIODS,
            period=parse_period(MultiDict(), today), sent_from=request.args.get("from", ""),
            sent_to=request.args.get("to", ""), can_export=False), 400
    found = load(period)
    return render_template("staff/dashboard.html", n=found, period=period, periods=PERIODS,
                           charts=chart_markup(found), swatch=charts.swatch,
                           contact_styles=CONTACT_STYLES, can_export=current_user_exports())


def current_user_exports() -> bool:
    return current_user.can("export")


@bp.get("/dashboard.csv")
@permission_required("export")
def csv_file():
    """The dashboard's tables as one CSV (formula-safe, like the submissions export)."""
    period = _period()
    rows = csv_rows(load(period))
    transactions.write_apart(lambda: audit.record(
        "export", format="dashboard-csv", rows=len(rows), **request_actor(), identified=False,
        **{"from": period.first.isoformat(), "to": period.last.isoformat()}))
    body = write_csv(CSV_HEADERS, rows)
    response = Response(body, content_type="text/csv; charset=utf-8; header=present")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="dashboard-{period.first.isoformat()}-to-'
        f'{period.last.isoformat()}.csv"')
    response.headers["Cache-Control"] = "no-store"
    return response


CSV_HEADERS = ("table", "week_starting", "item", "measure", "value")
# A spreadsheet runs a cell starting with one of these as a formula (the same guard as
# screener.export.csv_table, which staff may not import: the audiences stay independent).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_csv(headers, rows) -> str:
    """RFC 4180 text with a BOM (for spreadsheets); text cells that a spreadsheet would run as a
    formula get a leading apostrophe. Numbers stay numbers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for cells in [headers, *rows]:
        writer.writerow([("'" + c) if isinstance(c, str) and c.startswith(FORMULA_STARTS) else c
                         for c in cells])
    return "\ufeff" + buffer.getvalue()


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


def chart_markup(n: Numbers) -> dict:
    """The SVG of each chart (empty charts are left out: the page says so instead)."""
    labels = [week_label(w) for w in n.weeks]
    out = {}
    if n.sent:
        out["outcomes"] = charts.bar_chart(
            "chart-outcomes", "Sent submissions per week, by outcome",
            f"Stacked bars, one per week from {labels[0]} to {labels[-1]}: {n.sent} submissions; "
            f"{sum(n.urgent_by_week)} with an urgent flag, marked ⚑ over their week. The table "
            "after the chart has every number.",
            labels, [charts.Series(o.title, o.by_week, o.style) for o in n.outcomes],
            marks=[f"⚑{u}" if u else "" for u in n.urgent_by_week])
    if any(count for _, _, count, _ in n.funnel):
        rows = []
        for _, label, count, drop in n.funnel:
            note = ""
            if drop is not None:
                before = count + drop
                share = f", {round(100 * drop / before)}%" if before > 0 else ""
                note = f"(drop-off {drop}{share})"
            rows.append((label, count, note))
        out["funnel"] = charts.hbar_chart(
            "chart-funnel", "From started to sent",
            "Horizontal bars: " + "; ".join(f"{label} {count}" for label, count, _ in rows) + ".",
            rows, [charts.style_for(2), charts.style_for(4), charts.style_for(3)])
    for bars in n.bands:
        if bars.total:
            out[f"score-{bars.id}"] = charts.hbar_chart(
                f"chart-score-{bars.id}", f"{bars.title}: submissions per band",
                "Horizontal bars: " + "; ".join(f"{l} {c}" for l, c in bars.rows) + ".",
                [(label, count, "") for label, count in bars.rows],
                [charts.style_for(1)] * len(bars.rows), label_width=150)
    for bars in n.histograms:
        out[f"score-{bars.id}"] = charts.bar_chart(
            f"chart-score-{bars.id}", f"{bars.title}: histogram",
            "Bars, one per range of scores: " + "; ".join(
                f"{l} {c}" for l, c in bars.rows) + ".",
            [label for label, _ in bars.rows],
            [charts.Series(bars.title, [c for _, c in bars.rows], charts.style_for(4))],
            height=220)
    if any(w.urgent[0] or w.other[0] for w in n.contacts):
        def values(group: str, at: int) -> list[float]:
            return [getattr(w, group)[at] or 0 for w in n.contacts]
        out["contacts"] = charts.bar_chart(
            "chart-contacts", "Days from sending to first contact, per week",
            "Bars per week: the median days to first contact for submissions with an urgent "
            "flag (cross-hatched) and for the others (dotted), with a line up to the 90th "
            "percentile. The table after the chart has every number.",
            labels, [charts.Series("Urgent", values("urgent", 1), CONTACT_STYLES[0]),
                     charts.Series("Other", values("other", 1), CONTACT_STYLES[1])],
            stacked=False, whiskers=[values("urgent", 2), values("other", 2)], unit=" d")
    return out
