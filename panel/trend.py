"""The live trend: the station's analog values over the last minutes, drawn by textual-plot's PlotWidget.

textual-plot over textual-plotext: a native Textual widget (its own canvas, Textual's styles and sizing, no
terminal-escape string from a second plotting library), actively maintained for current Textual, and its
one dependency beyond Textual is numpy, which the project already has; textual-plotext pins plotext below
6 and last came out in 2024. The widget is fed values (`add`) and redrawn (`draw`) at the panel's pace,
with time in seconds before now on the x axis.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from textual_hires_canvas import HiResMode
from textual_plot import PlotWidget

from smarthall.edge.tags import TagValue

from .station import Reading

STYLES = ("yellow", "cyan", "magenta", "green")


class Trend(PlotWidget):
    DEFAULT_CSS = "Trend { height: 1fr; }"

    def __init__(self, readings: tuple[Reading, ...], window_s: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.readings = readings
        self.window_s = window_s
        self.points: dict[str, deque[tuple[float, float]]] = {r.tag: deque() for r in readings}

    def add(self, value: TagValue) -> None:
        """Keep a GOOD number of one of the trend's tags (a bad one leaves a gap: nothing is drawn for it)."""
        points = self.points.get(value.tag)
        if points is None or value.quality != "good" or isinstance(value.value, bool | str) or value.value is None:
            return
        points.append((value.timestamp, float(value.value)))

    def draw(self, now: float, lang: str) -> None:
        """Redraw the last window_s seconds before now."""
        self.clear()
        for reading, style in zip(self.readings, STYLES):
            points = self.points[reading.tag]
            while points and points[0][0] < now - self.window_s:
                points.popleft()
            if not points:
                continue
            times, values = np.array(points).T
            # a value holds until the next (the agent sends changes, not every scan): steps, drawn up to now
            times, values = np.append(np.repeat(times, 2)[1:], now) - now, np.repeat(values, 2)
            self.plot(times, values, line_style=style, hires_mode=HiResMode.BRAILLE,
                      label=f"{reading.text(lang).split(' (')[0]} {reading.unit}".rstrip())
        self.set_xlimits(-self.window_s, 0)
        self.set_xlabel("s")
        self.show_legend()
