"""What a 15-day report says, as plain frozen data: the renderers' only input.

The report workflow fills these from the database; `pdf`, `xlsx` and `charts` only lay them out,
so they can be tested, benchmarked and re-rendered (a new version after the chief's
observations) without a database. Every moment here is local wall-clock time, naive: the
documents print it as it is, and the heat map reads its weekday and hour, so a UTC value
would silently shift everything by six hours; aware datetimes are therefore refused.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.bitacora.rows import MONTHS
from bot.text import YEARS

TITLE = "Informe consolidado de situaciones notificadas"
NO_ANOMALIES = "Sin anomalías notificadas en el período."
NO_FAULTS = "Sin fallas registradas en el período."
NO_AVAILABILITY = "Sin datos del monitor de salud para el período."
NO_PENDING = "Sin pendientes de períodos anteriores."
WHOLE_SITE = "Sitio completo"  # a fault without a camera: the whole site (or SIRAM) is down
_PERIOD = re.compile(r"(\d{4})-(\d{1,2})-Q(\d)", re.IGNORECASE | re.ASCII)
_FORMAT = "se espera AAAA-MM-Q1 (días 1 a 15) o AAAA-MM-Q2 (del 16 a fin de mes), p. ej. 2026-12-Q1"


@dataclass(frozen=True, order=True)
class Period:
    """Half a month: `half` 1 is days 1-15, 2 is the 16th to the month's last day."""

    year: int
    month: int
    half: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"el mes {self.month} no existe")
        if self.half not in (1, 2):
            raise ValueError(f"la quincena {self.half} no existe (1 o 2)")
        if self.year not in YEARS:
            raise ValueError(f"el año {self.year} está fuera de rango ({YEARS.start} a {YEARS.stop - 1})")

    @classmethod
    def parse(cls, text: str) -> Period:
        """ "2026-12-Q1" (any case, surrounding spaces ignored); ValueError saying what is wrong."""
        found = _PERIOD.fullmatch(text.strip())
        if found is None:
            raise ValueError(f'Período "{text}" no válido: {_FORMAT}.')
        try:
            return cls(int(found[1]), int(found[2]), int(found[3]))
        except ValueError as error:
            raise ValueError(f'Período "{text}" no válido: {error}; {_FORMAT}.') from None

    @classmethod
    def containing(cls, day: date) -> Period:
        """The period a local date (or naive local datetime) falls in."""
        return cls(day.year, day.month, 1 if day.day <= 15 else 2)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1 if self.half == 1 else 16)

    @property
    def end(self) -> date:
        """The period's last day, included."""
        last = 15 if self.half == 1 else calendar.monthrange(self.year, self.month)[1]
        return date(self.year, self.month, last)

    @property
    def code(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-Q{self.half}"

    @property
    def label(self) -> str:
        """ "1 al 15 de diciembre de 2026", as the report's title says it."""
        return f"{self.start.day} al {self.end.day} de {MONTHS[self.month - 1].lower()} de {self.year}"

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day and of the day after the last."""
        return datetime.combine(self.start, time(), tz), datetime.combine(self.end + timedelta(days=1), time(), tz)

    def previous(self) -> Period:
        if self.half == 2:
            return Period(self.year, self.month, 1)
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1, 2)


@dataclass(frozen=True)
class AnomalyRow:
    """One notified anomaly (procedure I-2, I-3)."""

    number: str  # "A-2026-0042"
    reported_at: datetime  # local, naive
    site: str  # display name
    cameras: tuple[str, ...]  # display names
    category: str  # display name
    description: str
    notified: tuple[str, ...]  # "Luis Alvarado (llamada, Telegram, correo)", one per person told
    response_minutes: float | None  # from the report to the first "Recibido"; None: not acknowledged
    justification_hours: float | None  # from the report to the written justification; None: none yet
    justification: str | None
    state: str  # "abierta", "justificada", "cerrada"

    def __post_init__(self) -> None:
        _require_local(self.reported_at, "reported_at")


@dataclass(frozen=True)
class FaultRow:
    """A camera, site or SIRAM fault open at some moment of the period (procedure III)."""

    number: str  # "F-2026-0123"
    opened_at: datetime  # local, naive
    site: str
    camera: str | None  # None: the whole site (shown as WHOLE_SITE)
    description: str
    elapsed_hours: float  # to its restoration, or to the period's end while open
    cause: str | None
    state: str  # "en curso", "resuelta", ...

    def __post_init__(self) -> None:
        _require_local(self.opened_at, "opened_at")


@dataclass(frozen=True)
class Availability:
    site: str
    percent: float  # 0-100, from the health monitor's probes
    probes: int  # how many probes the percentage is of: the site's weight in the average

    def __post_init__(self) -> None:
        if self.probes < 1:
            raise ValueError(f"{self.site}: a percentage of no probes (a site without data has no row)")


@dataclass(frozen=True)
class ReportData:
    """Everything one version of the report shows."""

    period: Period
    number: str  # "R-2026-12-Q1"
    version: int  # 1, then one more for each version re-issued after the chief's review
    generated_at: datetime  # local, naive
    anomalies: tuple[AnomalyRow, ...]  # any order: the documents group and sort them
    faults: tuple[FaultRow, ...]  # shown in this order
    availability: tuple[Availability, ...]  # shown in this order; empty: the monitor had no data
    carried_over: tuple[AnomalyRow | FaultRow, ...]  # still open from earlier periods, in this order
    observations: tuple[str, ...]  # the chief's, one paragraph each

    def __post_init__(self) -> None:
        _require_local(self.generated_at, "generated_at")

    @property
    def average_availability(self) -> float | None:
        """The unit's availability over every site, weighted by their probes: the same figure as
        summing the probes before dividing (README, *History*), so a site with more cameras weighs
        more. None: the monitor had no data."""
        probes = sum(row.probes for row in self.availability)
        return sum(row.percent * row.probes for row in self.availability) / probes if probes else None

    @property
    def title(self) -> str:
        """ "Informe consolidado … R-2026-12-Q1 (versión 2) · 1 al 15 de diciembre de 2026": the documents' title."""
        return f"{TITLE} {self.number} (versión {self.version}) · {self.period.label}"


def _require_local(moment: datetime, name: str) -> None:
    if moment.tzinfo is not None:
        raise ValueError(f"{name} must be naive local time: pass moment.astimezone(tz).replace(tzinfo=None)")
