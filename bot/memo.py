"""The unit's memorandum (procedure II-3 b: the answer "vía memorando con firma y sello de la UTMV") as a PDF.

Portrait letter, as the Ministry's memos are printed: the institution, "MEMORÁNDUM" and its number,
the Para / De / Fecha / Asunto / Referencia block, the body, and the signature with a box for the
seal. The fonts and the word wrapping are the bitácora's (bot.bitacora.pdf): DejaVu Sans for
accents, "�" for glyphs the font lacks (emoji), long words cut rather than overflowing. A body
that runs over a page continues under a running title, and then every page is numbered; the
signature block is never split, nor left alone on a page without the body's last lines.
Blocking: run it off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fpdf import FPDF

from bot.bitacora.pdf import BODY_PT, HEADER_PT, INK, Fonts, Measure
from bot.bitacora.rows import MONTHS, clean

PAGE_W, PAGE_H = 215.9, 279.4  # letter, portrait, mm
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 25.0, 20.0, 20.0
TEXT_W = PAGE_W - 2 * MARGIN_X
BODY_BOTTOM = PAGE_H - MARGIN_BOTTOM
TEXT_PT, TEXT_LINE, PARAGRAPH_GAP = 11.0, 5.5, 2.5
FIELD_LABEL_W = 30.0  # "REFERENCIA:" in bold at 11 pt, and some air
SIGN_GAP, SIGN_ROOM = 8.0, 20.0  # space above the block; room to sign above the rule
SEAL_W, SEAL_H = 45.0, 35.0
SIGN_W = TEXT_W - SEAL_W - 10.0  # the rule, name and position, left of the seal box
KEPT_WITH_SIGNATURE = 2  # body lines that move to the next page with the signature
INSTITUTION = (
    ("MINISTERIO DE HACIENDA", True, 12.0),
    ("DIRECCIÓN GENERAL DE ADUANAS", True, 11.0),
    ("Unidad Técnica de Monitoreo y Video Vigilancia", False, 10.0),
)
TITLE = "MEMORÁNDUM"


@dataclass(frozen=True)
class Memo:
    number: str  # "UTMV-2026-0007"
    to: str  # Para: name, and position on a second line
    sender: str  # De
    issued_on: date
    subject: str  # Asunto
    body: str  # each line a paragraph
    signer: str
    position: str  # the signer's
    reference: str = ""  # Referencia: the request's memo or note; the line is left out when empty


def long_date(day: date) -> str:
    """ "4 de diciembre de 2026", as Spanish official letters write dates."""
    return f"{day.day} de {MONTHS[day.month - 1].lower()} de {day.year}"


def render_memo(memo: Memo) -> bytes:
    """The memorandum, ready to print, sign and seal."""
    page = _Page(memo)
    page.heading()
    page.field("PARA:", memo.to)
    page.field("DE:", memo.sender)
    page.field("FECHA:", long_date(memo.issued_on))
    page.field("ASUNTO:", memo.subject)
    if memo.reference.strip():
        page.field("REFERENCIA:", memo.reference)
    page.rule()
    page.body([paragraph for paragraph in clean(memo.body).split("\n") if paragraph.strip()])
    page.signature()
    return page.finish()


class _Page:
    """The document being drawn top to bottom, and where the next line goes."""

    def __init__(self, memo: Memo) -> None:
        self.pdf = pdf = FPDF(orientation="P", unit="mm", format="letter")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
        pdf.set_title(f"Memorándum {memo.number}")
        pdf.set_author("Unidad Técnica de Monitoreo y Video Vigilancia")
        pdf.set_creator("Vigía")
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.3)
        self.fonts = Fonts(pdf)
        self.measure = Measure(pdf, self.fonts)
        self.running = self.fonts.prepare(clean(f"{TITLE} {memo.number}"))
        self.number = self.fonts.prepare(clean(f"N° {memo.number}"))
        self.signed = [(line, True) for line in self._wrap(memo.signer, SIGN_W, bold=True)]
        self.signed += [(line, False) for line in self._wrap(memo.position, SIGN_W)]
        self.signature_h = SIGN_GAP + max(SEAL_H, SIGN_ROOM + 1.0 + len(self.signed) * TEXT_LINE)
        pdf.add_page()
        self.y = MARGIN_TOP

    def heading(self) -> None:
        """The institution, the title and the number, centred."""
        for text, bold, size in INSTITUTION:
            self._centred(text, bold, size)
        self.y += 4.0
        for text, bold, size in ((TITLE, True, 15.0), (self.number, True, 11.0)):
            self._centred(text, bold, size)
        self.y += 6.0

    def field(self, label: str, value: str) -> None:
        """A label in bold and its value wrapped beside it; a line break in the value is kept."""
        lines = [line for part in clean(value).split("\n") for line in self._wrap(part, TEXT_W - FIELD_LABEL_W)]
        self._room_for(TEXT_LINE)
        self.fonts.use(self.pdf, bold=True, size=TEXT_PT)
        self.pdf.text(MARGIN_X, self.y + 4.0, label)
        for line in lines or [""]:
            self._room_for(TEXT_LINE)
            self.fonts.use(self.pdf, size=TEXT_PT)
            self.pdf.text(MARGIN_X + FIELD_LABEL_W, self.y + 4.0, line)
            self.y += TEXT_LINE
        self.y += 1.5

    def rule(self) -> None:
        self.y += 2.0
        self.pdf.line(MARGIN_X, self.y, PAGE_W - MARGIN_X, self.y)
        self.y += 6.0

    def body(self, paragraphs: list[str]) -> None:
        """The paragraphs, their last lines kept on the signature's page: a signature alone on a
        page could be attached to any text."""
        lines = [
            (line, PARAGRAPH_GAP if n == len(wrapped) - 1 else 0.0)
            for wrapped in (self._wrap(paragraph, TEXT_W) for paragraph in paragraphs)
            for n, line in enumerate(wrapped)
        ]
        kept_from = max(len(lines) - KEPT_WITH_SIGNATURE, 0)
        for n, (line, gap) in enumerate(lines):
            if n == kept_from:
                self._room_for(sum(TEXT_LINE + after for _, after in lines[n:]) + self.signature_h)
            self._room_for(TEXT_LINE)
            self.fonts.use(self.pdf, size=TEXT_PT)
            self.pdf.text(MARGIN_X, self.y + 4.0, line)
            self.y += TEXT_LINE + gap

    def signature(self) -> None:
        """A rule to sign on, the name and position under it; the seal's box to the right."""
        self._room_for(self.signature_h)
        pdf = self.pdf
        top = self.y + SIGN_GAP
        rule_y = top + SIGN_ROOM
        pdf.line(MARGIN_X, rule_y, MARGIN_X + SIGN_W, rule_y)
        y = rule_y + 1.0
        for text, bold in self.signed:
            self._centred_in(text, bold, MARGIN_X, SIGN_W, y)
            y += TEXT_LINE
        seal_x = PAGE_W - MARGIN_X - SEAL_W
        pdf.set_dash_pattern(dash=1.5, gap=1.0)
        pdf.rect(seal_x, top, SEAL_W, SEAL_H)
        pdf.set_dash_pattern()
        self.fonts.use(pdf, size=8.0)
        pdf.set_text_color(128, 128, 128)
        pdf.text(seal_x + (SEAL_W - pdf.get_string_width("Sello")) / 2, top + SEAL_H / 2 + 1.0, "Sello")
        pdf.set_text_color(*INK)
        self.y += self.signature_h

    def finish(self) -> bytes:
        """Page numbers on every page, once there is more than one; the document's bytes."""
        pdf, count = self.pdf, self.pdf.pages_count
        if count > 1:
            for number in range(1, count + 1):
                pdf.page = number
                pdf.current_font_is_set_on_page = False  # the reopened page's stream may end in another font
                self.fonts.use(pdf, size=8.0)
                label = f"Página {number} de {count}"
                pdf.text(PAGE_W - MARGIN_X - pdf.get_string_width(label), PAGE_H - MARGIN_BOTTOM + 8.0, label)
        return bytes(pdf.output())

    def _room_for(self, height: float) -> None:
        """A new page, under a running title, when `height` no longer fits on this one."""
        if self.y + height <= BODY_BOTTOM:
            return
        self.pdf.add_page()
        self.fonts.use(self.pdf, bold=True, size=9.0)
        self.pdf.text(MARGIN_X, MARGIN_TOP + 3.5, f"{self.running} (cont.)")
        self.y = MARGIN_TOP + 10.0

    def _wrap(self, text: str, room: float, bold: bool = False) -> list[str]:
        """The bitácora's wrapper measures at its table sizes; widths scale with the font size."""
        measured = HEADER_PT if bold else BODY_PT
        return self.measure.wrap(self.fonts.prepare(clean(text)), room * measured / TEXT_PT, bold)

    def _centred(self, text: str, bold: bool, size: float) -> None:
        """A line centred on the page, its baseline a line's height under the previous one."""
        self.y += size * 0.45 + 1.5
        self.fonts.use(self.pdf, bold=bold, size=size)
        shown = self.fonts.prepare(text)
        self.pdf.text((PAGE_W - self.pdf.get_string_width(shown)) / 2, self.y, shown)

    def _centred_in(self, text: str, bold: bool, left: float, width: float, top: float) -> None:
        self.fonts.use(self.pdf, bold=bold, size=TEXT_PT)
        self.pdf.text(left + (width - self.pdf.get_string_width(text)) / 2, top + 4.0, text)
