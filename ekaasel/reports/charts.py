"""Charts drawn on the server as SVG geometry for a template: no JavaScript, no library, no CDN.

Each chart is shown with the same figures in a table, for screen readers and for anyone who reads
numbers rather than bars.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import formats

from ekaasel.reports.figures import TrendPoint

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: str


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    baseline: float
    left: int
    right: float


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    step = 1
    while step * 10 < value:
        step *= 10
    for multiple in (1, 2, 2.5, 5, 10):
        top = int(step * multiple)
        if top >= value and top % 4 == 0:
            return top
    return (value + 3) // 4 * 4


def month_label(month: date) -> str:
    return formats.date_format(month, "M y")


def trend_chart(points: list[TrendPoint]) -> BarChart:
    """Received and resolved side by side for each month, on a scale of four steps."""
    top = _nice_max(max([p.received for p in points] + [p.resolved for p in points] + [0]))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(points), 1)
    bar_width = slot * 0.38
    baseline = TOP + plot_height
    bars, labels = [], []
    for index, point in enumerate(points):
        x = LEFT + index * slot + slot * 0.1
        for offset, (value, series) in enumerate(((point.received, "received"), (point.resolved, "resolved"))):
            height = plot_height * value / top
            bars.append(Bar(round(x + offset * bar_width, 1), round(baseline - height, 1), round(bar_width, 1),
                            round(height, 1), value, series))
        labels.append(Label(round(LEFT + index * slot + slot / 2, 1), month_label(point.month)))
    ticks = [Tick(round(baseline - plot_height * step / 4, 1), top * step // 4) for step in range(5)]
    return BarChart(WIDTH, HEIGHT, bars, ticks, labels, baseline, LEFT, WIDTH - RIGHT)
