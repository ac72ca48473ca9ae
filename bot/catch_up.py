"""How far back the schedule catches up on the chief's paperwork, the 15-day reports and the monthly
bitácora, when it was not handed over in time: the bot was down, `informes.report_at` was switched
off, or no chief had opened the bot. Only what ended in the last CATCH_UP is owed, so a bot back
after months hands the chief the last few documents, not a year of them at once; older ones stay
on demand (/reporte, /bitacora)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TypeVar

CATCH_UP = timedelta(days=45)  # at most 4 reports and 2 bitácoras, and a month's outage is covered

T = TypeVar("T")


def recent(latest: T, previous: Callable[[T], T], end: Callable[[T], datetime], now: datetime) -> Iterator[T]:
    """`latest` and the ones before it, newest first, while each ended no more than CATCH_UP before
    `now` (`end`: its end, as an aware moment)."""
    while now - end(latest) <= CATCH_UP:
        yield latest
        latest = previous(latest)
