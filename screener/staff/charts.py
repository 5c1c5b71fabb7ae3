"""Small inline SVG charts for the dashboard: no JavaScript, no library, print as they look.

Each chart is ``<svg role="img">`` named by its ``<title>`` and described by a ``<desc>`` (read by
screen readers, never shown); the page puts a table with the same numbers beside it. Series are
told apart by a fill pattern as well as by colour, and every colour has at least 3:1 contrast
with the white page (WCAG 1.4.11), so a bar reads in grey print and for colour-blind readers.
Every text is escaped: labels come from the questionnaire, never as markup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

WIDTH = 640  # the widest chart; narrower ones keep their text legible on a phone
LABEL_SPACE = 60  # room for one category label under a bar chart ("30 Nov" at 13 px), with a gap
FONT = 14
TEXT = "#1a1a1a"  # 17:1 on white
AXIS = "#595959"  # 7:1 on white
GRID = "#d9d9d9"  # decorative gridlines
PATTERNS = ("solid", "hatch", "dots", "cross", "stripes", "checks")


@dataclass(frozen=True)
class Style:
    """A series' look: a colour (≥ 3:1 on white) and a pattern (so colour is never alone)."""

    colour: str
    pattern: str


# Ordered most serious first, like the outcomes; each colour ≥ 3:1 against white.
STYLES = (
    Style("#a4262c", "cross"),    # red, 6.9:1
    Style("#8a4b00", "hatch"),    # brown, 7.0:1
    Style("#1c5a99", "dots"),     # blue, 7.0:1
    Style("#2a6e31", "solid"),    # green, 6.0:1
    Style("#5b3f8c", "stripes"),  # purple, 8.6:1
    Style("#4d4d4d", "checks"),   # grey, 8.5:1
)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]
    style: Style


def style_for(index: int) -> Style:
    return STYLES[index % len(STYLES)]


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def number(value: float) -> str:
    """A count or a measure as shown on a chart: no trailing '.0'."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def pattern_defs(chart_id: str, styles: Sequence[Style]) -> str:
    """``<pattern>`` definitions for ``styles``, ids ``{chart_id}-p{index}``."""
    parts = []
    for index, style in enumerate(styles):
        marks = {
            "solid": "",
            "hatch": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" '
                     'stroke-width="1.6"/>',
            "cross": '<path d="M0,0 l8,8 M8,0 l-8,8" stroke="#fff" stroke-width="1.4"/>',
            "dots": '<circle cx="4" cy="4" r="1.7" fill="#fff"/>',
            "stripes": '<path d="M0,4 h8" stroke="#fff" stroke-width="1.8"/>',
            "checks": '<rect width="4" height="4" fill="#fff" fill-opacity=".55"/>',
        }.get(style.pattern, "")
        parts.append(f'<pattern id="{chart_id}-p{index}" patternUnits="userSpaceOnUse" '
                     f'width="8" height="8"><rect width="8" height="8" '
                     f'fill="{style.colour}"/>{marks}</pattern>')
    return "<defs>" + "".join(parts) + "</defs>"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    """The chart's own size in pixels: the page shows it at that size, smaller on a narrow
    screen (CSS max-width), so its text is never blown up or shrunk more than needed."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" focusable="false" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'font-size="{FONT}" font-family="system-ui, sans-serif" fill="{TEXT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def bar_chart(chart_id: str, title: str, description: str, categories: Sequence[str],
              series: Sequence[Series], *, stacked: bool = True,
              marks: Sequence[str] | None = None, whiskers: Sequence[Sequence[float]] | None = None,
              unit: str = "", height: int = 260) -> Markup:
    """Vertical bars, one group per category: stacked series, or side by side (``stacked=False``)
    with an optional whisker per value (``whiskers[series][category]``, e.g. a 90th
    percentile above a median). ``marks`` are short texts over each category (e.g. "⚑ 3")."""
    left, right, top, bottom = 52, 8, 22, 30
    n = max(len(categories), 1)
    width = max(440, min(WIDTH, left + right + n * 64))
    plot_w, plot_h = width - left - right, height - top - bottom
    tops = []
    for c in range(len(categories)):
        if stacked:
            tops.append(sum(s.values[c] for s in series))
        else:
            tops.append(max([s.values[c] for s in series]
                            + [w[c] for w in whiskers or ()] + [0]))
    top_value = nice_max(max(tops, default=0))
    scale = plot_h / top_value
    out = _open(chart_id, title, description, width, height)
    out.append(pattern_defs(chart_id, [s.style for s in series]))
    for tick in range(5):  # y axis: 0 and four round steps
        value = top_value * tick / 4
        y = top + plot_h - value * scale
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID if tick else AXIS}"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{escape(number(value))}{escape(unit)}</text>')
    slot = plot_w / n
    bar_w = slot * (0.72 if stacked else 0.8 / max(len(series), 1))
    # At most 13 axis labels, and never closer than a label is wide ("30 Nov" at 13 px): a
    # year of weeks gets one label in six.
    every = max(1, math.ceil(n / 13), math.ceil(LABEL_SPACE / slot))
    for c, category in enumerate(categories):
        x0 = left + c * slot + (slot - (bar_w if stacked else bar_w * len(series))) / 2
        base = top + plot_h
        for index, s in enumerate(series):
            value = s.values[c]
            h = value * scale
            x = x0 if stacked else x0 + index * bar_w
            y = base - h if stacked else top + plot_h - h
            if value > 0:
                out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                           f'height="{h:.1f}" fill="url(#{chart_id}-p{index})" stroke="#fff" '
                           f'stroke-width="1"/>')
            if whiskers and not stacked and whiskers[index][c] > value:
                wy = top + plot_h - whiskers[index][c] * scale
                cx = x + bar_w / 2
                out.append(f'<path d="M{cx:.1f},{y:.1f} V{wy:.1f} M{cx - bar_w / 3:.1f},'
                           f'{wy:.1f} h{2 * bar_w / 3:.1f}" stroke="{s.style.colour}" '
                           f'stroke-width="2"/>')
            if stacked:
                base = y
        if marks and marks[c]:
            y = top + plot_h - tops[c] * scale - 5
            out.append(f'<text x="{left + (c + .5) * slot:.1f}" y="{y:.1f}" font-size="11" '
                       f'text-anchor="middle" fill="#a4262c" font-weight="bold">'
                       f'{escape(marks[c])}</text>')
        if c % every == 0:
            out.append(f'<text x="{left + (c + .5) * slot:.1f}" y="{height - 10}" '
                       f'text-anchor="middle" font-size="13">{escape(category)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def hbar_chart(chart_id: str, title: str, description: str,
               rows: Sequence[tuple[str, float, str]], styles: Sequence[Style] | None = None,
               label_width: int = 180, width: int = 480) -> Markup:
    """Horizontal bars, one per row ``(label, value, note)``; the value and note are written at
    the end of the bar, so the numbers never depend on reading the bar's length."""
    row_h, top = 32, 4
    height = top * 2 + row_h * max(len(rows), 1)
    right = 130
    plot_w = width - label_width - right
    styles = list(styles or [style_for(2)] * len(rows))
    top_value = nice_max(max((value for _, value, _ in rows), default=0))
    out = _open(chart_id, title, description, width, height)
    out.append(pattern_defs(chart_id, styles))
    out.append(f'<line x1="{label_width}" x2="{label_width}" y1="{top}" '
               f'y2="{height - top}" stroke="{AXIS}"/>')
    for index, (label, value, note) in enumerate(rows):
        y = top + index * row_h
        w = plot_w * value / top_value
        out.append(f'<text x="{label_width - 8}" y="{y + row_h / 2 + 4:.1f}" '
                   f'text-anchor="end">{escape(label)}</text>')
        if value > 0:
            out.append(f'<rect x="{label_width}" y="{y + 5}" width="{w:.1f}" '
                       f'height="{row_h - 10}" fill="url(#{chart_id}-p{index})" '
                       f'stroke="{styles[index].colour}"/>')
        text = number(value) + (f" {note}" if note else "")
        out.append(f'<text x="{label_width + w + 6:.1f}" y="{y + row_h / 2 + 4:.1f}">'
                   f'{escape(text)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def swatch(swatch_id: str, style: Style) -> Markup:
    """A small legend key in a series' colour and pattern (hidden from screen readers: the
    legend's text names the series)."""
    return Markup(
        f'<svg class="swatch" width="18" height="14" viewBox="0 0 18 14" aria-hidden="true" '
        f'focusable="false">{pattern_defs(swatch_id, [style])}<rect x="0.5" y="0.5" width="17" '
        f'height="13" fill="url(#{swatch_id}-p0)" stroke="{style.colour}"/></svg>')
