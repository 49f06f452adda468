"""Charts drawn on the server as SVG: no JavaScript, no CDN, readable in any browser and in
screenshots. Pure functions: values in, markup out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Formatter = Callable[[Decimal], str]


def _nice_max(value: Decimal) -> Decimal:
    """A round number at or above the largest value, for the axis."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        ceiling = magnitude * Decimal(str(step))
        if ceiling >= value:
            return ceiling
    return magnitude * 10


def bar_chart(
    points: Sequence[tuple[str, Decimal]],
    *,
    title: str,
    fmt: Formatter,
    width: int = 640,
    height: int = 240,
    color: str = "#2456c7",
) -> SafeString:
    """A vertical bar chart with a labelled y axis; each bar has its value as a tooltip."""
    left, right, top, bottom = 64, 12, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((v for _, v in points), default=Decimal(0)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i in range(5):  # grid lines and y labels
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="axis" x1="{left}" x2="{width - right}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="#dfe4ea"/>'
        )
        tick = escape(fmt(value))
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    if points:
        slot = plot_w / len(points)
        bar_w = max(slot * 0.64, 2)
        for n, (label, value) in enumerate(points):
            h = plot_h * value / top_value if value > 0 else Decimal(0)
            x = left + slot * n + (slot - bar_w) / 2
            bar_top = top + plot_h - h
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{bar_top:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" '
                f'rx="2" fill="{color}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
            )
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    else:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">No data yet</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)
