"""How far back the schedule catches up on the 15-day reports and the monthly bitácora: pure, no bot."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.catch_up import recent
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
