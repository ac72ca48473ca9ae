"""The monthly "Bitácora de Fallas de Cámaras de Aduana" (procedure, Anexo 1) as XLSX and PDF.

Pure functions of their inputs: the fault workflow builds `BitacoraRow`s from the database and
passes the month, the unit's time zone and the generation moment; nothing here touches the
database, the clock or Telegram.
"""

from bot.bitacora.pdf import build_pdf
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
from bot.bitacora.xlsx import build_xlsx

__all__ = [
    "COLUMNS",
    "OPEN",
    "TITLE",
    "UNIT",
    "BitacoraRow",
    "build_pdf",
    "build_xlsx",
    "cutoff",
    "elapsed",
    "file_name",
    "format_elapsed",
    "month_end",
    "month_label",
]
