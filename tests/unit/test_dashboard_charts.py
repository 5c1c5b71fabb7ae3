"""The dashboard's pieces without a database: SVG charts, clinic days and weeks, percentiles,
periods."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timezone
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest

from screener.staff import charts
from screener.staff.dashboard_data import percentile
from screener.storage.daily_counts import day_begins, local_day, score_item, week_start

SVG = "{http://www.w3.org/2000/svg}"
STYLE_A, STYLE_B = charts.STYLES[0], charts.STYLES[2]


def parsed(markup) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))


def luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_series_colour_has_3_to_1_contrast_on_white_and_its_own_pattern():
    assert all(contrast(style.colour, "#ffffff") >= 3 for style in charts.STYLES)
    assert contrast(charts.TEXT, "#ffffff") >= 4.5 and contrast(charts.AXIS, "#ffffff") >= 4.5
    patterns = [style.pattern for style in charts.STYLES]
    assert len(set(patterns)) == len(patterns), "colour is never the only difference"


def test_a_bar_chart_is_a_named_described_image_with_a_bar_per_value():
    svg = parsed(charts.bar_chart(
        "c1", "Outcomes", "Two weeks of bars.", ["1 Jun", "8 Jun"],
        [charts.Series("A", [3, 0], STYLE_A), charts.Series("B", [1, 2], STYLE_B)],
        marks=["⚑2", ""]))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title"
    assert svg.get("aria-describedby") == "c1-desc"
    assert svg.find(f"{SVG}title").text == "Outcomes"
    assert svg.find(f"{SVG}desc").text == "Two weeks of bars."
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("fill", "").startswith("url(#c1-p")]
    assert len(bars) == 3, "a bar per non-zero value"
    patterns = {p.get("id") for p in svg.iter(f"{SVG}pattern")}
    assert {"c1-p0", "c1-p1"} <= patterns
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "⚑2" in texts and "1 Jun" in texts and "8 Jun" in texts


def test_stacked_bars_are_scaled_to_their_total():
    svg = parsed(charts.bar_chart("c2", "t", "d", ["w"], [
        charts.Series("A", [30], STYLE_A), charts.Series("B", [10], STYLE_B)], height=260))
    heights = [float(r.get("height")) for r in svg.iter(f"{SVG}rect")
               if r.get("fill", "").startswith("url(#c2-p")]
    assert heights[0] == pytest.approx(3 * heights[1], rel=0.01)
    plot_height = 260 - 22 - 30  # the chart minus its top and bottom margins
    assert sum(heights) == pytest.approx(plot_height * 40 / 50, rel=0.01), "the axis ends at 50"


def test_whiskers_reach_the_higher_value():
    markup = str(charts.bar_chart("c3", "t", "d", ["w"], [charts.Series("A", [2], STYLE_A)],
                                  stacked=False, whiskers=[[8]]))
    assert re.search(r'<path d="M[\d.]+,[\d.]+ V[\d.]+', markup)


def test_horizontal_bars_write_each_value_and_note():
    svg = parsed(charts.hbar_chart("f", "Funnel", "d", [("Started", 10, ""),
                                                        ("Sent", 4, "(drop-off 6, 60%)")]))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "10" in texts and "4 (drop-off 6, 60%)" in texts


def test_labels_are_escaped_never_markup():
    markup = str(charts.bar_chart("x", "<b>t</b>", "d & <i>", ["<script>"],
                                  [charts.Series("s", [1], STYLE_A)]))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "&lt;b&gt;" in markup and "&amp;" in markup
    parsed(markup)  # still well-formed XML


def test_an_empty_chart_draws_no_bar_and_a_round_axis():
    svg = parsed(charts.bar_chart("e", "t", "d", ["w"], [charts.Series("s", [0], STYLE_A)]))
    assert not [r for r in svg.iter(f"{SVG}rect") if r.get("fill", "").startswith("url(")]
    assert charts.nice_max(0) == 1
    assert [charts.nice_max(v) for v in (7, 10, 11, 23, 180, 0.4)] == [10, 10, 20, 25, 200, 0.5]


def test_a_swatch_is_hidden_from_screen_readers():
    assert parsed(charts.swatch("s1", STYLE_A)).get("aria-hidden") == "true"


def test_clinic_days_and_weeks_follow_the_zone_given():
    sunday_night_utc = datetime(2026, 11, 29, 23, 59, 59, tzinfo=timezone.utc)
    monday_utc = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)
    assert week_start(local_day(sunday_night_utc, timezone.utc)) == date(2026, 11, 23)
    assert week_start(local_day(monday_utc, timezone.utc)) == date(2026, 11, 30)
    # In New York it is still Sunday evening; in Auckland already Monday midday.
    assert local_day(monday_utc, ZoneInfo("America/New_York")) == date(2026, 11, 29)
    assert week_start(local_day(monday_utc, ZoneInfo("America/New_York"))) == date(2026, 11, 23)
    early = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
    assert week_start(local_day(early, ZoneInfo("Pacific/Auckland"))) == date(2026, 11, 30)
    assert day_begins(date(2026, 11, 30), ZoneInfo("America/New_York")) == datetime(
        2026, 11, 30, 5, 0, tzinfo=timezone.utc)
    assert day_begins(date(2026, 11, 30), timezone.utc) == monday_utc


def test_percentiles_are_nearest_rank():
    values = Counter({5: 1, 10: 1, 20: 1, 40: 1})
    assert percentile(values, 0.5) == 10
    assert percentile(values, 0.9) == 40
    assert percentile(Counter({7: 3}), 0.9) == 7
    assert percentile(Counter(), 0.5) is None
    plain = sorted([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])
    assert percentile(Counter(plain), 0.5) == plain[5]


def test_a_score_counts_as_its_band_or_else_its_value():
    assert score_item({"value": 12, "band": "moderate"}) == "moderate"
    assert score_item({"value": 6.7, "band": None}) == "6.7"
    assert score_item({"value": None, "band": None}) is None
    assert score_item("junk") is None
