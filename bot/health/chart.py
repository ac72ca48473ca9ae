"""The /estado picture: cameras up, degraded and down per line now (a site, or a camera), the last
24 hours as a timeline, and the last 7 days day by day with their figures written in. Blocking
(matplotlib): run it on the capture service's threads. No pyplot, so no global state is shared
between threads.

Each line takes the same height whatever their number, so the names and figures stay legible; a
chart of more lines than one picture holds comes as several pictures, numbered in their titles.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.ticker import MaxNLocator

from bot.health.status import StatusRow

COLOURS = {"up": "#2e7d32", "degraded": "#f9a825", "down": "#c62828"}
PALETTE = ListedColormap(["#c62828", "#ef6c00", "#f9a825", "#9ccc65", "#2e7d32"]).with_extremes(bad="#bdbdbd")
DPI, WIDTH_IN, FRAME_IN, LINE_IN = 100, 10, 3.2, 1.3  # a line is drawn in each of the three panels
# Telegram keeps a photo at most 2560 px on its longer side (and refuses width + height > 10000): a
# taller chart would come out shrunk, its names and figures unreadable on a phone.
KEPT_SIDE_PX = 2560
LINES_PER_PICTURE = math.floor((KEPT_SIDE_PX / DPI - FRAME_IN) / LINE_IN)


def pages(rows: list[StatusRow]) -> list[list[StatusRow]]:
    """The lines in as few pictures as fit, evenly filled (18 lines: two of 9, not 17 and a lonely 1)."""
    count = max(1, math.ceil(len(rows) / LINES_PER_PICTURE))
    return [rows[n * len(rows) // count : (n + 1) * len(rows) // count] for n in range(count)]


def render_status(
    rows: list[StatusRow], hour_starts: list[datetime], days: list[date], labels: dict[str, str]
) -> list[bytes]:
    """PNGs, one per page of lines. `hour_starts` are local times of the timeline's columns, `days`
    the daily grid's; `labels` the words in the user's language."""
    parts = pages(rows)
    numbered = len(parts) > 1
    return [
        _render(part, hour_starts, days, labels, f" ({n}/{len(parts)})" if numbered else "")
        for n, part in enumerate(parts, 1)
    ]


def _render(
    rows: list[StatusRow], hour_starts: list[datetime], days: list[date], labels: dict[str, str], page: str
) -> bytes:
    figure = Figure(figsize=(WIDTH_IN, FRAME_IN + LINE_IN * max(1, len(rows))), dpi=DPI, layout="constrained")
    bars, timeline, daily = figure.subplots(3, 1, height_ratios=[1, 1, 1])
    names = [row.name for row in rows]
    left = np.zeros(len(rows))
    for kind in ("up", "degraded", "down"):
        counts = np.array([getattr(row, kind) for row in rows], dtype=float)
        bars.barh(names, counts, left=left, color=COLOURS[kind], label=labels[kind])
        left += counts
    bars.invert_yaxis()
    bars.xaxis.set_major_locator(MaxNLocator(integer=True))  # cameras are counted whole
    bars.set_xlabel(labels["cameras"])
    bars.legend(loc="lower right", fontsize="small")
    bars.set_title(labels["now"] + page)
    image = _grid(timeline, names, [row.hourly for row in rows], [f"{h:%H}h" for h in hour_starts], 8)
    timeline.set_title(labels["timeline"])
    _grid(daily, names, [row.daily for row in rows], [f"{d:%d/%m}" for d in days], len(days), written=True)
    daily.set_title(labels["daily"])
    figure.colorbar(image, ax=[timeline, daily], label=labels["availability"], fraction=0.03)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _grid(
    axes: Axes,
    names: list[str],
    values: Sequence[Sequence[float | None]],
    columns: list[str],
    ticks: int,
    written: bool = False,
) -> AxesImage:
    """A heat map of availability, grey where there are no probes; `written`: each cell's figure in it."""
    grid = np.array([[np.nan if v is None else v for v in row] for row in values] or [[np.nan]])
    image = axes.imshow(grid, aspect="auto", cmap=PALETTE, vmin=0, vmax=100, interpolation="nearest")
    axes.set_yticks(range(len(names)), names)
    step = max(1, len(columns) // ticks)
    axes.set_xticks(range(0, len(columns), step), columns[::step])
    if written:
        for (y, x), value in np.ndenumerate(grid):
            if not np.isnan(value):
                axes.text(x, y, f"{value:.0f}", ha="center", va="center", fontsize="small", color="black")
    return image
