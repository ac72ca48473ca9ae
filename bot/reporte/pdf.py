"""The 15-day report (procedure I-4) as a PDF: what it says, section by section, and in which columns.

The drawing itself (pages, tables that span pages, prose, images) is `layout`'s; this module
decides the content: the formal heading, the summary's figures, anomalies grouped by site then
category, the faults, availability, items carried over, the chief's observations and the
charts. Every section says so plainly when it has nothing to show, so an empty fortnight still
gives a complete, signed-off document.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from itertools import groupby

from bot.bitacora.rows import DATE_TIME, UNIT, format_elapsed
from bot.reporte.layout import Free, Layout, fit
from bot.reporte.model import (
    NO_ANOMALIES,
    NO_AVAILABILITY,
    NO_FAULTS,
    NO_PENDING,
    TITLE,
    WHOLE_SITE,
    AnomalyRow,
    FaultRow,
    ReportData,
)

# A number and a "dd/mm/aaaa HH:MM" fit on one line at 7 pt; header words are never cut.
ANOMALY_COLUMNS = fit(
    ("N°", 20),
    ("Fecha y hora", 24.5),
    ("Cámaras", 24),
    ("Categoría", 21),
    ("Descripción", Free(55)),
    ("Notificados", 34),
    ("Tiempo de respuesta", 16),
    ("Tiempo a justificar", 17),
    ("Justificación", Free(45)),
    ("Estado", 18),
)
FAULT_COLUMNS = fit(
    ("N°", 20),
    ("Apertura", 24.5),
    ("Sitio", 45),
    ("Cámara", 40),
    ("Descripción", Free(1)),
    ("Tiempo transcurrido", 22),
    ("Causa", 30),
    ("Estado", 18),
)
PENDING_COLUMNS = fit(
    ("N°", 20), ("Tipo", 16), ("Desde", 24.5), ("Sitio", 45), ("Descripción", Free(1)), ("Estado", 22)
)
AVAILABILITY_COLUMNS = (("Sitio", 120.0), ("Disponibilidad", 30.0))


def render_pdf(data: ReportData, charts: dict[str, bytes]) -> bytes:
    """The report; `charts` (PNG bytes, e.g. from `charts.render_charts`) are shown in their order, two a row."""
    page = Layout(data.title, _heading(data))
    page.section("1. Resumen")
    for line in _summary(data):
        page.paragraph(line)
    page.section("2. Anomalías notificadas")
    if not data.anomalies:
        page.paragraph(NO_ANOMALIES)
    for site, rows in _by_site(data.anomalies):
        page.table(f"{site} · {_count(len(rows), 'anomalía', 'anomalías')}", ANOMALY_COLUMNS, _anomaly_rows(rows))
    page.section("3. Fallas del período")
    page.table(None, FAULT_COLUMNS, map(_fault_cells, data.faults), empty=NO_FAULTS)
    page.section("4. Disponibilidad de cámaras por sitio")
    availability = ((row.site, _percent(row.percent)) for row in data.availability)
    page.table(None, AVAILABILITY_COLUMNS, availability, empty=NO_AVAILABILITY)
    page.section("5. Pendientes de períodos anteriores")
    page.table(None, PENDING_COLUMNS, map(_pending_cells, data.carried_over), empty=NO_PENDING)
    page.section("6. Observaciones de la Jefatura")
    for number, text in enumerate(data.observations, start=1):
        page.paragraph(f"{number}. {text}")
    if not data.observations:
        page.paragraph("Sin observaciones.")
    page.section("7. Gráficos")
    page.images(charts.values())
    if not charts:
        page.paragraph("Sin datos para gráficos en el período.")
    return page.finish()


def _heading(data: ReportData) -> list[tuple[str, bool, float]]:
    """The institution, the title, the period and the report's identity: (text, bold, points) lines."""
    institution = [(part, True, 10.0 if n == 0 else 9.0) for n, part in enumerate(UNIT.split(" · "))]
    identity = f"Informe N° {data.number} · Versión {data.version} · generado el {data.generated_at:{DATE_TIME}}"
    return [
        *institution,
        (TITLE, True, 14.0),
        (f"Período: del {data.period.label}", True, 11.0),
        (f"{identity} (hora local)", False, 8.0),
    ]


def _summary(data: ReportData) -> list[str]:
    anomalies, faults = data.anomalies, data.faults
    lines = [f"Anomalías notificadas: {len(anomalies)}{_states(a.state for a in anomalies)}."]
    if anomalies:
        top_site = Counter(a.site for a in anomalies).most_common(1)[0]
        top_category = Counter(a.category for a in anomalies).most_common(1)[0]
        lines.append(
            f"Sitio con más anomalías: {top_site[0]} ({top_site[1]}); categoría más frecuente: "
            f"{top_category[0]} ({top_category[1]})."
        )
        lines.append(
            _times(
                "Tiempo de respuesta de los administradores (hasta «Recibido»)",
                [a.response_minutes for a in anomalies],
                1,
                "sin acuse",
            )
        )
        lines.append(
            _times("Tiempo hasta la justificación", [a.justification_hours for a in anomalies], 60, "sin justificar")
        )
    hours = sum(f.elapsed_hours for f in faults)
    lines.append(
        f"Fallas en el período: {len(faults)}{_states(f.state for f in faults)}; tiempo total transcurrido: "
        f"{format_elapsed(timedelta(hours=hours))}."
    )
    average = data.average_availability
    if average is not None:
        worst = min(data.availability, key=lambda row: row.percent)
        lowest = f"la más baja: {worst.site}, {_percent(worst.percent)}"
        lines.append(f"Disponibilidad promedio de cámaras: {_percent(average)} ({lowest}).")
    else:
        lines.append("Disponibilidad de cámaras: sin datos del monitor de salud.")
    lines.append(f"Pendientes de períodos anteriores: {len(data.carried_over)}.")
    return lines


def _states(states: Iterable[str]) -> str:
    """ " (abierta: 3 · cerrada: 1)", the most frequent first; "" when there are none."""
    counts = Counter(states).most_common()
    return f" ({' · '.join(f'{state}: {count}' for state, count in counts)})" if counts else ""


def _times(label: str, values: Sequence[float | None], minutes_per_unit: float, missing: str) -> str:
    known = [value * minutes_per_unit for value in values if value is not None]
    absent = f"{len(values) - len(known)} {missing}"
    if not known:
        return f"{label}: {absent}."
    median, longest = (_minutes(statistics.median(known)), _minutes(max(known)))
    return f"{label}: mediana {median}, máximo {longest}; {absent}."


def _minutes(minutes: float) -> str:
    return format_elapsed(timedelta(minutes=minutes))


def _percent(value: float) -> str:
    return f"{value:.1f} %".replace(".", ",")


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _by_site(anomalies: Sequence[AnomalyRow]) -> Iterator[tuple[str, list[AnomalyRow]]]:
    """Anomalies by site (alphabetical), each site's by category, then by time."""
    ordered = sorted(anomalies, key=lambda a: (a.site.casefold(), a.category.casefold(), a.reported_at, a.number))
    for _, rows in groupby(ordered, key=lambda a: a.site.casefold()):
        group = list(rows)
        yield group[0].site, group


def _anomaly_rows(rows: list[AnomalyRow]) -> Iterator[str | Sequence[str]]:
    """A band naming each category, then its anomalies' cells."""
    for _, group in groupby(rows, key=lambda a: a.category.casefold()):
        members = list(group)
        yield f"{members[0].category} · {_count(len(members), 'anomalía', 'anomalías')}"
        for a in members:
            yield (
                a.number,
                f"{a.reported_at:{DATE_TIME}}",
                ", ".join(a.cameras),
                a.category,
                a.description,
                "\n".join(a.notified),
                "sin acuse" if a.response_minutes is None else _minutes(a.response_minutes),
                "pendiente" if a.justification_hours is None else _minutes(a.justification_hours * 60),
                a.justification or "",
                a.state,
            )


def _fault_cells(fault: FaultRow) -> Sequence[str]:
    return (
        fault.number,
        f"{fault.opened_at:{DATE_TIME}}",
        fault.site,
        fault.camera or WHOLE_SITE,
        fault.description,
        _minutes(fault.elapsed_hours * 60),
        fault.cause or "sin determinar",
        fault.state,
    )


def _pending_cells(item: AnomalyRow | FaultRow) -> Sequence[str]:
    if isinstance(item, AnomalyRow):
        return item.number, "Anomalía", f"{item.reported_at:{DATE_TIME}}", item.site, item.description, item.state
    return item.number, "Falla", f"{item.opened_at:{DATE_TIME}}", item.site, item.description, item.state
