"""The geometry of an hourly bar chart, for the SVG template ``admin/_chart.html``.

Plain numbers in the SVG's own units (``WIDTH`` x ``HEIGHT``; the page scales the drawing
to its width), so the template only places what is computed here: no script, no inline
style (the content security policy forbids both), presentation attributes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .overview import Hourly

WIDTH, HEIGHT = 600, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 34
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
#: Space between bars, as a share of a bar's slot.
GAP = 0.2
#: Room a day's label takes ("Tue 24" at the template's font size): a midnight nearer the
#: right edge than this keeps its tick but not its label.
LABEL_W = 64


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    hour: datetime


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    #: False for the label of the partial first day (no midnight to mark).
    line: bool = True


@dataclass(frozen=True)
class BarChart:
    key: str
    label: str
    title: str
    summary: str
    bars: list[Bar]
    #: Day boundaries (UTC midnight) with the day's label (empty at the right edge), and the
    #: first day's label when it starts late enough for its label to fit before midnight.
    days: list[Tick]
    #: The top of the value axis (a round number at or above the busiest hour).
    top: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_top: int = TOP
    plot_bottom: int = TOP + PLOT_H
    plot_right: int = LEFT + PLOT_W


def nice_top(peak: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at or above ``peak`` (1 for no events)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= peak:
                return step * factor
        step *= 10


def hour_label(moment: datetime) -> str:
    return moment.strftime("%a %d %b %H:00 UTC")


def summary(series: Hourly) -> str:
    """One sentence for everyone: the total and the busiest hour."""
    peak = series.peak
    if peak is None:
        return f"None in the last 7 days ({series.label.lower()})."
    when, count = peak
    return f"{series.total} in the last 7 days; busiest hour {hour_label(when)} ({count})."


def bar_chart(series: Hourly) -> BarChart:
    """Contract: one bar per hour (zero-height for an empty hour), oldest on the left, and
    a tick at each UTC midnight inside the window labelled with the day."""
    hours = len(series.counts)
    slot = PLOT_W / hours
    top = nice_top(max(series.counts, default=0))
    bars = []
    for index, count in enumerate(series.counts):
        height = round(PLOT_H * count / top, 2)
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * GAP / 2, 2),
                y=round(TOP + PLOT_H - height, 2),
                width=round(slot * (1 - GAP), 2),
                height=height,
                count=count,
                hour=series.hour(index),
            )
        )
    days = []
    for index in range(hours):
        if series.hour(index).hour == 0:
            x = round(LEFT + index * slot, 2)
            label = series.hour(index).strftime("%a %d") if x + LABEL_W <= WIDTH else ""
            days.append(Tick(x, label))
    first = series.hour(0)
    if first.hour and (not days or days[0].x - LEFT >= LABEL_W):
        days.insert(0, Tick(LEFT, first.strftime("%a %d"), line=False))
    return BarChart(
        key=series.key,
        label=series.label,
        title=f"{series.label} per hour, last 7 days (UTC)",
        summary=summary(series),
        bars=bars,
        days=days,
        top=top,
    )
