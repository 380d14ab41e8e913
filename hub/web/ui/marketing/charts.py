"""Charts as server-side SVG: bars, a sparkline, the customer pyramid, and heat levels for the
migration table. Every label is escaped here (markupsafe), colours are presentation
attributes (the strict CSP forbids style attributes), and each chart has a <title> for
screen readers; the page shows the same figures as a table next to it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from markupsafe import Markup, escape

from hub.i18n import formats
from hub.i18n.labels import LABELS
from hub.web.locale import Viewer

INK = "#1f2933"
BAR = "#2f6fb3"
MUTED = "#8a94a0"
TIER_COLOURS = ("#1c4e80", "#2f6fb3", "#5b93d1", "#93bde8", "#c9d6e3", "#e8edf2")


def _num(value: float) -> str:
    """A coordinate in the SVG source (never shown)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _shown(value: float, seen: Viewer) -> str:
    """A figure a reader sees, to one decimal at most, as their language writes it."""
    return formats.format_number(round(value, 1), seen.language)


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, width: int = 560,
              height: int = 220, colours: Sequence[str] | None = None,
              viewer: Viewer | None = None) -> Markup:
    """Vertical bars with the value above each and the label below."""
    seen = viewer or Viewer()
    left, bottom, top = 8, 28, 22
    n = max(1, len(items))
    slot = (width - 2 * left) / n
    peak = max((v for _, v in items), default=0) or 1
    usable = height - bottom - top
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(items):
        h = usable * value / peak
        x = left + i * slot + slot * 0.12
        y = top + usable - h
        colour = colours[i % len(colours)] if colours else BAR
        parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(slot * 0.76)}" '
                     f'height="{_num(h)}" fill="{colour}"><title>{escape(label)}: '
                     f"{escape(_shown(value, seen))}</title></rect>")
        cx = _num(x + slot * 0.38)
        parts.append(f'<text x="{cx}" y="{_num(y - 4)}" text-anchor="middle" '
                     f'font-size="11" fill="{INK}">{escape(_shown(value, seen))}</text>')
        parts.append(f'<text x="{cx}" y="{height - 10}" text-anchor="middle" '
                     f'font-size="11" fill="{INK}">{escape(label[:14])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: Sequence[float], *, title: str, width: int = 120,
              height: int = 28) -> Markup:
    """A small trend line (no axes); an empty series draws a flat muted line."""
    head = (f'<svg class="spark" role="img" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}'
            "</title>")
    if len(values) < 2:
        return Markup(head + f'<line x1="0" y1="{height / 2}" x2="{width}" '
                      f'y2="{height / 2}" stroke="{MUTED}" stroke-width="1"/></svg>')
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = width / (len(values) - 1)
    points = " ".join(f"{_num(i * step)},{_num(height - 3 - (v - low) / span * (height - 6))}"
                      for i, v in enumerate(values))
    return Markup(head + f'<polyline points="{points}" fill="none" stroke="{BAR}" '
                  'stroke-width="1.5"/></svg>')


def pyramid(tiers: Sequence[tuple[str, int, float, float]], *, title: str,
            width: int = 520, height: int = 300, viewer: Viewer | None = None) -> Markup:
    """Stacked trapezoids, narrowest (top) first: (tier label, customers, revenue, share),
    the figures as `viewer` reads them (money in euros)."""
    seen = viewer or Viewer()
    n = max(1, len(tiers))
    band = height / n
    centre = width / 2
    parts = [f'<svg class="chart pyramid" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
             f"<title>{escape(title)}</title>"]
    for i, (tier, customers, revenue, share) in enumerate(tiers):
        top_half = (0.3 + 0.7 * i / n) * centre
        bottom_half = (0.3 + 0.7 * (i + 1) / n) * centre
        y0, y1 = i * band, (i + 1) * band - 2
        points = (f"{_num(centre - top_half)},{_num(y0)} {_num(centre + top_half)},{_num(y0)} "
                  f"{_num(centre + bottom_half)},{_num(y1)} {_num(centre - bottom_half)},"
                  f"{_num(y1)}")
        colour = TIER_COLOURS[min(i, len(TIER_COLOURS) - 1)]
        text = "#ffffff" if i < 3 else INK
        known = LABELS.get(tier)
        name = seen.gettext(known) if known else tier
        label = (f"{name}: {formats.format_number(customers, seen.language)} · "
                 f"{formats.format_currency(revenue, seen.language)} · "
                 f"{formats.format_percent(share, seen.language, 1)}")
        parts.append(f'<polygon points="{points}" fill="{colour}"><title>{escape(label)}'
                     "</title></polygon>")
        parts.append(f'<text x="{_num(centre)}" y="{_num(y0 + band / 2 + 4)}" '
                     f'text-anchor="middle" font-size="12" fill="{text}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def score_line(points: Sequence[tuple[str, float | None]], *, title: str, low: float,
               high: float, width: int = 560, height: int = 200,
               viewer: Viewer | None = None) -> Markup:
    """A score over time on a fixed scale (NPS -100..100, CSAT 0..100): a line through the
    buckets that have answers, each point labelled; empty buckets leave a gap."""
    seen = viewer or Viewer()
    left, right, top, bottom = 36, 12, 16, 28
    n = max(1, len(points))
    slot = (width - left - right) / n
    span = (high - low) or 1

    def y(value: float) -> float:
        return top + (high - value) / span * (height - top - bottom)

    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
             f"<title>{escape(title)}</title>"]
    for mark in sorted({low, high, 0.0} if low < 0 < high else {low, high}):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{_num(y(mark))}" '
                     f'y2="{_num(y(mark))}" stroke="#d5dbe1" stroke-width="1"/>'
                     f'<text x="{left - 4}" y="{_num(y(mark) + 4)}" text-anchor="end" '
                     f'font-size="10" fill="{MUTED}">{escape(_shown(mark, seen))}</text>')
    run: list[str] = []
    for i, (label, value) in enumerate(points):
        cx = left + i * slot + slot / 2
        parts.append(f'<text x="{_num(cx)}" y="{height - 10}" text-anchor="middle" '
                     f'font-size="11" fill="{INK}">{escape(label[:12])}</text>')
        if value is None:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" '
                             f'stroke="{BAR}" stroke-width="2"/>')
            run = []
            continue
        run.append(f"{_num(cx)},{_num(y(value))}")
        parts.append(f'<circle cx="{_num(cx)}" cy="{_num(y(value))}" r="4" fill="{BAR}">'
                     f"<title>{escape(label)}: {escape(_shown(value, seen))}</title></circle>"
                     f'<text x="{_num(cx)}" y="{_num(y(value) - 8)}" text-anchor="middle" '
                     f'font-size="11" fill="{INK}">{escape(_shown(value, seen))}</text>')
    if len(run) > 1:
        parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{BAR}" '
                     'stroke-width="2"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def score_bars(items: Sequence[tuple[str, float | None, int]], *, title: str, low: float,
               high: float, width: int = 900, viewer: Viewer | None = None) -> Markup:
    """Horizontal bars side by side, one per (label, score, responses), from the zero line
    (NPS may be negative); a group without answers shows "no answers"."""
    seen = viewer or Viewer()

    def answers(n: int) -> str:
        return seen.ngettext("%(count)s answer", "%(count)s answers", n) % {
            "count": formats.format_number(n, seen.language)}

    label_w, right, row = 190, 110, 30
    height = row * max(1, len(items)) + 8
    span = (high - low) or 1
    plot = width - label_w - right

    def x(value: float) -> float:
        return label_w + (value - low) / span * plot

    zero = x(max(low, min(high, 0.0)))
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
             f"<title>{escape(title)}</title>"
             f'<line x1="{_num(zero)}" x2="{_num(zero)}" y1="0" y2="{height}" '
             f'stroke="{MUTED}" stroke-width="1"/>']
    for i, (label, value, responses) in enumerate(items):
        y0 = 4 + i * row
        parts.append(f'<text x="{label_w - 8}" y="{y0 + 18}" text-anchor="end" font-size="13" '
                     f'fill="{INK}">{escape(label[:26])}</text>')
        if value is None:
            parts.append(f'<text x="{_num(zero + 6)}" y="{y0 + 18}" font-size="12" '
                         f'fill="{MUTED}">{escape(seen.gettext("no answers"))}</text>')
            continue
        a, b = sorted((zero, x(value)))
        colour = BAR if value >= 0 else "#c2410c"
        parts.append(f'<rect x="{_num(a)}" y="{y0 + 3}" width="{_num(max(b - a, 1))}" '
                     f'height="{row - 8}" fill="{colour}"><title>{escape(label)}: '
                     f"{escape(_shown(value, seen))} ({escape(answers(responses))})"
                     "</title></rect>"
                     f'<text x="{_num(max(b, zero) + 6)}" y="{y0 + 18}" font-size="12" '
                     f'fill="{INK}">{escape(_shown(value, seen))} · '
                     f"n={escape(_shown(responses, seen))}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def heat_level(value: int, peak: int) -> int:
    """0..5, for the CSS class of a heat-map cell."""
    if value <= 0 or peak <= 0:
        return 0
    return max(1, min(5, round(5 * value / peak)))


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """CSV with cells that a spreadsheet would run as formulas defused (=, +, -, @)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(cell) for cell in row])
    return out.getvalue()


def _safe_cell(cell: object) -> object:
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return "" if cell is None else cell
