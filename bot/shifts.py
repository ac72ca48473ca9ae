"""Shift arithmetic and how times are told to people: pure functions, `now` always passed in.

A shift instance (a "slot") is named by the local date it starts on and the shift's name: the
night shift 22:00-06:00 that starts on 4 December is ("2026-12-04", "noche") until 06:00 on
the 5th.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.bitacora.rows import format_elapsed as duration
from bot.text import YEARS, fold
from bot.unit_config import Shift


@dataclass(frozen=True)
class Slot:
    day: date
    name: str
    start: datetime  # aware, local
    end: datetime

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}/{self.name}"


def _slot(shift: Shift, day: date, tz: ZoneInfo) -> Slot:
    start = datetime.combine(day, shift.start, tz)
    end_day = day if shift.end > shift.start else day + timedelta(days=1)
    return Slot(day, shift.name, start, datetime.combine(end_day, shift.end, tz))


def slots_around(shifts: list[Shift], now: datetime, tz: ZoneInfo, days: int = 1) -> list[Slot]:
    """Every slot starting from `days` before to `days` after today, in order."""
    today = now.astimezone(tz).date()
    slots = [_slot(s, today + timedelta(days=d), tz) for d in range(-days - 1, days + 1) for s in shifts]
    return sorted(slots, key=lambda slot: slot.start)


def slot_at(shifts: list[Shift], moment: datetime, tz: ZoneInfo) -> Slot:
    return next(s for s in slots_around(shifts, moment, tz) if s.start <= moment < s.end)


def next_slot(shifts: list[Shift], moment: datetime, tz: ZoneInfo) -> Slot:
    current = slot_at(shifts, moment, tz)
    return slot_at(shifts, current.end, tz)


def previous_slot(shifts: list[Shift], moment: datetime, tz: ZoneInfo) -> Slot:
    current = slot_at(shifts, moment, tz)
    return slot_at(shifts, current.start - timedelta(seconds=1), tz)


def arriving_slot(shifts: list[Shift], moment: datetime, tz: ZoneInfo, early: timedelta) -> Slot:
    """The slot someone checking in at `moment` comes for: the next one when it starts within `early`
    (technicians arrive before their shift to take the relevo), otherwise the current one."""
    coming = next_slot(shifts, moment, tz)
    return coming if coming.start - moment <= early else slot_at(shifts, moment, tz)


def checked_out_of(shifts: list[Shift], moment: datetime, tz: ZoneInfo, grace: timedelta) -> set[str]:
    """The slots in which an open check-in is ended by /turno at `moment` (a check-out): the current one,
    the coming one from `grace` before it starts (checked in early), and the one that ended less than
    `grace` ago (whoever stays on to hand over leaves a little after the end). A check-in still open
    in any earlier slot was forgotten: /turno then checks in."""
    current, coming, gone = (
        slot_at(shifts, moment, tz),
        next_slot(shifts, moment, tz),
        previous_slot(shifts, moment, tz),
    )
    return (
        {current.key}
        | ({coming.key} if coming.start - moment <= grace else set())
        | ({gone.key} if moment - gone.end <= grace else set())
    )


def slot_named(shifts: list[Shift], day: date, name: str, tz: ZoneInfo) -> Slot | None:
    """The slot of shift `name` (case and accents as typed are forgiven) starting on `day`."""
    wanted = fold(name)
    shift = next((s for s in shifts if fold(s.name) == wanted), None)
    return _slot(shift, day, tz) if shift else None


def slot_meant(shifts: list[Shift], day: date, name: str, tz: ZoneInfo, now: datetime, hoy: bool) -> Slot | None:
    """The slot a person means by `day` and `name`: as slot_named, except that a day typed as "hoy"
    (`hoy`) is the shift running now when it is that shift. At 01:00, "hoy noche" is the night shift
    on duty, which began yesterday, not the one starting tonight at 22:00; a date typed is the day the
    slot starts, as slots are named: then "05/12 noche" is the one starting on the 5th at 22:00."""
    running = slot_at(shifts, now, tz)
    if hoy and fold(running.name) == fold(name):
        return running
    return slot_named(shifts, day, name, tz)


def age(delta: timedelta, language: str) -> str:
    """How long ago, as people say it: "hace 3 h 20 min", "2 d 4 h ago"."""
    if delta < timedelta(minutes=1):
        return "hace un momento" if language == "es" else "just now"
    return f"hace {duration(delta)}" if language == "es" else f"{duration(delta)} ago"


def local_time(moment: datetime, tz: ZoneInfo, now: datetime) -> str:
    """ "14:05" today, "03/12 14:05" on another day: the date only when it is needed."""
    local = moment.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return f"{local:%H:%M}"
    return f"{local:%d/%m %H:%M}"


def span(slot: Slot) -> str:
    return f"{slot.start:%H:%M}–{slot.end:%H:%M}"


TODAY = ("hoy", "today")  # as typed, folded: with the shift on duty, that slot (slot_meant)


def parse_day(text: str, today: date) -> date | None:
    """hoy / mañana / ayer / dd/mm / dd/mm/aa / dd/mm/aaaa; None when it is none of those. Without a
    year, the nearest such day (on 31/12, "01/01" is tomorrow); "27" is 2027."""
    word = fold(text)
    relative = {**dict.fromkeys(TODAY, 0), "manana": 1, "tomorrow": 1, "ayer": -1, "yesterday": -1}
    if word in relative:
        return today + timedelta(days=relative[word])
    parts = word.split("/")
    try:
        if len(parts) == 2:
            day, month = int(parts[0]), int(parts[1])
            nearest = (date(today.year + shift, month, day) for shift in (-1, 0, 1) if today.year + shift in YEARS)
            return min(nearest, key=lambda candidate: abs(candidate - today))
        if len(parts) == 3:
            year = int(parts[2]) + (2000 if len(parts[2]) == 2 else 0)
            return date(year, int(parts[1]), int(parts[0])) if year in YEARS else None
    except ValueError:
        return None
    return None


def parse_clock(text: str) -> time | None:
    """ "14:30", "1430", "9h" → a time of day; None otherwise."""
    cleaned = text.strip().lower().removesuffix("h").replace(".", ":")
    try:
        if ":" in cleaned:
            hours, minutes = cleaned.split(":", 1)
            return time(int(hours), int(minutes))
        if cleaned.isdigit() and len(cleaned) in (3, 4):
            return time(int(cleaned[:-2]), int(cleaned[-2:]))
        if cleaned.isdigit():
            return time(int(cleaned))
    except ValueError:
        return None
    return None
