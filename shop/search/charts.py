"""Small SVG charts drawn on the server: a merchant reads them at a glance, no script.

The template draws what these compute (``admin/search/search_report.html``): bars for
counts and money, a line for rates. Coordinates are in a fixed viewBox; the SVG scales.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

WIDTH = 600
HEIGHT = 160
PAD_LEFT = 48
PAD_BOTTOM = 22
PAD_TOP = 10


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    cx: float  # the period's centre (a rate's point)
    label: str  # the period and its value, for the tooltip


@dataclass
class Chart:
    title: str
    top_label: str  # the value at the top of the scale
    first_label: str
    last_label: str
    bars: list[Bar]
    line: str = ""  # SVG polyline points, for rates
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = PAD_LEFT
    plot_bottom: int = HEIGHT - PAD_BOTTOM
    plot_top: int = PAD_TOP

    @property
    def summary(self) -> str:
        return f"{self.title}: " + ", ".join(bar.label for bar in self.bars)


def chart(
    *,
    title: str,
    periods: list[str],
    values: list[float],
    kind: str = "bars",
    shown: Callable[[float], str] = lambda value: f"{value:,.0f}",
) -> Chart:
    """Bars (``kind="bars"``) or a line (``"rate"``, values 0..1 shown in %) over periods;
    ``shown`` writes a value (money goes through the shop's money formatter)."""
    percent = kind == "rate"
    top = 1.0 if percent else max(values, default=0) or 1
    plot_height = HEIGHT - PAD_BOTTOM - PAD_TOP
    step = (WIDTH - PAD_LEFT) / max(len(values), 1)
    bars = []
    points = []
    for i, (period, value) in enumerate(zip(periods, values, strict=True)):
        height = plot_height * (value / top)
        text = f"{value:.0%}" if percent else shown(value)
        x = PAD_LEFT + i * step
        bars.append(
            Bar(
                x=round(x + step * 0.15, 1),
                y=round(HEIGHT - PAD_BOTTOM - height, 1),
                width=round(step * 0.7, 1),
                height=round(height, 1),
                cx=round(x + step / 2, 1),
                label=f"{period}: {text}",
            )
        )
        points.append(f"{x + step / 2:.1f},{HEIGHT - PAD_BOTTOM - height:.1f}")
    return Chart(
        title=title,
        top_label="100%" if percent else shown(top),
        first_label=periods[0] if periods else "",
        last_label=periods[-1] if periods else "",
        bars=bars,
        line=" ".join(points) if percent else "",
    )
