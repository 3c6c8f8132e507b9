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
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"{bold}>'
                 f'{tip}{escape(content)}</text>')

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
            svg.add(f'<line x1="{x:.1f}" y1="{y - 5:.1f}" x2="{x + 16:.1f}" y2="{y - 5:.1f}" stroke="{colour}" '
                    f'stroke-width="2"{dash_attr}/>')
        svg.text(x + 20, y, label, size=FONT - 1)
        x += w
    return y + 14


def hbars(ident: str, title: str, desc: str, categories: list[str], series: list[Series], *,
          max_value: float | None = None, marker: float | None = None, marker_label: str = "",
          empty_text: str = "—", width: float = WIDTH) -> Markup:
    """Horizontal bars: for each category a label line, then one bar per series.

    ``marker`` (in the bars' scale, e.g. 1.0 for "100 % of target") draws a dashed line across every group.
    Values are clipped to ``max_value`` (default: the largest value, rounded up to a round number).
    """
    svg = _Svg(ident, title, desc, width)
    values = [v for s in series for v in s.values if v is not None]
    top = max_value if max_value is not None else nice_max(max(values + [marker or 0, 0]))
    text_room = min(190, max(60, max([text_width(t, FONT - 1) for s in series for t in (s.texts or [])] + [0]) + 12))
    plot = width - text_room
    y = 4.0
    legend = [(s.name, PALETTE[i % len(PALETTE)], "bar") for i, s in enumerate(series)] if len(series) > 1 else []
    if marker is not None and marker_label:
        legend.append((marker_label, INK, "line:4 3"))
    if legend:
        y = _legend(svg, y + 12, legend) + 6
    bar_h, gap = 14, 4
    first_group = y
    for ci, category in enumerate(categories):
        svg.text(0, y + FONT, _fit(category, width), weight="600", full=category)
        y += FONT + 6
        for si, s in enumerate(series):
            v = s.values[ci]
            colour = PALETTE[si % len(PALETTE)]
            length = 0 if v is None or top <= 0 else max(0.0, min(v, top)) / top * plot
            svg.add(f'<rect x="0" y="{y:.1f}" width="{plot:.1f}" height="{bar_h}" fill="#eef2f6"/>')
            if length:
                svg.add(f'<rect x="0" y="{y:.1f}" width="{length:.1f}" height="{bar_h}" fill="{colour}"/>')
            shown = s.texts[ci] if s.texts else (empty_text if v is None else number(v))
            svg.text(plot + 6, y + bar_h - 2, _fit(shown, text_room - 8, FONT - 1), size=FONT - 1,
                     fill=INK if v is not None else MUTED, full=shown)
            y += bar_h + gap
        y += 8
    if marker is not None and top > 0 and categories:
        x = min(marker, top) / top * plot
        svg.add(f'<line x1="{x:.1f}" y1="{first_group:.1f}" x2="{x:.1f}" y2="{y - 8:.1f}" stroke="{INK}" '
                f'stroke-width="1.5" stroke-dasharray="4 3"/>')
    svg.height = y + 4
    return svg.render()


def lines(ident: str, title: str, desc: str, x_labels: list[str], series: list[Series], *,
          y_label: str = "") -> Markup:
    """One line per series over ``x_labels`` (e.g. months), points marked, a value axis with round ticks."""
    svg = _Svg(ident, title, desc)
    values = [v for s in series for v in s.values if v is not None]
    top = nice_max(max(values + [0]))
    if all(float(v).is_integer() for v in values):  # counts: four whole-number steps
        step = nice_max(max(values + [1]) / 4)
        top = max(4, math.ceil(step) * 4)
    y = 4.0
    if len(series) > 1:
        y = _legend(svg, y + 12, [(s.name, PALETTE[i % len(PALETTE)], "line:" + DASHES[i % len(DASHES)])
                                  for i, s in enumerate(series)]) + 4
    if y_label:
        svg.text(0, y + FONT, y_label, size=FONT - 1, fill=MUTED)
        y += FONT + 6
    left, right, plot_h = 52, 12, 200
    plot_w = WIDTH - left - right
    y0 = y + 6
    base = y0 + plot_h
    for i in range(5):  # the grid and the value axis
        value = top * i / 4
        gy = base - plot_h * i / 4
        svg.add(f'<line x1="{left}" y1="{gy:.1f}" x2="{WIDTH - right}" y2="{gy:.1f}" stroke="{GRID}"/>')
        svg.text(left - 6, gy + 4, number(value), size=FONT - 2, fill=MUTED, anchor="end")
    n = max(len(x_labels), 1)
    step = plot_w / n

    def px(i):
        return left + step * (i + 0.5)

    every = max(1, math.ceil(n * 44 / plot_w))  # label every k-th x so labels do not collide
    for i, label in enumerate(x_labels):
        if i % every == 0:
            svg.text(px(i), base + 16, label, size=FONT - 2, fill=MUTED, anchor="middle")
    for si, s in enumerate(series):
        colour, dash = PALETTE[si % len(PALETTE)], DASHES[si % len(DASHES)]
        points = [(px(i), base - (v / top) * plot_h, x_labels[i], v) for i, v in enumerate(s.values)
                  if v is not None]
        if len(points) > 1:
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            path = " ".join(f"{x:.1f},{yv:.1f}" for x, yv, _label, _v in points)
            svg.add(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>')
        for x, yv, label, v in points:
            svg.add(f'<circle cx="{x:.1f}" cy="{yv:.1f}" r="3" fill="{colour}"><title>{escape(s.name)} · '
                    f'{escape(label)}: {escape(number(v))}</title></circle>')
    svg.height = base + 26
    return svg.render()
