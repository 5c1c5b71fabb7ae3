"""The clinician dashboard: how the front door is doing over a period, as charts and tables.

Every chart has a table with the same numbers beside it, and ``/staff/dashboard.csv`` downloads
those tables. Periods are ``staff/periods.py``, the numbers ``staff/dashboard_data.py``, the SVG
``staff/charts.py``.
"""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict
from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from screener.core import tabular
from screener.staff import charts, periods
from screener.staff.dashboard_data import CSV_HEADERS, Numbers, csv_rows, load
from screener.storage import audit, daily_counts
from screener.storage.filters import FilterError
from screener.storage.models import utcnow
from screener.web import transactions
from screener.web.auth import permission_required, request_actor
from screener.web.clock import clinic_zone
from screener.web.errors import abort_with

bp = Blueprint("dashboard", __name__)
CONTACT_STYLES = (charts.style_for(0), charts.style_for(2))  # urgent, other


def _today() -> date:
    return daily_counts.local_day(utcnow(), clinic_zone())


def week_label(week: date) -> str:
    return f"{week.day} {week.strftime('%b')}"


@bp.get("/dashboard")
@permission_required("review")
def page():
    """Charts and tables for the chosen period (default: the last four weeks)."""
    today, zone = _today(), clinic_zone()
    try:
        period = periods.parse_period(request.args, today, zone)
    except FilterError as error:
        # In the staff layout, with the form as it was sent and the reason beside it (a bare
        # 400 page in the patients' styling sent the clinician away from the dashboard).
        period = periods.parse_period(MultiDict(), today, zone)
        return render_template(
            "staff/dashboard.html", n=None, error=str(error), periods=periods.PERIODS,
            period=period, period_label=periods.label(period),
            period_args=periods.link_args(period), sent_from=request.args.get("from", ""),
            sent_to=request.args.get("to", ""), can_export=False), 400
    found = load(period)
    return render_template("staff/dashboard.html", n=found, period=period,
                           period_label=periods.label(period),
                           period_args=periods.link_args(period), periods=periods.PERIODS,
                           charts=chart_markup(found), swatch=charts.swatch,
                           contact_styles=CONTACT_STYLES, can_export=current_user.can("export"))


@bp.get("/dashboard.csv")
@permission_required("export")
def csv_file():
    """The dashboard's tables as one CSV, through the exports' writer (formula-safe, quoted)."""
    try:
        period = periods.parse_period(request.args, _today(), clinic_zone())
    except FilterError as error:
        abort_with(400, str(error))
    rows = csv_rows(load(period))
    transactions.write_apart(lambda: audit.record(
        "export", format="dashboard-csv", rows=len(rows), **request_actor(), identified=False,
        **{"from": period.start.isoformat(), "to": period.end.isoformat()}))
    body = "".join(tabular.write(CSV_HEADERS, rows, bom=True))
    response = Response(body, content_type="text/csv; charset=utf-8; header=present")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="dashboard-{period.start.isoformat()}-to-'
        f'{period.end.isoformat()}.csv"')
    response.headers["Cache-Control"] = "no-store"
    return response


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
