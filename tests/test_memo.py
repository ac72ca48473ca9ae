"""The memorandum PDF (procedure II-3 b), read back as a person would: pypdf's text extraction."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from bot.memo import Memo, long_date, render_memo

MEMO = Memo(
    number="UTMV-2026-0007",
    to="Lic. Ana María Pérez\nJefa de la División de Operaciones Aduaneras",
    sender="Jefe de la Unidad Técnica de Monitoreo y Video Vigilancia",
    issued_on=date(2026, 12, 4),
    subject="Grabaciones de la Aduana Frontera El Amatillo, andén 1, del 1 de diciembre de 2026",
    body=(
        "En atención a su memorándum DOA-2026-0456, se revisaron las grabaciones solicitadas.\n"
        "Se entregan 3 archivos de video y 12 lecturas de placas del SIRAM."
    ),
    signer="Ing. José Martínez",
    position="Jefe de la Unidad Técnica de Monitoreo y Video Vigilancia",
    reference="Memorándum DOA-2026-0456 del 2 de diciembre de 2026",
)


def pages(memo: Memo) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(render_memo(memo))).pages]


def flat(text: str) -> str:
    """The text with line breaks as spaces: a sentence may wrap anywhere."""
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2026, 12, 4), "4 de diciembre de 2026"), (date(2027, 1, 15), "15 de enero de 2027")],
)
def test_it_writes_dates_the_spanish_way(day: date, expected: str) -> None:
    assert long_date(day) == expected


def test_it_prints_heading_fields_body_and_signature_on_one_page() -> None:
    (page,) = pages(MEMO)
    text = flat(page)
    for expected in (
        "MINISTERIO DE HACIENDA",
        "DIRECCIÓN GENERAL DE ADUANAS",
        "Unidad Técnica de Monitoreo y Video Vigilancia",
        "MEMORÁNDUM",
        "UTMV-2026-0007",
        "PARA:",
        "Lic. Ana María Pérez",
        "Jefa de la División de Operaciones Aduaneras",
        "DE:",
        "FECHA:",
        "4 de diciembre de 2026",
        "ASUNTO:",
        "Grabaciones de la Aduana Frontera El Amatillo",
        "REFERENCIA:",
        "Memorándum DOA-2026-0456 del 2 de diciembre de 2026",
        "se revisaron las grabaciones solicitadas.",
        "12 lecturas de placas del SIRAM.",
        "Ing. José Martínez",
        "Sello",
    ):
        assert expected in text, expected
    assert "Página" not in text  # one page needs no numbers
    assert text.index("Ing. José Martínez") > text.index("12 lecturas de placas")


def test_it_leaves_out_an_empty_reference() -> None:
    (text,) = pages(replace(MEMO, reference=""))
    assert "REFERENCIA:" not in text and "ASUNTO:" in text


def test_it_names_the_document_for_the_pdf_reader() -> None:
    assert PdfReader(io.BytesIO(render_memo(MEMO))).metadata.title == "Memorándum UTMV-2026-0007"


def test_it_continues_a_long_body_on_numbered_pages() -> None:
    words = [f"palabra{n:04d}" for n in range(500)]
    body = " ".join(words)
    assert len(body) > 5_000
    texts = pages(replace(MEMO, body=body))
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert f"Página {number} de {len(texts)}" in text
    assert "UTMV-2026-0007 (cont.)" in texts[1]
    joined = flat(" ".join(texts))
    assert all(word in joined for word in words)  # wrapped, not cut
    assert "Ing. José Martínez" in texts[-1] and "Sello" in texts[-1]


def test_it_keeps_the_last_lines_of_the_body_with_the_signature() -> None:
    split = 0
    for count in range(8, 16):  # from fitting whole to the signature needing the next page
        texts = pages(replace(MEMO, body="\n".join(f"Párrafo número {n}." for n in range(count))))
        signed_page = next(text for text in texts if "Ing. José Martínez" in text)
        assert f"Párrafo número {count - 1}." in signed_page
        assert f"Párrafo número {count - 2}." in signed_page
        split += len(texts) > 1
    assert split  # the case was met


def test_it_prints_markup_emoji_and_control_characters_as_plain_text() -> None:
    hostile = 'Imagen <b>negra</b> & "parpadeo" — señal ≠ OK 📷\x00\x07 ñÑáéíóúü ¿¡ ' + "x" * 300
    (text,) = pages(replace(MEMO, subject=hostile, body=hostile, signer="<i>José</i> 📷"))
    assert "<b>negra</b>" in text and "ñÑáéíóúü" in text and "<i>José</i>" in text
    assert "\x00" not in text and "📷" not in text
