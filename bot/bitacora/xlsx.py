"""The bitácora as a spreadsheet (openpyxl), ready to print and to filter.

Written in openpyxl's write-only mode: rows are streamed to the file instead of being kept as
cell objects, which roughly halves the time and the memory for a month with thousands of
faults. Styles are a handful of workbook `NamedStyle`s that every cell points to; no style object
is created per cell. Start and restoration are real date cells (local time, shown dd/mm/aaaa
HH:MM) so the unit can sort and filter by them; the other columns are text.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from bot.bitacora.rows import (
    ANNEX,
    COLUMNS,
    ELAPSED_COLUMN,
    NO_FAULTS,
    RESTORED_COLUMN,
    START_COLUMN,
    TITLE,
    UNIT,
    BitacoraRow,
    availability_line,
    count_text,
    cutoff,
    format_elapsed,
    generated_line,
    local,
    month_label,
    texts,
)

# Column widths in characters, as Excel measures them; the long free-text columns get the room.
WIDTHS = (13, 16, 22, 20, 45, 30, 14, 45, 16, 13, 18)
HEADER_ROW = 6  # under the four heading lines and a blank one
XLSX_CELL_LIMIT = 32_767  # Excel refuses (and "repairs") a workbook with a longer cell
TRUNCATED = "… [texto truncado]"
DATE_FORMAT = "dd/mm/yyyy hh:mm"
# Row heights are written, not left to the reader: Excel and LibreOffice do not grow a row for
# wrapped text in a file they did not lay out themselves, and print it clipped. The estimate is
# generous (9 pt Calibri fits about 1.6 characters per unit of column width; 1.45 leaves room for
# word wrapping), capped at Excel's maximum row height.
CHARS_PER_WIDTH = 1.45
LINE_PT = 12.0
MAX_ROW_PT = 409.0


def build_xlsx(
    rows: Sequence[BitacoraRow],
    month: date,
    tz: ZoneInfo,
    generated_at: datetime,
    availability: Mapping[str, float | None] | None = None,
) -> bytes:
    """The month's bitácora as an .xlsx file.

    `rows` are shown in the order given (the fault workflow sorts them by start). Open faults
    show "en curso" and count until the month's end, or until `generated_at` if that is earlier.
    """
    until = cutoff(month, tz, generated_at)
    last_column = get_column_letter(len(COLUMNS))
    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{TITLE} · {month_label(month)}"
    workbook.properties.creator = "Vigía"
    created = generated_at.astimezone(UTC).replace(tzinfo=None)  # the file format stores UTC
    workbook.properties.created = workbook.properties.modified = created
    styles = _add_styles(workbook)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(month_label(month))
    _page_setup(sheet)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    heading = (
        (UNIT, styles.unit),
        (TITLE, styles.title),
        (month_label(month), styles.month),
        (f"{ANNEX} · {generated_line(generated_at, tz)}", styles.unit),
    )
    for number, (text, style) in enumerate(heading, start=1):
        if style == styles.title:
            sheet.row_dimensions[number].height = 20
        sheet.append([cell(sheet, text, style)])
        sheet.merged_cells.add(f"A{number}:{last_column}{number}")
    sheet.append([])
    sheet.row_dimensions[HEADER_ROW].height = row_height(COLUMNS)
    sheet.append([cell(sheet, title, styles.header) for title in COLUMNS])

    total = timedelta(0)
    for number, row in enumerate(rows, start=HEADER_ROW + 1):
        cells, duration = texts(row, tz, until)
        total += duration
        sheet.row_dimensions[number].height = row_height(cells)
        values: list[object] = list(cells)
        values[START_COLUMN] = local(row.started_at, tz)
        if row.restored_at is not None:
            values[RESTORED_COLUMN] = local(row.restored_at, tz)
        sheet.append([cell(sheet, value, style) for value, style in zip(values, _row_styles(row, styles), strict=True)])
    last_data_row = HEADER_ROW + len(rows)

    totals_row = last_data_row + 1
    if not rows:
        sheet.append([cell(sheet, NO_FAULTS if n == 0 else "", styles.text) for n in range(len(COLUMNS))])
        sheet.merged_cells.add(f"A{totals_row}:{last_column}{totals_row}")
        totals_row += 1
    totals = [cell(sheet, f"Total: {count_text(rows)}", styles.total)]
    totals += [cell(sheet, "", styles.total) for _ in range(1, ELAPSED_COLUMN)]
    totals += [cell(sheet, format_elapsed(total), styles.total), cell(sheet, "", styles.total)]
    sheet.append(totals)
    sheet.merged_cells.add(f"A{totals_row}:{get_column_letter(ELAPSED_COLUMN)}{totals_row}")
    cameras = availability_line(availability or {})
    if cameras:
        totals_row += 1
        sheet.append([cell(sheet, cameras if n == 0 else "", styles.text) for n in range(len(COLUMNS))])
        sheet.merged_cells.add(f"A{totals_row}:{last_column}{totals_row}")

    if rows:
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{last_column}{last_data_row}"
    sheet.print_area = f"A1:{last_column}{totals_row}"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


class _Styles:
    """The workbook's named styles; cells refer to them by name, so no per-cell style objects."""

    unit = "bitacora_unidad"
    title = "bitacora_titulo"
    month = "bitacora_mes"
    header = "bitacora_encabezado"
    text = "bitacora_texto"
    moment = "bitacora_fecha"
    open = "bitacora_en_curso"
    total = "bitacora_total"


def _add_styles(workbook: Workbook) -> type[_Styles]:
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    centred = Alignment(wrap_text=True, vertical="top", horizontal="center")
    grey = PatternFill("solid", fgColor="D9D9D9")
    body = Font(name="Calibri", size=9)
    for style in (
        NamedStyle(_Styles.unit, font=Font(name="Calibri", size=9, color="404040")),
        NamedStyle(_Styles.title, font=Font(name="Calibri", size=14, bold=True)),
        NamedStyle(_Styles.month, font=Font(name="Calibri", size=12, bold=True)),
        NamedStyle(
            _Styles.header,
            font=Font(name="Calibri", size=9, bold=True),
            fill=grey,
            border=box,
            alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"),
        ),
        NamedStyle(_Styles.text, font=body, border=box, alignment=wrap_top),
        NamedStyle(_Styles.moment, font=body, border=box, alignment=centred, number_format=DATE_FORMAT),
        NamedStyle(_Styles.open, font=Font(name="Calibri", size=9, italic=True), border=box, alignment=centred),
        NamedStyle(_Styles.total, font=Font(name="Calibri", size=9, bold=True), fill=grey, border=box),
    ):
        workbook.add_named_style(style)
    return _Styles


def _page_setup(sheet: WriteOnlyWorksheet) -> None:
    """Landscape letter paper, one page wide, the header row on every page, frozen on screen."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_LETTER
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as needed
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.oddFooter.left.text = TITLE
    sheet.oddFooter.right.text = "Página &P de &N"


def row_height(cells: Sequence[str]) -> float:
    """Points for a row whose wrapped cells all show in full (up to Excel's limit)."""
    lines = 1
    for text, width in zip(cells, WIDTHS, strict=True):
        per_line = width * CHARS_PER_WIDTH
        if len(text) > per_line or "\n" in text:
            lines = max(lines, sum(max(math.ceil(len(part) / per_line), 1) for part in text.split("\n")))
    return min(lines * LINE_PT + 3, MAX_ROW_PT)


def _row_styles(row: BitacoraRow, styles: type[_Styles]) -> tuple[str, ...]:
    """Dates as dates, "en curso" set apart, everything else wrapped text."""
    chosen = [styles.text] * len(COLUMNS)
    chosen[START_COLUMN] = styles.moment
    chosen[RESTORED_COLUMN] = styles.open if row.restored_at is None else styles.moment
    return tuple(chosen)


def cell(sheet: WriteOnlyWorksheet, value: object, style: str) -> WriteOnlyCell:
    """A styled cell whose text stays text: a description starting with "=" is not a formula."""
    if isinstance(value, str) and len(value) > XLSX_CELL_LIMIT:
        value = value[: XLSX_CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
    cell = WriteOnlyCell(sheet, value)
    if cell.data_type == "f":
        cell.data_type = "s"
    cell.style = style
    return cell
