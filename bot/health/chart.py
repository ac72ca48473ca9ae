"""The /estado picture: cameras up, degraded and down per site now, and the last hours as a
timeline. Blocking (matplotlib): run it on the capture service's threads. No pyplot, so no
global state is shared between threads."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from bot.health.status import SiteStatus

COLOURS = {"up": "#2e7d32", "degraded": "#f9a825", "down": "#c62828"}


def render_status(sites: list[SiteStatus], hour_starts: list[datetime], labels: dict[str, str]) -> bytes:
    """`hour_starts` are local times of the timeline's columns; `labels` the words in the user's language."""
    rows = max(1, len(sites))
    figure = Figure(figsize=(10, 2.2 + 0.9 * rows), dpi=100, layout="constrained")
    bars, timeline = figure.subplots(2, 1, height_ratios=[1, 1])
    names = [s.name for s in sites]
    left = np.zeros(len(sites))
    for kind in ("up", "degraded", "down"):
        counts = np.array([getattr(s, kind) for s in sites], dtype=float)
        bars.barh(names, counts, left=left, color=COLOURS[kind], label=labels[kind])
        left += counts
    bars.invert_yaxis()
    bars.set_xlabel(labels["cameras"])
    bars.legend(loc="lower right", fontsize="small")
    bars.set_title(labels["now"])
    grid = np.array([[np.nan if v is None else v for v in s.hourly] for s in sites] or [[np.nan]])
    palette = ListedColormap(["#c62828", "#ef6c00", "#f9a825", "#9ccc65", "#2e7d32"]).with_extremes(bad="#bdbdbd")
    image = timeline.imshow(grid, aspect="auto", cmap=palette, vmin=0, vmax=100, interpolation="nearest")
    timeline.set_yticks(range(len(names)), names)
    step = max(1, len(hour_starts) // 8)
    timeline.set_xticks(range(0, len(hour_starts), step), [f"{h:%H}h" for h in hour_starts[::step]])
    timeline.set_title(labels["timeline"])
    figure.colorbar(image, ax=timeline, label=labels["availability"], fraction=0.03)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
