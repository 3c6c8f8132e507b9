"""Charts as server-rendered SVG: no script, no CDN, no inline style — they work on an intranet, under a
strict Content-Security-Policy, in print and with a screen reader.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>`` (both in
the page's language, given by the caller); the page prints the table behind it next to it. Colours are
presentation attributes; the size adapts through ``static/css/app.css`` (``svg.chart``).

- ``hbars``: horizontal bars, grouped by category (one bar per series), optionally with a marker line
  (a target) — long labels (indicator names, districts) get a line of their own above their bars.
- ``lines``: one line per series over ordered x labels (months), with a value axis.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

PALETTE = ("#1f5f99", "#b3261e", "#2e7d32", "#b26a00", "#6a3d9a", "#00838f", "#5d4037", "#455a64")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 6")  # lines stay apart in grey print
INK, MUTED, GRID = "#1d2733", "#5b6b7c", "#d5dde6"
WIDTH = 760
NARROW = 360  # a phone's chart: 390 px less the page's margins
FONT = 14


def number(value, digits: int = 2) -> str:
    """``20`` for 20.0, ``0.35`` for 0.35, ``1,234`` for 1234 — never a float's trailing ``.0``."""
    if value is None:
        return "—"
    if isinstance(value, float) and not math.isfinite(value):
        return "—"
    rounded = round(float(value), digits)
    if rounded.is_integer():
        return f"{int(rounded):,}"
    return f"{rounded:,.{digits}f}".rstrip("0").rstrip(".")


def percent(ratio, digits: int = 1) -> str:
    """``0.955`` → ``95.5%`` (``—`` for none)."""
    return "—" if ratio is None else f"{number(ratio * 100, digits)}%"


def quantity(value, unit: str = "") -> str:
    """A value with its unit: ``20 件``, ``1,000 entities``, ``95%`` (no space before a percent sign)."""
    if value is None:
        return "—"
    return f"{number(value)}{unit}" if unit in ("%", "") else f"{number(value)} {unit}"


def text_width(text: str, size: float = FONT) -> float:
    """Rough rendered width: CJK and full-width characters take a square, the rest about half of it."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in text)


def _fit(text: str, width: float, size: float = FONT) -> str:
    if text_width(text, size) <= width:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out + "…"


def nice_max(value: float) -> float:
    """The axis end above ``value``: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


@dataclass
class Series:
    name: str
    values: list  # numbers (None: no value), one per category / x label
    texts: list | None = None  # what to print beside each bar (default: the number)


@dataclass
class _Svg:
    ident: str
    title: str
    desc: str
    width: float = WIDTH
    height: float = 0
    parts: list = field(default_factory=list)

    def add(self, fragment: str) -> None:
        self.parts.append(fragment)

    def text(self, x, y, content, *, size=FONT, fill=INK, anchor="start", weight=None, full=None) -> None:
        bold = f' font-weight="{weight}"' if weight else ""
        tip = f"<title>{escape(full)}</title>" if full and full != content else ""
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
                 f'text-anchor="{anchor}"{bold}>{tip}{escape(content)}</text>')

    def render(self) -> Markup:
        t, d = f"{self.ident}-title", f"{self.ident}-desc"
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(self.ident)}" role="img" '
                f'aria-labelledby="{t} {d}" width="{self.width:.0f}" height="{self.height:.0f}" '
                f'viewBox="0 0 {self.width:.0f} {self.height:.0f}" font-family="sans-serif">'
                f'<title id="{t}">{escape(self.title)}</title><desc id="{d}">{escape(self.desc)}</desc>')
        return Markup(head + "".join(self.parts) + "</svg>")


def _legend(svg: _Svg, y: float, items: list[tuple[str, str, str]]) -> float:
    """Coloured keys left to right, wrapping; ``items``: (label, colour, "bar" | "line" | "marker" + dash)."""
    x = 0.0
    for label, colour, kind in items:
        w = 22 + text_width(label) + 18
        if x and x + w > svg.width:
            x, y = 0.0, y + 20
        if kind == "bar":
            svg.add(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="14" height="10" fill="{colour}"/>')
        else:
            dash = kind.split(":", 1)[1] if ":" in kind else ""
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            svg.add(f'<line x1="{x:.1f}" y1="{y - 5:.1f}" x2="{x + 16:.1f}" y2="{y - 5:.1f}" '
                    f'stroke="{colour}" stroke-width="2"{dash_attr}/>')
        svg.text(x + 20, y, label, size=FONT - 1)
        x += w
    return y + 14


@dataclass
class _Bars:
    """The geometry of one horizontal-bar chart: the scale's end, the plot's width, the room for texts."""
    top: float
    plot: float
    text_room: float
    font: float


def _bar_texts(series: list[Series], empty_text: str) -> list[list[str]]:
    return [[s.texts[i] if s.texts else (empty_text if v is None else number(v))
             for i, v in enumerate(s.values)]
            for s in series]


def _bar_geometry(width, series, texts, max_value, marker, font) -> _Bars:
    values = [v for s in series for v in s.values if v is not None]
    top = max_value if max_value is not None else nice_max(max(values + [marker or 0, 0]))
    # the texts beside the bars are never cut: they get the room they need, up to half the chart
    widest = max([text_width(t, font - 1) for row in texts for t in row] + [0])
    text_room = min(width / 2, max(48.0, widest + 12))
    return _Bars(top, width - text_room, text_room, font)


def _bar_legend(svg: _Svg, series: list[Series], marker, marker_label: str, y: float) -> float:
    legend = ([(s.name, PALETTE[i % len(PALETTE)], "bar") for i, s in enumerate(series)]
              if len(series) > 1 else [])
    if marker is not None and marker_label:
        legend.append((marker_label, INK, "line:4 3"))
    return _legend(svg, y + 12, legend) + 6 if legend else y


def _bar_group(svg: _Svg, geo: _Bars, category: str, series: list[Series], texts, ci: int, y: float) -> float:
    """One category: its label on a line of its own, then one bar per series with its value after it."""
    bar_h, gap = geo.font, 4
    svg.text(0, y + geo.font, _fit(category, svg.width, geo.font), size=geo.font, weight="600", full=category)
    y += geo.font + 6
    for si, s in enumerate(series):
        v = s.values[ci]
        length = 0 if v is None or geo.top <= 0 else max(0.0, min(v, geo.top)) / geo.top * geo.plot
        svg.add(f'<rect x="0" y="{y:.1f}" width="{geo.plot:.1f}" height="{bar_h}" fill="#eef2f6"/>')
        if length:
            svg.add(f'<rect x="0" y="{y:.1f}" width="{length:.1f}" height="{bar_h}" '
                    f'fill="{PALETTE[si % len(PALETTE)]}"/>')
        svg.text(geo.plot + 6, y + bar_h - 2, texts[si][ci], size=geo.font - 1,
                 fill=INK if v is not None else MUTED)
        y += bar_h + gap
    return y + 8


def _value_axis(svg: _Svg, geo: _Bars, y: float, label: str) -> float:
    """The scale under the bars: 0, half and the end, with the unit."""
    svg.add(f'<line x1="0" y1="{y:.1f}" x2="{geo.plot:.1f}" y2="{y:.1f}" stroke="{MUTED}"/>')
    for i, value in enumerate((0, geo.top / 2, geo.top)):
        x = geo.plot * i / 2
        svg.add(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y + 4:.1f}" stroke="{MUTED}"/>')
        svg.text(x, y + geo.font + 2, number(value), size=geo.font - 2, fill=MUTED,
                 anchor=("start", "middle", "end")[i])
    y += geo.font + 6
    if label:
        svg.text(geo.plot / 2, y + geo.font - 2, label, size=geo.font - 2, fill=MUTED, anchor="middle")
        y += geo.font + 2
    return y


def _hbars_svg(ident, title, desc, categories, series, *, width, font, max_value, marker, marker_label,
               empty_text, axis_label) -> Markup:
    svg = _Svg(ident, title, desc, width)
    texts = _bar_texts(series, empty_text)
    geo = _bar_geometry(width, series, texts, max_value, marker, font)
    y = _bar_legend(svg, series, marker, marker_label, 4.0)
    first_group = y
    for ci, category in enumerate(categories):
        y = _bar_group(svg, geo, category, series, texts, ci, y)
    if marker is not None and geo.top > 0 and categories:
        x = min(marker, geo.top) / geo.top * geo.plot
        svg.add(f'<line x1="{x:.1f}" y1="{first_group:.1f}" x2="{x:.1f}" y2="{y - 8:.1f}" stroke="{INK}" '
                f'stroke-width="1.5" stroke-dasharray="4 3"/>')
    if axis_label is not None:
        y = _value_axis(svg, geo, y - 4, axis_label)
    svg.height = y + 4
    return svg.render()


def both_widths(draw, ident: str, width: float | None) -> Markup:
    """A chart drawn twice — for a desktop and for a phone (``svg.chart.narrow``, 360 units wide with the
    same type size, so a 390 px screen shows its labels at full size, not scaled down to 6 px); the page's
    CSS shows one. A chart asked for at a given width (a small one in a row) is drawn once."""
    if width is not None:
        return draw(ident, width, FONT)
    wide = str(draw(ident, WIDTH, FONT)).replace('class="chart"', 'class="chart wide"', 1)
    narrow = str(draw(f"{ident}-narrow", NARROW, FONT)).replace('class="chart"', 'class="chart narrow"', 1)
    return Markup(wide + narrow)  # both escaped when drawn


def hbars(ident: str, title: str, desc: str, categories: list[str], series: list[Series], *,
          max_value: float | None = None, marker: float | None = None, marker_label: str = "",
          empty_text: str = "—", width: float | None = None, axis_label: str | None = None) -> Markup:
    """Horizontal bars: for each category a label line, then one bar per series, its value after it.

    ``marker`` (in the bars' scale, e.g. 1.0 for "100 % of target") draws a dashed line across every group.
    Values are clipped to ``max_value`` (default: the largest value, rounded up to a round number).
    ``axis_label`` (the unit, e.g. "元") draws the value axis under the bars.
    """
    def draw(ident_, width_, font):
        return _hbars_svg(ident_, title, desc, categories, series, width=width_, font=font,
                          max_value=max_value, marker=marker, marker_label=marker_label,
                          empty_text=empty_text, axis_label=axis_label)

    return both_widths(draw, ident, width)


MARKS = ("circle", "square", "triangle", "diamond")  # the points' shapes differ too, not only the colours


def _mark(shape: str, x: float, y: float, colour: str, tip: str) -> str:
    tip = f"<title>{escape(tip)}</title>"
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}">{tip}</rect>'
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 4.5:.1f} {x + 4:.1f},{y + 3:.1f} {x - 4:.1f},{y + 3:.1f}" ' \
               f'fill="{colour}">{tip}</polygon>'
    if shape == "diamond":
        return f'<polygon points="{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y:.1f} {x:.1f},{y + 4.5:.1f} ' \
               f'{x - 4.5:.1f},{y:.1f}" fill="{colour}">{tip}</polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">{tip}</circle>'


def _line_scale(series: list[Series]) -> float:
    values = [v for s in series for v in s.values if v is not None]
    if values and all(float(v).is_integer() for v in values):  # counts: four whole-number steps
        return max(4, math.ceil(nice_max(max(values + [1]) / 4)) * 4)
    return nice_max(max(values + [0]))


def _lines_svg(ident, title, desc, x_labels, series, *, width, y_label) -> Markup:
    svg = _Svg(ident, title, desc, width)
    top = _line_scale(series)
    y = 4.0
    if len(series) > 1:
        y = _legend(svg, y + 12, [(s.name, PALETTE[i % len(PALETTE)], "line:" + DASHES[i % len(DASHES)])
                                  for i, s in enumerate(series)]) + 4
    if y_label:
        svg.text(0, y + FONT, y_label, size=FONT - 1, fill=MUTED)
        y += FONT + 6
    left, right, plot_h = 40, 12, 200
    plot_w = width - left - right
    base = y + 6 + plot_h
    for i in range(5):  # the grid and the value axis
        gy = base - plot_h * i / 4
        svg.add(f'<line x1="{left}" y1="{gy:.1f}" x2="{width - right}" y2="{gy:.1f}" stroke="{GRID}"/>')
        svg.text(left - 6, gy + 4, number(top * i / 4), size=FONT - 2, fill=MUTED, anchor="end")
    n = max(len(x_labels), 1)
    step = plot_w / n
    every = max(1, math.ceil(n * 64 / plot_w))  # label every k-th x so labels (2026-05) do not collide
    for i, label in enumerate(x_labels):
        if i % every == 0:
            svg.text(left + step * (i + 0.5), base + 16, label, size=FONT - 2, fill=MUTED, anchor="middle")
    # series with equal values would hide each other: each is drawn 2.5 units off the next (a "dodge"),
    # with its own dash and point shape
    middle = (len(series) - 1) / 2
    for si, s in enumerate(series):
        colour, dash = PALETTE[si % len(PALETTE)], DASHES[si % len(DASHES)]
        dodge = (si - middle) * 2.5
        points = [(left + step * (i + 0.5), base - (v / top) * plot_h + dodge, x_labels[i], v)
                  for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            path = " ".join(f"{x:.1f},{yv:.1f}" for x, yv, _label, _v in points)
            svg.add(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>')
        for x, yv, label, v in points:
            svg.add(_mark(MARKS[si % len(MARKS)], x, yv, colour, f"{s.name} · {label}: {number(v)}"))
    svg.height = base + 26
    return svg.render()


def lines(ident: str, title: str, desc: str, x_labels: list[str], series: list[Series], *,
          y_label: str = "", width: float | None = None) -> Markup:
    """One line per series over ``x_labels`` (e.g. months), points marked, a value axis with round ticks."""
    return both_widths(lambda ident_, width_, _font: _lines_svg(ident_, title, desc, x_labels, series,
                                                               width=width_, y_label=y_label), ident, width)
