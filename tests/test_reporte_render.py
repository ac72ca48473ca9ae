"""The 15-day report's documents: what a reader of the PDF, the spreadsheet annex and the charts finds.

Documents are read back as a person or an auditor's tool would (pypdf's text extraction and
image list, openpyxl) rather than compared byte for byte, so the layout can change while every
fact in them stays checked. Everything is built from plain `ReportData`: no database.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader

from bot.reporte import charts
from bot.reporte.model import (
    NO_ANOMALIES,
    NO_AVAILABILITY,
    AnomalyRow,
    Availability,
    FaultRow,
    Period,
    ReportData,
)
from bot.reporte.pdf import render_pdf
from bot.reporte.xlsx import render_xlsx

TZ = ZoneInfo("America/El_Salvador")
PERIOD = Period(2026, 12, 1)
AMATILLO, HACHADURA = "Aduana Frontera El Amatillo", "Aduana Frontera La Hachadura"
HOSTILE = 'Imagen <b>negra</b> & "parpadeo" — señal ≠ OK; <script>alert(1)</script> ñÑáéíóúü ¿¡ 📷 =SUM(A1)'
PNG = b"\x89PNG\r\n\x1a\n"


def anomaly(n: int, day: int, hour: int, site: str = AMATILLO, **overrides: object) -> AnomalyRow:
    fields: dict[str, object] = {
        "number": f"A-2026-{n:04d}",
        "reported_at": datetime(2026, 12, day, hour, 15),
        "site": site,
        "cameras": ("Andén 1", "Báscula 2"),
        "category": "Persona sospechosa",
        "description": f"Persona merodeando el andén, reporte {n}.",
        "notified": ("Luis Alvarado (llamada, Telegram, correo)",),
        "response_minutes": 12.0,
        "justification_hours": 3.5,
        "justification": f"Era personal de la aduana, caso {n}.",
        "state": "justificada",
    }
    fields.update(overrides)
    return AnomalyRow(**fields)  # type: ignore[arg-type]


def fault(n: int, day: int, **overrides: object) -> FaultRow:
    fields: dict[str, object] = {
        "number": f"F-2026-{n:04d}",
        "opened_at": datetime(2026, 12, day, 9, 30),
        "site": HACHADURA,
        "camera": "La Hachadura 1",
        "description": "Sin imagen, pantalla negra.",
        "elapsed_hours": 3.25,
        "cause": "energía",
        "state": "resuelta",
    }
    fields.update(overrides)
    return FaultRow(**fields)  # type: ignore[arg-type]


def sample() -> ReportData:
    return ReportData(
        period=PERIOD,
        number="R-2026-12-Q1",
        version=2,
        generated_at=datetime(2026, 12, 16, 8, 0),
        anomalies=(
            anomaly(1, 2, 3),
            anomaly(
                2,
                3,
                14,
                HACHADURA,
                category="Contrabando",
                response_minutes=None,
                justification_hours=None,
                justification=None,
                state="abierta",
            ),
            anomaly(3, 9, 22, category="Contrabando", cameras=()),
        ),
        faults=(fault(7, 4), fault(8, 10, camera=None, cause=None, state="en curso", elapsed_hours=130.0)),
        availability=(Availability(AMATILLO, 99.5, 1440), Availability(HACHADURA, 87.26, 2880)),
        carried_over=(anomaly(40, 1, 8, state="abierta", number="A-2026-0040"), fault(3, 1, state="en curso")),
        observations=("Reforzar la vigilancia nocturna en El Amatillo.", "Revisar la fuente de La Hachadura."),
    )


def empty() -> ReportData:
    return ReportData(PERIOD, "R-2026-12-Q1", 1, datetime(2026, 12, 16, 8, 0), (), (), (), (), ())


def pdf_text(data: bytes) -> tuple[list[str], str]:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    return pages, re.sub(r"\s+", " ", "\n".join(pages))


def sheets(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


# --- periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2026-12-Q1", date(2026, 12, 1), date(2026, 12, 15)),
        ("2026-12-Q2", date(2026, 12, 16), date(2026, 12, 31)),
        ("2027-02-Q2", date(2027, 2, 16), date(2027, 2, 28)),
        ("2028-02-Q2", date(2028, 2, 16), date(2028, 2, 29)),  # leap year
        ("2100-02-Q2", date(2100, 2, 16), date(2100, 2, 28)),  # not a leap year
        ("2026-04-Q2", date(2026, 4, 16), date(2026, 4, 30)),
        (" 2026-3-q1 ", date(2026, 3, 1), date(2026, 3, 15)),
    ],
)
def test_it_parses_a_period_and_knows_its_days(code: str, start: date, end: date) -> None:
    period = Period.parse(code)
    assert (period.start, period.end) == (start, end)
    assert Period.parse(period.code) == period
    assert Period.containing(start) == Period.containing(end) == period


def test_it_names_periods_and_their_bounds() -> None:
    assert PERIOD.code == "2026-12-Q1" and PERIOD.label == "1 al 15 de diciembre de 2026"
    assert Period(2028, 2, 2).label == "16 al 29 de febrero de 2028"
    start, end = Period(2026, 12, 2).bounds(TZ)
    assert start.astimezone(UTC) == datetime(2026, 12, 16, 6, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2027, 1, 1, 6, 0, tzinfo=UTC)  # half-open: the next day's midnight
    assert Period.containing(datetime(2026, 12, 15, 23, 59)).half == 1
    assert Period.containing(date(2026, 12, 16)).half == 2


def test_it_steps_back_across_months_and_years() -> None:
    assert Period(2026, 12, 2).previous() == Period(2026, 12, 1)
    assert Period(2026, 12, 1).previous() == Period(2026, 11, 2)
    assert Period(2027, 1, 1).previous() == Period(2026, 12, 2)
    assert Period(2026, 11, 2) < Period(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-13-Q1", "el mes 13 no existe"),
        ("2026-00-Q2", "el mes 0 no existe"),
        ("2026-12-Q3", "la quincena 3 no existe"),
        ("2026-12", "se espera AAAA-MM-Q1"),
        ("diciembre", "se espera AAAA-MM-Q1"),
        ("", "se espera AAAA-MM-Q1"),
        ("2026-12-Q1x", "se espera AAAA-MM-Q1"),
    ],
)
def test_it_refuses_a_bad_period_saying_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)) as caught:
        Period.parse(text)
    assert f'"{text}"' in str(caught.value) and "2026-12-Q1" in str(caught.value)


def test_it_refuses_utc_moments_in_the_rows() -> None:
    with pytest.raises(ValueError, match="naive local time"):
        anomaly(1, 2, 3, reported_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    with pytest.raises(ValueError, match="opened_at"):
        fault(1, 2, opened_at=datetime(2026, 12, 2, 9, 0, tzinfo=TZ))


# --- PDF ----------------------------------------------------------------------------------------


def test_it_prints_every_row_site_justification_and_observation() -> None:
    data = sample()
    document = render_pdf(data, charts.render_charts(data))
    pages, text = pdf_text(document)
    assert PdfReader(io.BytesIO(document)).metadata.title == data.title
    assert (
        data.title
        == "Informe consolidado de situaciones notificadas R-2026-12-Q1 (versión 2) · 1 al 15 de diciembre de 2026"
    )
    assert pages[0].startswith("Ministerio de Hacienda")
    for heading in (
        "Dirección General de Aduanas",
        "Unidad Técnica de Monitoreo y Video Vigilancia",
        "Informe consolidado de situaciones notificadas",
        "del 1 al 15 de diciembre de 2026",
        "R-2026-12-Q1",
        "Versión 2",
    ):
        assert heading in text
    for row in (*data.anomalies, *data.faults, *data.carried_over):
        assert row.number in text
    assert AMATILLO in text and HACHADURA in text
    assert "Era personal de la aduana, caso 1." in text and "Era personal de la aduana, caso 3." in text
    assert all(observation in text for observation in data.observations)
    assert "Luis Alvarado (llamada, Telegram, correo)" in text and "Andén 1, Báscula 2" in text
    assert "02/12/2026 03:15" in text  # local time as given
    assert "12 min" in text and "3 h 30 min" in text  # response and justification times
    assert "sin acuse" in text and "pendiente" in text  # A-2026-0002 has neither
    assert "5 d 10 h" in text and "Sitio completo" in text and "sin determinar" in text  # F-2026-0008
    assert "99,5 %" in text and "87,3 %" in text
    assert "Anomalías notificadas: 3 (justificada: 2 · abierta: 1)" in text


def test_it_groups_anomalies_by_site_then_category() -> None:
    _, text = pdf_text(render_pdf(sample(), {}))
    amatillo, hachadura = text.index(f"{AMATILLO} · 2 anomalías"), text.index(f"{HACHADURA} · 1 anomalía")
    contrabando, sospechosa = text.index("Contrabando · 1 anomalía", amatillo), text.index("Persona sospechosa · 1")
    assert amatillo < contrabando < text.index("A-2026-0003") < sospechosa < text.index("A-2026-0001") < hachadura


def test_it_numbers_pages_and_repeats_the_header_of_a_long_table() -> None:
    data = replace(sample(), anomalies=tuple(anomaly(n, 1 + n % 15, n % 24) for n in range(1, 121)))
    pages, text = pdf_text(render_pdf(data, charts.render_charts(data)))
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert f"Página {number} de {len(pages)}" in page  # also on pages ending with a chart
    assert sum(f"{AMATILLO} · 120 anomalías (cont.)" in page for page in pages) >= 3
    assert all(f"A-2026-{n:04d}" in text for n in range(1, 121))


def test_it_shows_each_chart_as_an_image() -> None:
    data = sample()
    rendered = charts.render_charts(data)
    assert list(rendered) == ["sitios", "categorias", "horario", "respuesta", "disponibilidad"]
    assert all(png.startswith(PNG) for png in rendered.values())
    reader = PdfReader(io.BytesIO(render_pdf(data, rendered)))
    assert sum(len(page.images) for page in reader.pages) == 5
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(render_pdf(data, {}))).pages) == 0


def test_it_leaves_out_a_chart_without_data() -> None:
    unanswered = replace(sample(), anomalies=(anomaly(1, 2, 3, response_minutes=None),), availability=())
    assert charts.response_times(unanswered.anomalies) is None and charts.availability(()) is None
    assert list(charts.render_charts(unanswered)) == ["sitios", "categorias", "horario"]


def test_it_gives_a_clear_document_for_an_empty_period() -> None:
    data = empty()
    rendered = charts.render_charts(data)
    assert rendered == {}
    pages, text = pdf_text(render_pdf(data, rendered))
    assert NO_ANOMALIES in text and NO_AVAILABILITY in text
    assert "Anomalías notificadas: 0." in text and "Sin fallas registradas en el período." in text
    assert "Sin observaciones." in text and "Sin datos para gráficos" in text
    assert pages[-1].rstrip().endswith(f"Página {len(pages)} de {len(pages)}")


def test_it_prints_odd_text_and_wraps_long_text() -> None:
    long_text = ("Descripción extensa del técnico " * 63)[:2000]
    data = replace(
        sample(),
        anomalies=(
            anomaly(1, 2, 3, description=HOSTILE, justification="<i>&amp;</i>\x00\x07 ok\ud800"),
            anomaly(2, 2, 4, description=long_text, site="Aduana\tÓscar"),
            anomaly(3, 2, 5, description="sin-espacios-" * 300, category=""),
        ),
        observations=(HOSTILE, long_text),
    )
    _, text = pdf_text(render_pdf(data, charts.render_charts(data)))
    assert "Imagen <b>negra</b> & " in text and "<script>alert(1)</script> ñÑáéíóúü ¿¡" in text
    assert "\ufffd" in text  # the emoji DejaVu has no glyph for, shown as a replacement mark
    assert "<i>&amp;</i> ok" in text and "Aduana Óscar" in text
    assert text.count("extensa") == 2 * long_text.count("extensa")  # every word, in the table and the observations
    assert all(f"A-2026-000{n}" in text for n in (1, 2, 3))


def test_it_splits_a_row_taller_than_a_page() -> None:
    data = replace(sample(), anomalies=(anomaly(1, 2, 3, description="Texto muy largo del técnico. " * 500),))
    pages, text = pdf_text(render_pdf(data, {}))
    continued = [page for page in pages if "A-2026-0001" in page and "(cont.)" in page]
    assert len(continued) >= 2
    assert text.count("muy") == 500


# --- XLSX ---------------------------------------------------------------------------------------


def test_it_writes_the_annex_row_for_row() -> None:
    data = sample()
    book = sheets(render_xlsx(data))
    assert list(book) == ["Anomalías", "Fallas", "Disponibilidad", "Pendientes"]
    header, *rows = book["Anomalías"]
    assert header[:3] == ("N°", "Fecha y hora", "Sitio")
    expected = [
        (
            a.number,
            a.reported_at,
            a.site,
            ", ".join(a.cameras) or None,
            a.category,
            a.description,
            "; ".join(a.notified),
            a.response_minutes,
            a.justification_hours,
            a.justification,
            a.state,
        )
        for a in sorted(data.anomalies, key=lambda a: a.reported_at)
    ]
    assert rows == expected
    _, *faults = book["Fallas"]
    assert faults == [
        (
            "F-2026-0007",
            datetime(2026, 12, 4, 9, 30),
            HACHADURA,
            "La Hachadura 1",
            "Sin imagen, pantalla negra.",
            3.25,
            "energía",
            "resuelta",
        ),
        (
            "F-2026-0008",
            datetime(2026, 12, 10, 9, 30),
            HACHADURA,
            "Sitio completo",
            "Sin imagen, pantalla negra.",
            130.0,
            None,
            "en curso",
        ),
    ]
    assert book["Disponibilidad"][1:] == [(AMATILLO, pytest.approx(0.995)), (HACHADURA, pytest.approx(0.8726))]
    assert [row[:2] for row in book["Pendientes"][1:]] == [("A-2026-0040", "Anomalía"), ("F-2026-0003", "Falla")]


def test_it_makes_the_annex_easy_to_work_with() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(sample())))
    assert workbook.properties.title == sample().title
    sheet = workbook["Anomalías"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:K4"
    assert sheet["B2"].is_date and sheet["B2"].number_format == "dd/mm/yyyy hh:mm"
    assert workbook["Disponibilidad"]["B2"].number_format == "0.0%"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["F"].width >= 40 and sheet.column_dimensions["A"].width >= 10


def test_it_keeps_odd_text_as_text_in_the_annex() -> None:
    data = replace(
        sample(),
        anomalies=(
            anomaly(1, 2, 3, description='=HYPERLINK("x")', justification=HOSTILE),
            anomaly(2, 2, 4, description="control\x00\x07 chars"),
        ),
    )
    rows = sheets(render_xlsx(data))["Anomalías"][1:]
    assert rows[0][5] == '=HYPERLINK("x")' and rows[0][9] == HOSTILE
    assert rows[1][5] == "control chars"


def test_it_says_so_in_every_sheet_of_an_empty_annex() -> None:
    book = sheets(render_xlsx(empty()))
    assert book["Anomalías"][1][0] == NO_ANOMALIES
    assert book["Disponibilidad"][1][0] == NO_AVAILABILITY
    assert all(len(rows) == 2 for rows in book.values())
