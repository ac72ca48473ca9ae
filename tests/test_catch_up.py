"""How far back the schedule catches up on the 15-day reports and the monthly bitácora: pure, no bot."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.bitacora import month_end
from bot.catch_up import recent
from bot.fallas_bitacora import month_before
from bot.reporte.model import Period

TZ = ZoneInfo("America/El_Salvador")


def periods_owed(latest: Period, now: datetime) -> list[str]:
    return [p.code for p in recent(latest, Period.previous, lambda p: p.bounds(TZ)[1], now)]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2027, 6, 2, 15, 0, tzinfo=UTC), ["2027-05-Q2", "2027-05-Q1", "2027-04-Q2"]),  # 04-Q1: 47 days ago
        (datetime(2027, 6, 15, 15, 0, tzinfo=UTC), ["2027-05-Q2", "2027-05-Q1"]),  # 04-Q2: 45 days 9 h ago
        (datetime(2027, 3, 1, 13, 0, tzinfo=UTC), ["2027-02-Q2", "2027-02-Q1", "2027-01-Q2", "2027-01-Q1"]),  # at most
    ],
)
def test_it_catches_up_on_periods_that_ended_in_the_last_45_days(now: datetime, expected: list[str]) -> None:
    latest = Period.containing(now.astimezone(TZ).date()).previous()
    assert periods_owed(latest, now) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2027, 3, 14, 15, 0, tzinfo=UTC), [date(2027, 2, 1), date(2027, 1, 1)]),  # January's: 41 days ago
        (datetime(2027, 3, 20, 15, 0, tzinfo=UTC), [date(2027, 2, 1)]),  # January's ended 47 days ago
        (datetime(2027, 1, 3, 15, 0, tzinfo=UTC), [date(2026, 12, 1), date(2026, 11, 1)]),  # across the year
    ],
)
def test_it_catches_up_on_the_bitacoras_of_months_that_ended_in_the_last_45_days(
    now: datetime, expected: list[date]
) -> None:
    latest = month_before(now.astimezone(TZ).date())
    assert list(recent(latest, month_before, lambda m: month_end(m, TZ), now)) == expected
