"""The report's charts as PNG bytes (matplotlib), each from plain rows; None when there is nothing to draw.

Figures are built with `matplotlib.figure.Figure` on an Agg canvas, never through pyplot: no
global figure registry, so charts can be drawn in a worker thread while the bot runs, and
nothing leaks between reports. Each function blocks for a fraction of a second: callers run
them off the event loop. Sizes and DPI suit a half-page-wide image in the landscape PDF.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.bitacora.rows import clean
from bot.reporte.model import AnomalyRow, Availability, ReportData

SIZE = (6.4, 3.6)  # inches: 16:9, as wide as half the PDF's table
DPI = 110
BAR = "#2f5d8a"
WEEKDAYS = ("Lun", "Mar", "Mié", "Jue", "Vie", "Sáb", "Dom")
LABEL_CHARS = 34  # longer site or category names are cut with "…" so the bars keep their room


def render_charts(data: ReportData) -> dict[str, bytes]:
    """Every chart that has data, by short name, in the order the PDF shows them."""
    charts = {
        "sitios": by_site(data.anomalies),
        "categorias": by_category(data.anomalies),
        "horario": heat_map(data.anomalies),
        "respuesta": response_times(data.anomalies),
        "disponibilidad": availability(data.availability),
    }
    return {name: png for name, png in charts.items() if png is not None}


def by_site(anomalies: Sequence[AnomalyRow]) -> bytes | None:
    return _bars(Counter(a.site for a in anomalies), "Anomalías por sitio")


def by_category(anomalies: Sequence[AnomalyRow]) -> bytes | None:
    return _bars(Counter(a.category for a in anomalies), "Anomalías por categoría")


def heat_map(anomalies: Sequence[AnomalyRow]) -> bytes | None:
    """How many anomalies were reported on each weekday (rows) at each hour (columns)."""
    if not anomalies:
        return None
    grid = [[0] * 24 for _ in WEEKDAYS]
    for anomaly in anomalies:
        grid[anomaly.reported_at.weekday()][anomaly.reported_at.hour] += 1
    figure, axes = _figure("Anomalías por día de la semana y hora")
    image = axes.imshow(grid, aspect="auto", cmap="YlOrRd", interpolation="nearest")
    axes.set_yticks(range(len(WEEKDAYS)), WEEKDAYS)
    axes.set_xticks(range(0, 24, 2), [f"{hour:02d}" for hour in range(0, 24, 2)])
    axes.set_xlabel("Hora local", fontsize=8)
    scale = figure.colorbar(image, ax=axes, label="Anomalías")
    scale.ax.tick_params(labelsize=7)
    scale.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _png(figure)


def response_times(anomalies: Sequence[AnomalyRow]) -> bytes | None:
    """The distribution of the administrators' minutes from the report to their "Recibido"."""
    minutes = [a.response_minutes for a in anomalies if a.response_minutes is not None]
    if not minutes:
        return None
    unanswered = len(anomalies) - len(minutes)
    figure, axes = _figure("Tiempo de respuesta de los administradores")
    axes.hist(minutes, bins=min(20, max(len(set(minutes)), 1)), color=BAR)
    median = statistics.median(minutes)
    axes.axvline(median, color="#c0392b", linestyle="--", label=f"Mediana: {median:.0f} min".replace(".", ","))
    axes.legend(fontsize=7)
    axes.set_xlabel(f"Minutos hasta «Recibido» ({len(minutes)} con acuse, {unanswered} sin acuse)", fontsize=8)
    axes.set_ylabel("Anomalías", fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _png(figure)


def availability(rows: Sequence[Availability]) -> bytes | None:
    """Each site's camera availability in percent, worst at the top."""
    if not rows:
        return None
    ordered = sorted(rows, key=lambda row: row.percent, reverse=True)
    figure, axes = _figure("Disponibilidad de cámaras por sitio")
    bars = axes.barh(range(len(ordered)), [row.percent for row in ordered], color=BAR)
    axes.set_yticks(range(len(ordered)), [_short(row.site) for row in ordered])
    axes.bar_label(bars, labels=[f"{row.percent:.1f} %".replace(".", ",") for row in ordered], fontsize=7, padding=2)
    axes.set_xlim(0, 110)
    axes.set_xlabel("% del tiempo con imagen", fontsize=8)
    return _png(figure)


def _bars(counts: Counter[str], title: str) -> bytes | None:
    """Horizontal bars, the largest at the top, each labelled with its count."""
    if not counts:
        return None
    ordered = sorted(counts.items(), key=lambda item: (item[1], item[0].casefold()))
    figure, axes = _figure(title)
    bars = axes.barh(range(len(ordered)), [count for _, count in ordered], color=BAR)
    axes.set_yticks(range(len(ordered)), [_short(name) for name, _ in ordered])  # positions: equal labels stay apart
    axes.bar_label(bars, fontsize=7, padding=2)
    axes.set_xlim(0, max(counts.values()) * 1.12)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("Anomalías", fontsize=8)
    return _png(figure)


def _figure(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=10, fontweight="bold")
    axes.tick_params(labelsize=7)
    return figure, axes


def _short(name: str) -> str:
    name = clean(name).replace("\n", " ")
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"


def _png(figure: Figure) -> bytes:
    output = io.BytesIO()
    figure.savefig(output, format="png")
    return output.getvalue()
