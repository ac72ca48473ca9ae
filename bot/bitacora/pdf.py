"""The bitácora as a landscape PDF (fpdf2), laid out by hand for speed.

fpdf2's own `table()` (and reportlab's platypus `LongTable`) measure and wrap every cell through
their generic text engines: about 11 ms and 2.5 ms per row here, so a month of 5,000 faults would
take one minute or twelve seconds. This module instead wraps the text itself, with word widths
measured once and cached (the same words come back on every row), decides every page in a
first pass, and draws in a second pass with fpdf2's lowest-level calls (`text`, `line`,
`rect`). Knowing the page count before drawing also gives "Página N de M" for free.

A row taller than a page (a 5,000-character description) is split across pages, its fault
number repeated, instead of being cut or overflowing the page.

Text is set in DejaVu Sans, a Unicode TrueType font that matplotlib (a project dependency)
ships, so curly quotes, dashes and accents print as typed; characters the font lacks (emoji)
print as "�" rather than failing. Without that font the PDF falls back to Helvetica, and
characters outside Latin-1 print as "?".
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF

from bot.bitacora.rows import (
    ANNEX,
    COLUMNS,
    NO_FAULTS,
    TITLE,
    UNIT,
    BitacoraRow,
    availability_line,
    cutoff,
    generated_line,
    month_label,
    texts,
    totals_line,
)

# Letter paper, landscape, in millimetres (El Salvador's offices print on carta).
PAGE_W, PAGE_H = 279.4, 215.9
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 7.0, 8.0, 12.0
BODY_PT = 7.0
HEADER_PT = 6.5  # so that "Restablecimiento" and "transcurrido" fit their columns unbroken
LINE_H = 3.0  # mm per text line at 7 pt
PAD_X, PAD_Y = 1.0, 0.8
ASCENT = 2.3  # baseline below the top of a text line, mm
MIN_SPLIT_LINES = 3  # a row is only split across pages if at least this many lines fit on the first
TABLE_W = PAGE_W - 2 * MARGIN_X
# Column widths in mm: a fault number and a "dd/mm/aaaa HH:MM" fit on one line at 7 pt, the
# free-text columns get the rest, the technician's name takes what is left.
_FIXED = (20.0, 24.5, 21.0, 20.0, 39.0, 26.0, 16.0, 38.0, 24.5, 19.0)
WIDTHS = (*_FIXED, TABLE_W - sum(_FIXED))
LEFTS = tuple(MARGIN_X + sum(WIDTHS[:i]) for i in range(len(WIDTHS)))
BODY_BOTTOM = PAGE_H - MARGIN_BOTTOM
GRID = (128, 128, 128)
HEADER_FILL = (217, 217, 217)
INK = (0, 0, 0)
CONTINUED = "(cont.)"
SHORT = 40  # texts up to this length are measured whole first: they repeat (sites, names, durations)


def build_pdf(
    rows: Sequence[BitacoraRow],
    month: date,
    tz: ZoneInfo,
    generated_at: datetime,
    availability: Mapping[str, float | None] | None = None,
) -> bytes:
    """The month's bitácora as a PDF: the same heading, columns and totals as the spreadsheet.

    `rows` are shown in the order given. Open faults show "en curso" and count until the
    month's end, or until `generated_at` if that is earlier.
    """
    until = cutoff(month, tz, generated_at)
    pdf = _document(month, generated_at)
    fonts = Fonts(pdf)
    measure = Measure(pdf, fonts)

    total = timedelta(0)
    wrapped: list[list[list[str]]] = []
    for row in rows:
        cells, duration = texts(row, tz, until)
        total += duration
        wrapped.append(
            [measure.wrap(fonts.prepare(text), width - 2 * PAD_X) for text, width in zip(cells, WIDTHS, strict=True)]
        )

    header = [
        measure.wrap(fonts.prepare(title), width - 2 * PAD_X, bold=True)
        for title, width in zip(COLUMNS, WIDTHS, strict=True)
    ]
    header_h = row_height(max(len(lines) for lines in header))
    pages = _paginate(wrapped, header_h, _heading_height(first=True), _heading_height(first=False), 1 + (not rows))

    summary = [fonts.prepare(totals_line(rows, total))]
    cameras = availability_line(availability or {})
    if cameras:
        summary.append(fonts.prepare(cameras))
    if not rows:
        summary.insert(0, fonts.prepare(NO_FAULTS))
    month_text = fonts.prepare(month_label(month))
    for number, page in enumerate(pages, start=1):
        pdf.add_page()
        top = _draw_heading(pdf, fonts, month_text, generated_at, tz, first=number == 1)
        _draw_header(pdf, fonts, header, top, header_h)
        _draw_rows(pdf, fonts, wrapped, page)
        if number == len(pages):
            _draw_totals(pdf, fonts, summary, page.bottom)
        _draw_footer(pdf, fonts, month_text, number, len(pages))
    return bytes(pdf.output())


@dataclass
class _Segment:
    """Lines [start, start + count) of row `row`, drawn from `y` on a page."""

    row: int
    start: int
    count: int
    y: float


@dataclass
class _Page:
    segments: list[_Segment]
    top: float  # where the rows start (under the header row)
    bottom: float  # where the last row ends


def row_height(lines: int) -> float:
    return max(lines, 1) * LINE_H + 2 * PAD_Y


def _heading_height(first: bool) -> float:
    """The title block on page 1, a one-line running title on the others."""
    return 22.0 if first else 6.0


def _paginate(
    wrapped: list[list[list[str]]], header_h: float, first_heading: float, heading: float, closing_lines: int
) -> list[_Page]:
    """Every row's place on every page, before anything is drawn (so the page count is known)."""
    pages = [_Page([], MARGIN_TOP + first_heading + header_h, MARGIN_TOP + first_heading + header_h)]
    fresh_top = MARGIN_TOP + heading + header_h
    closing_h = closing_lines * row_height(1)
    for index, columns in enumerate(wrapped):
        lines = max(max(len(column) for column in columns), 1)
        start = 0
        while start < lines:
            page = pages[-1]
            room = BODY_BOTTOM - page.bottom
            left = lines - start
            fits = math.floor((room - 2 * PAD_Y) / LINE_H + 1e-9)
            if left <= fits:
                take = left
            elif page.segments and (row_height(left) <= BODY_BOTTOM - fresh_top or fits < MIN_SPLIT_LINES):
                pages.append(_Page([], fresh_top, fresh_top))
                continue
            else:
                take = max(fits, 1)  # taller than a whole page: fill this one and go on with the rest
            page.segments.append(_Segment(index, start, take, page.bottom))
            page.bottom += row_height(take)
            start += take
    if BODY_BOTTOM - pages[-1].bottom < closing_h:
        pages.append(_Page([], fresh_top, fresh_top))
    return pages


def _draw_heading(pdf: FPDF, fonts: Fonts, month_text: str, generated_at: datetime, tz: ZoneInfo, first: bool) -> float:
    """Draws the page's heading; returns where the header row starts."""
    pdf.set_text_color(*INK)
    if not first:
        fonts.use(pdf, bold=True, size=8)
        pdf.text(MARGIN_X, MARGIN_TOP + 3.5, fonts.prepare(f"{TITLE} · ") + month_text)
        return MARGIN_TOP + _heading_height(first=False)
    fonts.use(pdf, size=8)
    pdf.set_text_color(64, 64, 64)
    pdf.text(MARGIN_X, MARGIN_TOP + 3.0, fonts.prepare(UNIT))
    pdf.set_text_color(*INK)
    fonts.use(pdf, bold=True, size=14)
    pdf.text(MARGIN_X, MARGIN_TOP + 10.0, fonts.prepare(TITLE))
    fonts.use(pdf, bold=True, size=11)
    pdf.text(MARGIN_X, MARGIN_TOP + 15.5, month_text)
    fonts.use(pdf, size=7)
    pdf.text(MARGIN_X, MARGIN_TOP + 19.5, fonts.prepare(f"{ANNEX} · {generated_line(generated_at, tz)}"))
    return MARGIN_TOP + _heading_height(first=True)


def _draw_header(pdf: FPDF, fonts: Fonts, header: list[list[str]], top: float, height: float) -> None:
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.2)
    pdf.set_fill_color(*HEADER_FILL)
    pdf.rect(MARGIN_X, top, TABLE_W, height, style="DF")
    pdf.set_fill_color(*INK)  # fill equal to the text colour keeps fpdf2 from wrapping each text in q/Q
    fonts.use(pdf, bold=True, size=HEADER_PT)
    for left, width, lines in zip(LEFTS, WIDTHS, header, strict=True):
        for n, line in enumerate(lines):
            pdf.text(left + PAD_X, top + PAD_Y + n * LINE_H + ASCENT, line)
        pdf.line(left + width, top, left + width, top + height)


def _draw_rows(pdf: FPDF, fonts: Fonts, wrapped: list[list[list[str]]], page: _Page) -> None:
    """The page's rows: their text, a rule under each, and the column rules drawn once per page."""
    fonts.use(pdf)
    text, line = pdf.text, pdf.line
    right = MARGIN_X + TABLE_W
    for segment in page.segments:
        columns = wrapped[segment.row]
        for column, (left, lines) in enumerate(zip(LEFTS, columns, strict=True)):
            shown = lines[segment.start : segment.start + segment.count]
            if column == 0 and segment.start:
                shown = [*lines, CONTINUED][: segment.count]  # the fault number again on a continuation
            x = left + PAD_X
            y = segment.y + PAD_Y + ASCENT
            for n, piece in enumerate(shown):
                text(x, y + n * LINE_H, piece)
        bottom = segment.y + row_height(segment.count)
        line(MARGIN_X, bottom, right, bottom)
    if page.bottom > page.top:
        for x in (*LEFTS, right):
            line(x, page.top, x, page.bottom)


def _draw_totals(pdf: FPDF, fonts: Fonts, summary: list[str], top: float) -> None:
    """Full-width closing rows under the table: "no faults" when there are none, then the totals."""
    fonts.use(pdf, bold=True)
    pdf.set_fill_color(*HEADER_FILL)
    for n, text in enumerate(summary):
        y = top + n * row_height(1)
        pdf.rect(MARGIN_X, y, TABLE_W, row_height(1), style="DF" if n == len(summary) - 1 else "D")
        pdf.text(MARGIN_X + PAD_X, y + PAD_Y + ASCENT, text)
    pdf.set_fill_color(*INK)


def _draw_footer(pdf: FPDF, fonts: Fonts, month_text: str, number: int, count: int) -> None:
    fonts.use(pdf, size=7)
    baseline = PAGE_H - MARGIN_BOTTOM + 6.0
    pdf.text(MARGIN_X, baseline, fonts.prepare(f"{TITLE} · ") + month_text)
    label = f"Página {number} de {count}"
    pdf.text(PAGE_W - MARGIN_X - pdf.get_string_width(label), baseline, label)


def _document(month: date, generated_at: datetime) -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
    pdf.set_title(f"{TITLE} · {month_label(month)}")
    pdf.set_author("Unidad Técnica de Monitoreo y Video Vigilancia")
    pdf.set_creator("Vigía")
    pdf.set_creation_date(generated_at)
    return pdf


def _dejavu() -> tuple[Path, Path] | None:
    """DejaVu Sans regular and bold: matplotlib's copy, else the Debian package's, else none.

    find_spec locates matplotlib without importing it (importing would pull in numpy).
    """
    spec = importlib.util.find_spec("matplotlib")
    places = [Path(p) / "mpl-data" / "fonts" / "ttf" for p in (spec.submodule_search_locations or [])] if spec else []
    places.append(Path("/usr/share/fonts/truetype/dejavu"))
    for place in places:
        regular, bold = place / "DejaVuSans.ttf", place / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class Fonts:
    """The document's two faces, and how text is made printable in them."""

    def __init__(self, pdf: FPDF) -> None:
        files = _dejavu()
        self._known: frozenset[str] | None = None  # None: no glyph table to check against
        self._stand_in = "?"
        if files is None:
            self.family = "helvetica"
            self._known = frozenset(map(chr, range(256)))
        else:
            self.family = "dejavu"
            pdf.add_font(self.family, "", files[0])
            pdf.add_font(self.family, "B", files[1])
            cmap = getattr(pdf.fonts[self.family], "cmap", None)  # fpdf2's TTFFont: code point -> glyph
            if cmap:
                self._known = frozenset(map(chr, cmap)) | {"\n"}
                self._stand_in = "\ufffd" if 0xFFFD in cmap else "?"
        self.use(pdf)

    def use(self, pdf: FPDF, bold: bool = False, size: float = BODY_PT) -> None:
        pdf.set_font(self.family, "B" if bold else "", size)

    def prepare(self, text: str) -> str:
        """The text with characters the font has no glyph for (emoji, for one) shown as "�".

        Helvetica would raise on them; DejaVu would print nothing and log a warning per document.
        """
        if self._known is None or self._known.issuperset(text):
            return text
        return "".join(c if c in self._known else self._stand_in for c in text)


class Measure:
    """Word wrapping with widths measured once per distinct word (body text, or the bold header).

    fpdf2's get_string_width runs its bidirectional-text machinery on every call; the same few
    thousand words fill a whole month's bitácora, so caching them makes wrapping ~20x cheaper.
    """

    def __init__(self, pdf: FPDF, fonts: Fonts) -> None:
        self._pdf = pdf
        self._fonts = fonts
        self._widths: dict[tuple[bool, str], float] = {}

    def width(self, word: str, bold: bool = False) -> float:
        key = (bold, word)
        found = self._widths.get(key)
        if found is None:
            self._fonts.use(self._pdf, bold=bold, size=HEADER_PT if bold else BODY_PT)
            found = self._widths[key] = self._pdf.get_string_width(word)
        return found

    def wrap(self, text: str, room: float, bold: bool = False) -> list[str]:
        """Lines of at most `room` mm: broken at spaces, inside a word only when it is too long alone.

        Line breaks in the text are kept; blank lines and runs of spaces are not (a table cell has
        no room for them).
        """
        if len(text) <= SHORT and "\n" not in text and self.width(text, bold) <= room:
            return [text] if text.strip() else []  # dates, names, sites: measured whole and cached
        lines: list[str] = []
        space = self.width(" ", bold)
        for paragraph in text.split("\n"):
            line: list[str] = []
            used = 0.0
            for word in paragraph.split():
                size = self.width(word, bold)
                if size > room:
                    if line:
                        lines.append(" ".join(line))
                    pieces = self._split_word(word, room, bold)
                    lines.extend(pieces[:-1])
                    line, used = [pieces[-1]], self.width(pieces[-1], bold)
                elif not line:
                    line, used = [word], size
                elif used + space + size <= room:
                    line.append(word)
                    used += space + size
                else:
                    lines.append(" ".join(line))
                    line, used = [word], size
            if line:
                lines.append(" ".join(line))
        return lines

    def _split_word(self, word: str, room: float, bold: bool) -> list[str]:
        """A word wider than the column (a URL, a serial number) cut between characters."""
        pieces: list[str] = []
        start, used = 0, 0.0
        for index, char in enumerate(word):
            size = self.width(char, bold)
            if used + size > room and index > start:
                pieces.append(word[start:index])
                start, used = index, 0.0
            used += size
        pieces.append(word[start:])
        return pieces
