"""The monitor's rules without cameras: debounce, grades, site outages, day and night, maintenance."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.health import maintenance, rules
from bot.unit_config import RecurringMaintenance

TZ = ZoneInfo("America/El_Salvador")


def run(results: str, bad_to_open: int = 3, good_to_close: int = 2) -> list[str | None]:
    """Feed a string of probes ("x" bad, "." good) and list the transitions, one per probe."""
    state, seen = rules.Debounce("up", 0, 0), []
    for char in results:
        state, change = rules.step(state, char == "x", bad_to_open, good_to_close)
        seen.append(change)
    return seen


@pytest.mark.parametrize(
    ("probes", "opens", "closes"),
    [
        ("xx.xx.", 0, 0),  # never three bad in a row: noise
        ("xxx", 1, 0),  # the third bad one opens
        ("xxxxxxx", 1, 0),  # and keeps it open without opening again
        ("xxx.x.", 1, 0),  # one good probe is not a recovery
        ("xxx..", 1, 1),  # two are
        ("xxx..xxx..xxx..", 3, 3),  # a flapping camera opens each time: the monitor reopens the same fault
    ],
)
def test_it_debounces_like_a_careful_monitor(probes: str, opens: int, closes: int) -> None:
    changes = run(probes)
    assert changes.count("open") == opens
    assert changes.count("close") == closes


def test_it_opens_on_the_kth_probe_and_closes_on_the_mth() -> None:
    assert run("xxxx...", bad_to_open=4, good_to_close=3) == [None, None, None, "open", None, None, "close"]


@pytest.mark.parametrize(
    ("conditions", "grade"),
    [
        ((), "up"),
        (("dark",), "degraded"),
        (("defocused", "audio_silent"), "degraded"),
        (("offline",), "down"),
        (("black", "dark"), "down"),
        (("frozen",), "down"),
        (("covered",), "down"),
    ],
)
def test_it_grades_a_probe_by_whether_the_picture_is_still_useful(conditions: tuple[str, ...], grade: str) -> None:
    assert rules.grade(conditions) == grade


@pytest.mark.parametrize(
    ("offline", "cameras", "planned", "outage"),  # one letter a camera
    [
        ("a", "a", "", False),
        ("a", "ab", "", False),
        ("ab", "ab", "", True),
        ("ab", "abcd", "", False),
        ("abc", "abcd", "", True),
        ("abc", "abcde", "", True),
        ("ab", "abcde", "", False),
        ("ab", "ab", "a", False),  # the other camera alone is no site
        ("ab", "abc", "a", False),  # one of the two watched
        ("abc", "abcd", "a", True),  # two of the three watched
        ("abc", "abcde", "ab", False),  # one of the three watched
        ("bc", "abc", "a", True),  # the camera in maintenance working changes nothing: both watched fail
        ("ab", "ab", "ab", False),  # the whole site in maintenance
    ],
)
def test_it_calls_a_site_outage_when_most_watched_cameras_fail_together(
    offline: str, cameras: str, planned: str, outage: bool
) -> None:
    """A camera in maintenance is expected to be down: it counts neither as failing nor among the site's."""
    assert rules.site_outage(set(offline), set(cameras), set(planned), 0.6) is outage


@pytest.mark.parametrize(
    ("moment", "expected"), [(time(5, 59), "night"), (time(6, 0), "day"), (time(17, 59), "day"), (time(18), "night")]
)
def test_it_picks_the_day_or_night_reference(moment: time, expected: str) -> None:
    assert rules.period(moment, time(6), time(18)) == expected


def test_it_knows_a_weekly_window_that_runs_past_midnight() -> None:
    window = RecurringMaintenance(target="hachadura", weekdays=["domingo"], start=time(23, 30), minutes=60)
    sunday = datetime(2026, 12, 6, 23, 45, tzinfo=TZ)  # a Sunday
    assert rules.in_recurring_window(sunday, [window], {"hachadura", "cam1"})
    assert rules.in_recurring_window(sunday + timedelta(minutes=30), [window], {"hachadura"})  # Monday 00:15
    assert not rules.in_recurring_window(sunday + timedelta(minutes=50), [window], {"hachadura"})
    assert not rules.in_recurring_window(sunday - timedelta(days=1), [window], {"hachadura"})  # Saturday
    assert not rules.in_recurring_window(sunday, [window], {"otro_sitio"})


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("30m", 30),
        ("90", 90),
        ("2h", 120),
        ("1h30", 90),
        ("1H30M", 90),
        ("1d", 1440),
        ("7d", 10080),
        ("45min", 45),
        ("2 horas", 120),
        ("1 hora", 60),
        ("30 minutos", 30),
        ("1 día", 1440),
        ("2 hours", 120),
    ],
)
def test_it_reads_maintenance_durations(text: str, minutes: int) -> None:
    assert maintenance.parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "0", "0h", "8d", "dos horas", "h", "-5", "2x"])
def test_it_refuses_what_is_not_a_duration(text: str) -> None:
    assert maintenance.parse_duration(text) is None


def test_it_computes_availability_from_useful_probes() -> None:
    assert rules.availability(0, 0, 0) is None
    assert rules.availability(8, 1, 1) == pytest.approx(90.0)
