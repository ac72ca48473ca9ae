"""A flow layout for fpdf2 documents made of sections, prose, long tables and images.

Built on the bitácora's machinery (bot.bitacora.pdf): its landscape letter geometry, its fonts
(DejaVu Sans, "�" for glyphs the font lacks, Helvetica when DejaVu is missing), its cached word
wrapping and fpdf2's lowest-level calls, since fpdf2's own table() takes ~11 ms a row and a bad
fortnight has thousands. Unlike the bitácora, whose one table is paginated before drawing, a
report is a flow of sections: each page is drawn as it fills, and "Página X de Y" is added to
every page at the end, once Y is known (fpdf2 lets a finished page be reopened). A table's
caption and header row repeat on every page it spans; a row taller than a page is split, its
first cell repeated with "(cont.)".
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Iterable, Sequence
from itertools import accumulate

from fpdf import FPDF

from bot.bitacora.pdf import (
    ASCENT,
    BODY_BOTTOM,
    BODY_PT,
    CONTINUED,
    GRID,
    HEADER_FILL,
    HEADER_PT,
    INK,
    LINE_H,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MIN_SPLIT_LINES,
    PAD_X,
    PAD_Y,
    PAGE_H,
    PAGE_W,
    TABLE_W,
    Fonts,
    Measure,
    row_height,
)
from bot.bitacora.rows import clean

TEXT_PT, TEXT_LINE, TEXT_ASCENT = 9.0, 4.2, 3.1  # prose: summary, observations, notes
RUNNING_H = 7.0  # the one-line title at the top of pages after the first
CAPTION_H = 5.5  # a table's caption line
BAND_FILL = (242, 242, 242)
GAP = 5.0  # between images
Columns = Sequence[tuple[str, float]]


class Free(float):
    """A free-text column's share of the width the fixed columns leave."""


def fit(*columns: tuple[str, float]) -> tuple[tuple[str, float], ...]:
    """Column widths in mm: fixed ones as given, `Free` ones sharing the rest of the page width."""
    rest = TABLE_W - sum(width for _, width in columns if not isinstance(width, Free))
    shares = sum(width for _, width in columns if isinstance(width, Free))
    return tuple((title, rest * width / shares if isinstance(width, Free) else width) for title, width in columns)


class Layout:
    """The document being drawn top to bottom, and where on the current page the next thing goes."""

    def __init__(self, identity: str, heading: Sequence[tuple[str, bool, float]]) -> None:
        """A document whose first page opens with the centred `heading` lines (text, bold, points) under a rule.

        `identity` is its PDF title, and the running line at the top of later pages and at the foot of all.
        """
        self.pdf = pdf = FPDF(orientation="L", unit="mm", format="letter")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
        pdf.set_title(identity)
        pdf.set_author("Unidad Técnica de Monitoreo y Video Vigilancia")
        pdf.set_creator("Vigía")
        pdf.set_draw_color(*GRID)
        pdf.set_line_width(0.2)
        self.fonts = Fonts(pdf)
        self.measure = Measure(pdf, self.fonts)
        self.running = self.fonts.prepare(identity)
        pdf.add_page()
        self.y = MARGIN_TOP
        for text, bold, size in heading:
            self.y += size * 0.45 + 1.2  # from baseline to baseline
            self.fonts.use(pdf, bold=bold, size=size)
            shown = self.fonts.prepare(text)
            pdf.text((PAGE_W - pdf.get_string_width(shown)) / 2, self.y, shown)
        self.y += 3.0
        pdf.line(MARGIN_X, self.y, PAGE_W - MARGIN_X, self.y)
        self.y += 2.0

    def new_page(self) -> None:
        self.pdf.add_page()
        self.fonts.use(self.pdf, bold=True, size=8)
        self.pdf.text(MARGIN_X, MARGIN_TOP + 3.5, self.running)
        self.y = MARGIN_TOP + RUNNING_H

    def room(self) -> float:
        return BODY_BOTTOM - self.y

    def section(self, title: str) -> None:
        """A numbered section title, moved to the next page if little of the section would fit under it."""
        if self.room() < 30.0:
            self.new_page()
        self.y += 4.0
        self.fonts.use(self.pdf, bold=True, size=11)
        self.pdf.text(MARGIN_X, self.y + 3.8, self.fonts.prepare(title))
        self.y += 7.0

    def paragraph(self, text: str) -> None:
        for line in self.wrap(text, TABLE_W, TEXT_PT) or [""]:
            if self.room() < TEXT_LINE:
                self.new_page()
            self.fonts.use(self.pdf, size=TEXT_PT)
            self.pdf.text(MARGIN_X, self.y + TEXT_ASCENT, line)
            self.y += TEXT_LINE
        self.y += 1.0

    def table(
        self, caption: str | None, columns: Columns, rows: Iterable[str | Sequence[str]], empty: str = ""
    ) -> None:
        """Rows of cell texts under a header row; a plain string is a band across the table, kept with the next row."""
        table = _Table(self, caption, columns)
        band: list[str] | None = None
        drawn = False
        for row in rows:
            if isinstance(row, str):
                band = self.wrap(row, table.width - 2 * PAD_X, BODY_PT, bold=True)
                continue
            table.row([self.wrap(text, width - 2 * PAD_X) for text, (_, width) in zip(row, columns, strict=True)], band)
            band, drawn = None, True
        if drawn:
            self.y += 2.0
        elif empty:
            self.paragraph(empty)

    def images(self, pngs: Iterable[bytes]) -> None:
        """Two images a row, each half the page wide, a row moved to a new page if it does not fit."""
        width = (TABLE_W - GAP) / 2
        row_h = 0.0
        for index, png in enumerate(pngs):
            pixels_w, pixels_h = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
            height = width * pixels_h / pixels_w
            column = index % 2
            if column == 0:
                self.y += row_h
                row_h = 0.0
                if self.room() < height:
                    self.new_page()
            self.pdf.image(io.BytesIO(png), x=MARGIN_X + column * (width + GAP), y=self.y, w=width, h=height)
            row_h = max(row_h, height + GAP)
        self.y += row_h

    def finish(self) -> bytes:
        """Every page's footer, now that the page count is known; the document's bytes."""
        pdf, count = self.pdf, self.pdf.pages_count
        baseline = PAGE_H - MARGIN_BOTTOM + 6.0
        for number in range(1, count + 1):
            pdf.page = number
            pdf.current_font_is_set_on_page = False  # the reopened page's stream may end in another font
            self.fonts.use(pdf, size=7)
            pdf.text(MARGIN_X, baseline, self.running)
            label = f"Página {number} de {count}"
            pdf.text(PAGE_W - MARGIN_X - pdf.get_string_width(label), baseline, label)
        return bytes(pdf.output())

    def wrap(self, text: str, room: float, size: float = BODY_PT, bold: bool = False) -> list[str]:
        """The bitácora's wrapper measures at its table sizes; widths scale with the font size."""
        measured = HEADER_PT if bold else BODY_PT
        return self.measure.wrap(self.fonts.prepare(clean(text)), room * measured / size, bold)


class _Table:
    """One table being drawn: its caption and header row (again on every page it reaches), then its rows."""

    def __init__(self, layout: Layout, caption: str | None, columns: Columns) -> None:
        self.layout = layout
        self.caption = layout.fonts.prepare(clean(caption)) if caption else None
        self.widths = [width for _, width in columns]
        self.lefts = [MARGIN_X + x for x in accumulate(self.widths[:-1], initial=0.0)]
        self.width = sum(self.widths)
        self.header = [layout.wrap(title, width - 2 * PAD_X, HEADER_PT, bold=True) for title, width in columns]
        self.header_h = row_height(max(len(lines) for lines in self.header))
        self.top_h = (CAPTION_H if caption else 0.0) + self.header_h
        self.fresh = BODY_BOTTOM - (MARGIN_TOP + RUNNING_H + self.top_h)  # room for rows on a page of their own
        self.started = False  # the header has been drawn once
        self.new_page = False  # the current page was started for this table and holds none of its rows yet

    def row(self, cells: list[list[str]], band: list[str] | None) -> None:
        """A row (after its band, if any), split across pages only if it is taller than a page."""
        lines = max(max(len(column) for column in cells), 1)
        start = 0
        while start < lines:
            band_h = row_height(len(band)) if band is not None else 0.0
            room = self.layout.room() - band_h - (0.0 if self.started else self.top_h)
            fits = math.floor((room - 2 * PAD_Y) / LINE_H + 1e-9)
            left = lines - start
            if left <= fits:
                take = left
            elif not self.new_page and (row_height(left) + band_h <= self.fresh or fits < MIN_SPLIT_LINES):
                self.layout.new_page()
                self.new_page = True
                if self.started:
                    self._top(continued=True)
                continue
            else:
                take = max(fits, 1)  # taller than a whole page: fill this one and go on with the rest
            if not self.started:
                self._top(continued=False)
                self.started = True
            if band is not None:
                self._band(band)
                band = None
            self._segment(cells, start, take)
            self.new_page = False
            start += take

    def _top(self, continued: bool) -> None:
        layout, pdf = self.layout, self.layout.pdf
        if self.caption:
            layout.fonts.use(pdf, bold=True, size=8)
            pdf.text(MARGIN_X, layout.y + 3.8, self.caption + (f" {CONTINUED}" if continued else ""))
            layout.y += CAPTION_H
        y = layout.y
        pdf.set_fill_color(*HEADER_FILL)
        pdf.rect(MARGIN_X, y, self.width, self.header_h, style="DF")
        pdf.set_fill_color(*INK)  # fill equal to the text colour keeps fpdf2 from wrapping each text in q/Q
        layout.fonts.use(pdf, bold=True, size=HEADER_PT)
        for left, lines in zip(self.lefts, self.header, strict=True):
            for n, line in enumerate(lines):
                pdf.text(left + PAD_X, y + PAD_Y + n * LINE_H + ASCENT, line)
        for left in self.lefts[1:]:
            pdf.line(left, y, left, y + self.header_h)
        layout.y += self.header_h

    def _band(self, lines: list[str]) -> None:
        layout, pdf = self.layout, self.layout.pdf
        height = row_height(len(lines))
        pdf.set_fill_color(*BAND_FILL)
        pdf.rect(MARGIN_X, layout.y, self.width, height, style="DF")
        pdf.set_fill_color(*INK)
        layout.fonts.use(pdf, bold=True)
        for n, line in enumerate(lines):
            pdf.text(MARGIN_X + PAD_X, layout.y + PAD_Y + n * LINE_H + ASCENT, line)
        layout.y += height

    def _segment(self, cells: list[list[str]], start: int, take: int) -> None:
        """Lines [start, start + take) of every cell of a row, boxed."""
        layout, pdf = self.layout, self.layout.pdf
        layout.fonts.use(pdf)
        text, y = pdf.text, layout.y + PAD_Y + ASCENT
        for column, (left, lines) in enumerate(zip(self.lefts, cells, strict=True)):
            shown = lines[start : start + take]
            if column == 0 and start:
                shown = [*lines, CONTINUED][:take]  # the number again on a continuation
            for n, piece in enumerate(shown):
                text(left + PAD_X, y + n * LINE_H, piece)
        height = row_height(take)
        pdf.rect(MARGIN_X, layout.y, self.width, height)
        for left in self.lefts[1:]:
            pdf.line(left, layout.y, left, layout.y + height)
        layout.y += height
