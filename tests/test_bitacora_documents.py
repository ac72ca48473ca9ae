"""The monthly bitácora documents: what a reader of the spreadsheet and of the PDF finds in them.

Documents are read back the way a person or an auditor's tool would (openpyxl for the XLSX,
pypdf's text extraction for the PDF) rather than compared byte for byte, so layout can change
without rewriting these tests while every fact in them stays checked.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader

from bot.bitacora import (
    COLUMNS,
    OPEN,
    TITLE,
    UNIT,
    BitacoraRow,
    elapsed,
    file_name,
    format_elapsed,
    month_end,
    month_label,
)
from bot.bitacora import pdf as bitacora_pdf
from bot.bitacora.pdf import build_pdf
from bot.bitacora.xlsx import HEADER_ROW, XLSX_CELL_LIMIT, build_xlsx

TZ = ZoneInfo("America/El_Salvador")  # UTC-6 all year, no daylight saving
DECEMBER = date(2026, 12, 1)
AFTER_DECEMBER = datetime(2027, 1, 2, 14, 0, tzinfo=UTC)  # generated on 2 January, 08:00 local
HOSTILE = 'Imagen <b>negra</b> & "parpadeo" — señal ≠ OK; <script>alert(1)</script> ñÑáéíóúü ¿¡ 📷 \\ ( ) %'


def at(day: int, hour: int, minute: int, month: int = 12, year: int = 2026) -> datetime:
    """An instant given in El Salvador local time, as the aware UTC datetime the database holds."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def fault(n: int, started_at: datetime, restored_at: datetime | None = None, **overrides: str) -> BitacoraRow:
    fields = {
        "site": "Aduana Frontera El Amatillo",
        "subject": "Cámara Andén 3",
        "description": f"Sin imagen desde las {started_at.astimezone(TZ):%H:%M}, pantalla negra.",
        "reported_to": "Proveedor de mantenimiento (soporte@proveedor.com.sv), 04/12 10:15",
        "vendor_ticket": f"TK-{40000 + n}",
        "treatment": "" if restored_at is None else "Se cambió la fuente de poder; quedó operativa.",
        "technician": "Juan Pérez",
    }
    fields.update(overrides)
    return BitacoraRow(number=f"F-2026-{n:04d}", started_at=started_at, restored_at=restored_at, **fields)


def sample_month() -> list[BitacoraRow]:
    return [
        fault(1, at(1, 0, 5), at(1, 3, 25)),  # 3 h 20 min
        fault(2, at(4, 23, 50), at(5, 0, 20)),  # across midnight: 30 min
        fault(3, at(10, 8, 0), at(12, 12, 5), subject="SIRAM", site="Aduana Marítima de Acajutla"),
        fault(4, at(20, 14, 0), subject="Sitio completo", reported_to="", vendor_ticket=""),  # open
        fault(5, at(31, 23, 30)),  # open at the very end of the year
    ]


def many(count: int) -> list[BitacoraRow]:
    rows = []
    for n in range(1, count + 1):
        start = at(1 + n % 28, n % 24, n % 60)
        rows.append(fault(n, start, None if n % 10 == 0 else start + timedelta(minutes=25 + n)))
    return rows


def read_xlsx(data: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    """Extracted PDF text with wrapped lines joined again, to find a phrase across a line break."""
    return re.sub(r"\s+", " ", text)


# --- elapsed time -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(0), "0 min"),
        (timedelta(seconds=29), "0 min"),
        (timedelta(seconds=30), "1 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=3, minutes=20), "3 h 20 min"),
        (timedelta(minutes=59, seconds=40), "1 h"),
        (timedelta(hours=23, minutes=59, seconds=59), "1 d"),
        (timedelta(days=1, minutes=5), "1 d 5 min"),
        (timedelta(days=2, hours=4, minutes=5), "2 d 4 h 5 min"),
        (timedelta(days=2, hours=4), "2 d 4 h"),
        (timedelta(days=45, hours=1, minutes=1), "45 d 1 h 1 min"),
        (timedelta(minutes=-5), "0 min"),
    ],
)
def test_format_elapsed_reads_as_people_write_it(delta: timedelta, expected: str) -> None:
    assert format_elapsed(delta) == expected


def test_month_end_is_local_midnight_of_the_next_month() -> None:
    assert month_end(date(2026, 12, 1), TZ) == datetime(2027, 1, 1, 6, 0, tzinfo=UTC)
    assert month_end(date(2026, 2, 1), TZ) == datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    assert month_end(date(2028, 2, 1), TZ) == datetime(2028, 3, 1, 6, 0, tzinfo=UTC)  # leap year


def test_open_fault_at_31_december_23_30_counts_only_to_midnight() -> None:
    start = at(31, 23, 30)
    assert start == datetime(2027, 1, 1, 5, 30, tzinfo=UTC)  # already January in UTC
    assert elapsed(start, None, month_end(DECEMBER, TZ)) == timedelta(minutes=30)


def test_fault_across_local_midnight_is_thirty_minutes() -> None:
    assert format_elapsed(elapsed(at(4, 23, 50), at(5, 0, 20), month_end(DECEMBER, TZ))) == "30 min"


def test_elapsed_is_never_negative() -> None:
    assert elapsed(at(5, 10, 0), at(5, 9, 0), month_end(DECEMBER, TZ)) == timedelta(0)  # typo in the log
    assert elapsed(at(31, 23, 30), None, at(31, 23, 0)) == timedelta(0)  # starts after the cut-off


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        elapsed(datetime(2026, 12, 4, 10, 0), None, month_end(DECEMBER, TZ))
    with pytest.raises(ValueError, match="aware"):
        build_xlsx(sample_month(), DECEMBER, TZ, datetime(2027, 1, 2, 8, 0))


def test_labels_and_file_names() -> None:
    assert month_label(DECEMBER) == "Diciembre 2026"
    assert month_label(date(2027, 1, 1)) == "Enero 2027"
    assert file_name(DECEMBER, "xlsx") == "bitacora-fallas-2026-12.xlsx"


# --- spreadsheet --------------------------------------------------------------------------------


def test_xlsx_reads_back_row_for_row() -> None:
    rows = sample_month()
    sheet = read_xlsx(build_xlsx(rows, DECEMBER, TZ, AFTER_DECEMBER))
    values = list(sheet.iter_rows(values_only=True))

    heading = [row[0] for row in values[: HEADER_ROW - 1]]
    assert UNIT in heading and TITLE in heading and "Diciembre 2026" in heading
    assert any("02/01/2027 08:00" in (line or "") for line in heading)
    assert values[HEADER_ROW - 1] == COLUMNS

    def local(moment: datetime | None) -> datetime | str:
        return OPEN if moment is None else moment.astimezone(TZ).replace(tzinfo=None)

    body = values[HEADER_ROW : HEADER_ROW + len(rows)]
    for row, got in zip(rows, body, strict=True):
        expected = (
            row.number,
            local(row.started_at),
            row.site,
            row.subject,
            row.description,
            row.reported_to,
            row.vendor_ticket,
            row.treatment,
            local(row.restored_at),
            format_elapsed(elapsed(row.started_at, row.restored_at, month_end(DECEMBER, TZ))),
            row.technician,
        )
        assert tuple("" if v is None else v for v in got) == expected

    by_number = {got[0]: got for got in body}
    assert by_number["F-2026-0001"][9] == "3 h 20 min"
    assert by_number["F-2026-0002"][1] == datetime(2026, 12, 4, 23, 50)  # local, not UTC
    assert by_number["F-2026-0002"][9] == "30 min"
    assert by_number["F-2026-0005"][8:10] == (OPEN, "30 min")
    assert sheet.cell(HEADER_ROW + 1, 2).number_format == "dd/mm/yyyy hh:mm"

    totals = values[HEADER_ROW + len(rows)]
    total = sum((elapsed(r.started_at, r.restored_at, month_end(DECEMBER, TZ)) for r in rows), timedelta(0))
    assert totals[0] == "Total: 5 fallas (2 en curso)"
    assert totals[9] == format_elapsed(total)
    assert len(values) == HEADER_ROW + len(rows) + 1


def test_xlsx_is_ready_to_print() -> None:
    sheet = read_xlsx(build_xlsx(sample_month(), DECEMBER, TZ, AFTER_DECEMBER))
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert "Página &P de &N" in sheet.oddFooter.right.text
    assert all(sheet.column_dimensions[letter].width >= 10 for letter in "ABCDEFGHIJK")
    header, first = sheet[HEADER_ROW], sheet[HEADER_ROW + 1]
    assert all(cell.font.bold and cell.fill.fgColor.rgb.endswith("D9D9D9") for cell in header)
    assert all(cell.alignment.wrap_text and cell.border.bottom.style == "thin" for cell in first)
    assert {cell.style for cell in first} <= {"bitacora_texto", "bitacora_fecha", "bitacora_en_curso"}


def test_xlsx_rows_are_tall_enough_for_their_wrapped_text() -> None:
    """Excel and LibreOffice print a row at its stored height, clipping wrapped text that does not fit."""
    rows = [
        fault(1, at(2, 9, 0), at(2, 10, 0), description="Corta."),
        fault(2, at(3, 9, 0), at(3, 10, 0), description="Señal intermitente en la cámara. " * 12),
        fault(3, at(4, 9, 0), description="Descripción larga " * 280),
    ]
    sheet = read_xlsx(build_xlsx(rows, DECEMBER, TZ, AFTER_DECEMBER))
    short, longer, huge = (sheet.row_dimensions[HEADER_ROW + n].height for n in (1, 2, 3))
    assert short < longer < huge == 409  # Excel's maximum row height
    assert longer >= 12 * 7  # ~400 characters in a 45-wide column: at least 7 lines of 9 pt text


def test_xlsx_open_faults_count_to_the_generation_moment_in_a_running_month() -> None:
    rows = [fault(1, at(10, 8, 0))]
    sheet = read_xlsx(build_xlsx(rows, DECEMBER, TZ, at(10, 11, 30)))
    assert sheet.cell(HEADER_ROW + 1, 9).value == OPEN
    assert sheet.cell(HEADER_ROW + 1, 10).value == "3 h 30 min"


def test_xlsx_keeps_any_text_as_text() -> None:
    rows = [
        fault(1, at(2, 9, 0), at(2, 10, 0), description=HOSTILE, treatment='=HYPERLINK("http://x")', site="@SUMA"),
        fault(2, at(3, 9, 0), description="Descripción larga " * 280),  # ~5,000 characters
        fault(3, at(4, 9, 0), description="", reported_to="", vendor_ticket="", treatment="", technician=""),
        fault(4, at(5, 9, 0), description="control\x00\x07\x1b chars\tand\r\nlines\ud800"),
        fault(5, at(6, 9, 0), description="x" * (XLSX_CELL_LIMIT + 500)),
    ]
    sheet = read_xlsx(build_xlsx(rows, DECEMBER, TZ, AFTER_DECEMBER))
    first = HEADER_ROW + 1
    assert sheet.cell(first, 5).value == HOSTILE
    assert sheet.cell(first, 8).value == '=HYPERLINK("http://x")'
    assert sheet.cell(first, 8).data_type == "s"  # shown as typed, never run as a formula
    assert sheet.cell(first, 3).value == "@SUMA"
    assert sheet.cell(first + 1, 5).value == rows[1].description
    assert [sheet.cell(first + 2, c).value for c in (5, 6, 7, 8, 11)] == [None] * 5
    assert sheet.cell(first + 3, 5).value == "control chars and\nlines"
    truncated = sheet.cell(first + 4, 5).value
    assert len(truncated) == XLSX_CELL_LIMIT and truncated.endswith("[texto truncado]")


def test_xlsx_of_a_month_without_faults() -> None:
    sheet = read_xlsx(build_xlsx([], date(2027, 2, 1), TZ, datetime(2027, 3, 1, 12, 0, tzinfo=UTC)))
    texts = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
    assert "Febrero 2027" in texts
    assert "Sin fallas registradas en el mes." in texts
    assert "Total: 0 fallas" in texts and "0 min" in texts


# --- PDF --------------------------------------------------------------------------------------


def test_pdf_has_heading_every_fault_and_page_numbers() -> None:
    rows = sample_month()
    pages = pdf_pages(build_pdf(rows, DECEMBER, TZ, AFTER_DECEMBER))
    text = "\n".join(pages)
    assert pages[0].startswith(UNIT)
    assert TITLE in pages[0] and "Diciembre 2026" in pages[0]
    assert f"Página 1 de {len(pages)}" in pages[0]
    for row in rows:
        assert row.number in text
    assert text.count(OPEN) == 2 + 1  # the two open faults, and the totals' "(2 en curso)"
    assert "04/12/2026 23:50" in text and "30 min" in text  # local start, across midnight
    assert "31/12/2026 23:30" in text
    assert "Total: 5 fallas (2 en curso)" in flat(text)


def test_pdf_header_titles_are_not_broken_inside_words() -> None:
    page = flat(pdf_pages(build_pdf(sample_month(), DECEMBER, TZ, AFTER_DECEMBER))[0])
    for title in COLUMNS:
        for word in title.split():
            assert re.search(rf"(^|\s){re.escape(word)}(\s|$)", page), word


def test_pdf_of_300_faults_repeats_the_header_on_every_page() -> None:
    rows = many(300)
    pages = pdf_pages(build_pdf(rows, DECEMBER, TZ, AFTER_DECEMBER))
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert f"Página {number} de {len(pages)}" in page
        assert TITLE in page and "Diciembre 2026" in page
        assert all(word in page for word in ("N°", "Inicio", "Descripción", "Restablecimiento", "Técnico"))
    text = "\n".join(pages)
    assert all(row.number in text for row in rows)
    assert text.count(OPEN) == 30 + 1  # and the totals' "(30 en curso)"


def test_pdf_prints_any_text() -> None:
    rows = [
        fault(1, at(2, 9, 0), at(2, 10, 0), description=HOSTILE, treatment="<b>&amp; & < >", site="Aduana\tÓscar"),
        fault(2, at(3, 9, 0), description="Descripción larga " * 280),  # ~5,000 characters
        fault(3, at(4, 9, 0), description="", reported_to="", vendor_ticket="", treatment="", technician=""),
        fault(4, at(5, 9, 0), description="control\x00\x07 chars\ud800 " + "sin-espacios-" * 400),
    ]
    pages = pdf_pages(build_pdf(rows, DECEMBER, TZ, AFTER_DECEMBER))
    text = flat("\n".join(pages))
    assert "Imagen <b>negra</b> & " in text and "ñÑáéíóúü ¿¡" in text and "<script>" in text
    assert "<b>&amp; & < >" in text
    assert "Aduana Óscar" in text
    assert "\ufffd" in text  # the emoji DejaVu has no glyph for, shown as a replacement mark
    assert text.count("larga") == 280  # every word of it, across the pages it spans
    assert all(row.number in text for row in rows)


def test_pdf_without_dejavu_falls_back_to_helvetica(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without matplotlib's or Debian's DejaVu still gets its PDF, in Latin-1."""
    monkeypatch.setattr(bitacora_pdf, "_dejavu", lambda: None)
    rows = [fault(1, at(2, 9, 0), at(2, 10, 0), description=HOSTILE + " “comillas” …")]
    text = flat("\n".join(pdf_pages(build_pdf(rows, DECEMBER, TZ, AFTER_DECEMBER))))
    assert "Imagen <b>negra</b> & " in text and "ñÑáéíóúü ¿¡" in text
    assert "?comillas?" in text and "F-2026-0001" in text and "Página 1 de 1" in text


def test_pdf_splits_a_row_taller_than_a_page() -> None:
    rows = [fault(1, at(2, 9, 0), description="Texto muy largo del técnico. " * 900)]
    pages = pdf_pages(build_pdf(rows, DECEMBER, TZ, AFTER_DECEMBER))
    assert len(pages) >= 3
    for page in pages[1:]:
        assert "F-2026-0001" in page and "(cont.)" in page
    assert "\n".join(pages).count("muy") == 900


def test_pdf_of_a_month_without_faults() -> None:
    pages = pdf_pages(build_pdf([], date(2027, 2, 1), TZ, datetime(2027, 3, 1, 12, 0, tzinfo=UTC)))
    assert len(pages) == 1
    assert "Febrero 2027" in pages[0] and "Sin fallas registradas en el mes." in pages[0]
    assert "Total: 0 fallas" in pages[0] and "Página 1 de 1" in pages[0]
