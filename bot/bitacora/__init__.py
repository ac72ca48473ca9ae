"""The monthly "Bitácora de Fallas de Cámaras de Aduana" (procedure, Anexo 1) as XLSX and PDF.

Pure functions of their inputs: the fault workflow builds `BitacoraRow`s from the database and
passes the month, the unit's time zone and the generation moment; nothing here touches the
database, the clock or Telegram. The builders live in `bot.bitacora.pdf` and `.xlsx` and are
imported where a document is made: fpdf2 and openpyxl cost ~45 MB the bot need not hold idle.
"""

from bot.bitacora.rows import (
    COLUMNS,
    OPEN,
    TITLE,
    UNIT,
    BitacoraRow,
    cutoff,
    elapsed,
    file_name,
    format_elapsed,
    month_end,
    month_label,
)

__all__ = [
    "COLUMNS",
    "OPEN",
    "TITLE",
    "UNIT",
    "BitacoraRow",
    "cutoff",
    "elapsed",
    "file_name",
    "format_elapsed",
    "month_end",
    "month_label",
]
