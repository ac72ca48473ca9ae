"""The bitácora's rows and the text of each cell, shared by the spreadsheet and the PDF.

Both documents must say exactly the same thing (an auditor may compare the printed PDF with the
spreadsheet), so every cell text, the heading and the totals are decided here once; `xlsx` and
`pdf` only lay them out. Everything is pure: the month, the time zone and the generation moment
are passed in, nothing reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

TITLE = "Bitácora de Fallas de Cámaras de Aduana"
UNIT = "Ministerio de Hacienda · Dirección General de Aduanas · Unidad Técnica de Monitoreo y Video Vigilancia"
ANNEX = "Anexo 1 del procedimiento"
OPEN = "en curso"
NO_FAULTS = "Sin fallas registradas en el mes."
COLUMNS = (
    "N°",
    "Inicio",
    "Sitio",
    "Cámara / sistema",
    "Descripción",
    "Reportada a (quién y cuándo)",
    "Ticket del proveedor",
    "Tratamiento y solución",
    "Restablecimiento",
    "Tiempo transcurrido",
    "Técnico",
)
START_COLUMN, RESTORED_COLUMN, ELAPSED_COLUMN = 1, 8, 9
MONTHS = (
    "Enero",
    "Febrero",
    "Marzo",
    "Abril",
    "Mayo",
    "Junio",
    "Julio",
    "Agosto",
    "Septiembre",
    "Octubre",
    "Noviembre",
    "Diciembre",
)
DATE_TIME = "%d/%m/%Y %H:%M"

# Characters neither an XLSX (XML 1.0) nor a PDF text string can carry: C0 controls other than
# tab and newline, lone surrogates (from badly decoded input) and the two XML non-characters.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class BitacoraRow:
    """One fault as the bitácora shows it; built from the database by the fault workflow."""

    number: str  # "F-2026-0123"
    started_at: datetime  # aware UTC
    site: str  # site display name, e.g. "Aduana Frontera El Amatillo"
    subject: str  # camera name, "Sitio completo" or "SIRAM"
    description: str  # symptoms as reported
    reported_to: str  # "Proveedor de mantenimiento (soporte@proveedor.com.sv), 04/12 10:15"; "" if not reported
    vendor_ticket: str  # vendor's ticket number or ""
    treatment: str  # treatment and solution text, "" while open
    restored_at: datetime | None  # aware UTC, None while open
    technician: str  # who opened/handled it


def month_label(month: date) -> str:
    """ "Diciembre 2026": the month as the heading and the file name say it."""
    return f"{MONTHS[month.month - 1]} {month.year}"


def month_end(month: date, tz: ZoneInfo) -> datetime:
    """Midnight local time at the start of the next month, in UTC: where an open fault stops counting."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return datetime(following.year, following.month, 1, tzinfo=tz).astimezone(UTC)


def cutoff(month: date, tz: ZoneInfo, generated_at: datetime) -> datetime:
    """Until when open faults are counted: the month's end, or the generation moment if earlier.

    A bitácora printed on the 15th for the running month must not claim that an open fault has
    already lasted until the 31st.
    """
    _require_aware(generated_at, "generated_at")
    return min(month_end(month, tz), generated_at.astimezone(UTC))


def elapsed(started_at: datetime, restored_at: datetime | None, month_end: datetime) -> timedelta:
    """How long the fault lasted: to its restoration, or to `month_end` while it is still open.

    Never negative: a restoration recorded before the start (a typing error in the log) or a
    fault starting after the cut-off counts as zero rather than subtracting from the total.
    """
    _require_aware(started_at, "started_at")
    end = month_end if restored_at is None else restored_at
    _require_aware(end, "restored_at" if restored_at is not None else "month_end")
    return max(end - started_at, timedelta(0))


def format_elapsed(td: timedelta) -> str:
    """As people write it: "45 min", "3 h 20 min", "2 d 4 h 5 min"; zero parts left out.

    Rounded to the nearest minute, halves up (the bitácora's times have no seconds); anything
    under half a minute, or negative, is "0 min".
    """
    minutes = max(int((td.total_seconds() + 30) // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if minutes or not parts:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """Naive local time: what a spreadsheet date cell holds (XLSX has no time zones)."""
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0)


def format_moment(moment: datetime, tz: ZoneInfo) -> str:
    """dd/mm/aaaa HH:MM in local time."""
    return moment.astimezone(tz).strftime(DATE_TIME)


def clean(text: str) -> str:
    """Text any document can carry: unwritable characters dropped, line ends and tabs made plain.

    Descriptions come from Telegram and e-mail, so they can hold anything; a single stray
    control character would otherwise make openpyxl refuse the whole workbook.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNWRITABLE.sub("", text)


def generated_line(generated_at: datetime, tz: ZoneInfo) -> str:
    return f"Generado el {format_moment(generated_at, tz)} · horas locales ({tz.key})"


def count_text(rows: Sequence[BitacoraRow]) -> str:
    """ "12 fallas (2 en curso)", "1 falla", "0 fallas"."""
    count = len(rows)
    open_count = sum(1 for row in rows if row.restored_at is None)
    noun = "falla" if count == 1 else "fallas"
    ongoing = f" ({open_count} {OPEN})" if open_count else ""
    return f"{count} {noun}{ongoing}"


def availability_line(availability: Mapping[str, float | None]) -> str | None:
    """ "Disponibilidad de cámaras (monitor de salud): Aduana A 99,2 %; Aduana B sin datos", from
    the same figures as /estado and the reports; None when no site has a camera."""
    if not availability:
        return None
    parts = [
        f"{site} {'sin datos' if share is None else f'{share:.1f} %'.replace('.', ',')}"
        for site, share in availability.items()
    ]
    return "Disponibilidad de cámaras (monitor de salud): " + "; ".join(parts)


def totals_line(rows: Sequence[BitacoraRow], total: timedelta) -> str:
    """ "Total: 12 fallas (2 en curso) · tiempo transcurrido 3 d 4 h 5 min": the PDF's last line."""
    return f"Total: {count_text(rows)} · tiempo transcurrido {format_elapsed(total)}"


def texts(row: BitacoraRow, tz: ZoneInfo, until: datetime) -> tuple[tuple[str, ...], timedelta]:
    """The eleven cell texts of a row, in `COLUMNS` order, and its elapsed time."""
    duration = elapsed(row.started_at, row.restored_at, until)
    restored = OPEN if row.restored_at is None else format_moment(row.restored_at, tz)
    cells = (
        clean(row.number),
        format_moment(row.started_at, tz),
        clean(row.site),
        clean(row.subject),
        clean(row.description),
        clean(row.reported_to),
        clean(row.vendor_ticket),
        clean(row.treatment),
        restored,
        format_elapsed(duration),
        clean(row.technician),
    )
    return cells, duration


def file_name(month: date, extension: str) -> str:
    """ "bitacora-fallas-2026-12.xlsx": sortable, no accents or spaces for mail clients."""
    return f"bitacora-fallas-{month:%Y-%m}.{extension}"


def _require_aware(moment: datetime, name: str) -> None:
    """Naive datetimes are refused: astimezone() would silently read them as the server's local time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (UTC), got naive {moment!r}")
