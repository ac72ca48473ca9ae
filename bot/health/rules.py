"""The monitor's rules as pure functions: how bad a probe is, when a fault opens and closes, when a
site is down as a whole, which reference applies, and whether planned work holds the alerts.

Like a careful NOC: one bad probe is noise, K in a row is a fault; one good probe after a fault
is luck, M in a row is a recovery. Everything takes `now` and the settings explicitly.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from bot.unit_config import WEEKDAYS, RecurringMaintenance

OFFLINE = "offline"  # no picture at all (refused, timed out, no frame, bad credentials)
AUDIO_MISSING, AUDIO_SILENT = "audio_missing", "audio_silent"
# No useful picture: the camera is down. Anything else found means degraded: a picture, but impaired.
DOWN = frozenset({OFFLINE, "black", "frozen", "covered"})


def grade(conditions: Iterable[str]) -> str:
    """up, degraded or down, for availability: a dark or blurred picture still shows something."""
    found = set(conditions)
    if not found:
        return "up"
    return "down" if found & DOWN else "degraded"


@dataclass(frozen=True)
class Debounce:
    status: str  # up | down
    bad_streak: int
    good_streak: int


def step(current: Debounce, bad: bool, bad_to_open: int, good_to_close: int) -> tuple[Debounce, str | None]:
    """The debounce after one probe, and the transition it causes: "open", "close" or None."""
    bad_streak = current.bad_streak + 1 if bad else 0
    good_streak = 0 if bad else current.good_streak + 1
    if current.status == "up" and bad_streak >= bad_to_open:
        return Debounce("down", bad_streak, good_streak), "open"
    if current.status == "down" and good_streak >= good_to_close:
        return Debounce("up", bad_streak, good_streak), "close"
    return Debounce(current.status, bad_streak, good_streak), None


def site_outage(offline: Collection[str], cameras: Collection[str], planned: Collection[str], share: float) -> bool:
    """Most of a site's cameras failing together points at its power or its link, not at cameras.

    A camera in planned maintenance is expected to be down, as it raises no fault of its own: it is
    neither failing nor one of the site's cameras here. A site needs at least two other cameras for
    this; with two, both must fail.
    """
    watched = set(cameras) - set(planned)
    failing = len(watched & set(offline))
    return len(watched) >= 2 and failing >= 2 and failing >= share * len(watched)


def period(moment: time, day_starts: time, night_starts: time) -> str:
    """Which of a camera's two looks applies: "day" or "night" (infrared, street lights)."""
    if day_starts <= night_starts:
        return "day" if day_starts <= moment < night_starts else "night"
    return "night" if night_starts <= moment < day_starts else "day"


def in_recurring_window(local: datetime, windows: Sequence[RecurringMaintenance], targets: set[str]) -> bool:
    """Whether `local` (the unit's time) falls in a configured window of any of `targets`.

    A window that starts late on one day and runs past midnight still covers the small hours.
    """
    for window in windows:
        if window.target not in targets:
            continue
        for days_back in (0, 1):
            day = (local - timedelta(days=days_back)).date()
            if WEEKDAYS[day.weekday()] not in window.weekdays:
                continue
            start = datetime.combine(day, window.start, local.tzinfo)
            if start <= local < start + timedelta(minutes=window.minutes):
                return True
    return False


def availability(up: int, degraded: int, down: int) -> float | None:
    """Share of probes with a useful picture, as a percentage; None when nothing was probed."""
    total = up + degraded + down
    return None if total == 0 else 100.0 * (up + degraded) / total


class Tally(Protocol):
    """One camera's probe counts for one hour (storage.health.CameraUptime)."""

    camera_code: str
    hour: datetime
    up: int
    degraded: int
    down: int


def probe_counts(
    tally: Iterable[Tally], group_of: Mapping[str, str], start: datetime, span: timedelta, periods: int
) -> dict[str, list[tuple[int, int, int]]]:
    """Probes (up, degraded, down) of each group (a site, a camera) in each of `periods` spans of
    `span` from `start`, summed over its cameras and hours. Cameras not in `group_of` and hours
    outside the spans are left out; every group of `group_of` is in the answer."""
    counts = {group: [(0, 0, 0)] * periods for group in group_of.values()}
    for row in tally:
        group, index = group_of.get(row.camera_code), (row.hour - start) // span
        if group is None or not 0 <= index < periods:
            continue
        up, degraded, down = counts[group][index]
        counts[group][index] = (up + row.up, degraded + row.degraded, down + row.down)
    return counts


def availability_grid(
    tally: Iterable[Tally], group_of: Mapping[str, str], start: datetime, span: timedelta, periods: int
) -> dict[str, list[float | None]]:
    """Availability of each group in each span of `probe_counts`: per site or camera, per hour, per
    day or over the whole 24 hours or 7 days, for /estado (the bitácora and the reports take
    `probe_counts` as each site's `SiteShare`, to weigh the sites by their probes). Probes are summed
    before dividing, so a camera probed more weighs more, as in `availability`; None where a group
    has no probes."""
    grid = probe_counts(tally, group_of, start, span, periods)
    return {group: [availability(*cell) for cell in cells] for group, cells in grid.items()}
