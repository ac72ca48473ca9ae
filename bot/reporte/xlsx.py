"""The report's annex as a spreadsheet (openpyxl): one sheet per kind of row, for sorting and filtering.

The PDF is for reading; the annex is for working with the same rows: one line per row (no
wrapping), the header frozen and filterable, moments as real Excel dates, times and
availability as numbers. Written in write-only mode with a few named styles, as the bitácora
does, so thousands of rows stay cheap; cells go through the bitácora's `cell`, which keeps a
description starting with "=" from becoming a formula and cuts text at Excel's cell limit.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from bot.bitacora.rows import clean
from bot.bitacora.xlsx import DATE_FORMAT, cell
from bot.reporte.model import (
    NO_ANOMALIES,
    NO_AVAILABILITY,
    NO_FAULTS,
    NO_PENDING,
    WHOLE_SITE,
    AnomalyRow,
    FaultRow,
    ReportData,
)

TEXT, DATE, NUMBER, DECIMAL, PERCENT, HEADER = (
    "reporte_texto",
    "reporte_fecha",
    "reporte_numero",
    "reporte_decimal",
    "reporte_porcentaje",
    "reporte_encabezado",
)
# (title, width in characters, style) per column
ANOMALY_COLUMNS = (
    ("N°", 13, TEXT),
    ("Fecha y hora", 16, DATE),
    ("Sitio", 30, TEXT),
    ("Cámaras", 24, TEXT),
    ("Categoría", 22, TEXT),
    ("Descripción", 60, TEXT),
    ("Notificados", 40, TEXT),
    ("Respuesta (min)", 11, NUMBER),
    ("Justificación (h)", 11, DECIMAL),
    ("Justificación", 50, TEXT),
    ("Estado", 13, TEXT),
)
FAULT_COLUMNS = (
    ("N°", 13, TEXT),
    ("Apertura", 16, DATE),
    ("Sitio", 30, TEXT),
    ("Cámara", 24, TEXT),
    ("Descripción", 60, TEXT),
    ("Tiempo transcurrido (h)", 13, DECIMAL),
    ("Causa", 18, TEXT),
    ("Estado", 13, TEXT),
)
AVAILABILITY_COLUMNS = (("Sitio", 40, TEXT), ("Disponibilidad", 14, PERCENT))
PENDING_COLUMNS = (
    ("N°", 13, TEXT),
    ("Tipo", 10, TEXT),
    ("Desde", 16, DATE),
    ("Sitio", 30, TEXT),
    ("Descripción", 60, TEXT),
    ("Estado", 13, TEXT),
)
Columns = Sequence[tuple[str, int, str]]


def render_xlsx(data: ReportData) -> bytes:
    """The annex: sheets Anomalías (by time), Fallas, Disponibilidad and Pendientes, in the PDF's terms."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = data.title
    workbook.properties.creator = "Vigía"
    _add_styles(workbook)
    anomalies = sorted(data.anomalies, key=lambda a: (a.reported_at, a.number))
    _sheet(workbook, "Anomalías", ANOMALY_COLUMNS, [_anomaly_values(a) for a in anomalies], NO_ANOMALIES)
    _sheet(workbook, "Fallas", FAULT_COLUMNS, [_fault_values(f) for f in data.faults], NO_FAULTS)
    availability = [(row.site, row.percent / 100) for row in data.availability]
    _sheet(workbook, "Disponibilidad", AVAILABILITY_COLUMNS, availability, NO_AVAILABILITY)
    _sheet(workbook, "Pendientes", PENDING_COLUMNS, [_pending_values(i) for i in data.carried_over], NO_PENDING)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _anomaly_values(a: AnomalyRow) -> Sequence[object]:
    return (
        a.number,
        a.reported_at,
        a.site,
        ", ".join(a.cameras),
        a.category,
        a.description,
        "; ".join(a.notified),
        a.response_minutes,
        a.justification_hours,
        a.justification,
        a.state,
    )


def _fault_values(f: FaultRow) -> Sequence[object]:
    return (f.number, f.opened_at, f.site, f.camera or WHOLE_SITE, f.description, f.elapsed_hours, f.cause, f.state)


def _pending_values(item: AnomalyRow | FaultRow) -> Sequence[object]:
    if isinstance(item, AnomalyRow):
        return item.number, "Anomalía", item.reported_at, item.site, item.description, item.state
    return item.number, "Falla", item.opened_at, item.site, item.description, item.state


def _sheet(workbook: Workbook, name: str, columns: Columns, rows: list[Sequence[object]], empty: str) -> None:
    """A sheet with a frozen, filterable header row; `empty` in its second row when there are no rows."""
    sheet: WriteOnlyWorksheet = workbook.create_sheet(name)
    last = get_column_letter(len(columns))
    for index, (_, width, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_LETTER
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.oddFooter.right.text = "Página &P de &N"
    sheet.append([cell(sheet, title, HEADER) for title, _, _ in columns])
    for values in rows:
        sheet.append([cell(sheet, _value(value), style) for value, (_, _, style) in zip(values, columns, strict=True)])
    if rows:
        sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    else:
        sheet.append([cell(sheet, empty, TEXT)])


def _value(value: object) -> object:
    """Text cleaned of what XML cannot carry, moments to the minute; numbers and None as they are."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, datetime):
        return value.replace(second=0, microsecond=0)
    return value


def _add_styles(workbook: Workbook) -> None:
    body = Font(name="Calibri", size=10)
    top = Alignment(vertical="top")
    for style in (
        NamedStyle(
            HEADER,
            font=Font(name="Calibri", size=10, bold=True),
            fill=PatternFill("solid", fgColor="D9D9D9"),
            border=Border(bottom=Side(style="thin", color="808080")),
            alignment=Alignment(vertical="center", wrap_text=True),
        ),
        NamedStyle(TEXT, font=body, alignment=top),
        NamedStyle(DATE, font=body, alignment=top, number_format=DATE_FORMAT),
        NamedStyle(NUMBER, font=body, alignment=top, number_format="0"),
        NamedStyle(DECIMAL, font=body, alignment=top, number_format="0.0"),
        NamedStyle(PERCENT, font=body, alignment=top, number_format="0.0%"),
    ):
        workbook.add_named_style(style)
