"""The rules of shifts, consignas and handovers as pure functions: tables, no Telegram."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.consignas import Draft, DraftError, may_close, parse_draft
from bot.relevo import Acceptance, may_accept
from bot.shifts import (
    TODAY,
    age,
    arriving_slot,
    checked_out_of,
    next_slot,
    parse_clock,
    parse_day,
    previous_slot,
    slot_at,
    slot_meant,
)
from bot.text import fold
from bot.unit_config import Shift
from storage.consignas import Consigna
from storage.people import Person
from storage.relevo import Handover

TZ = ZoneInfo("America/El_Salvador")
SHIFTS = [
    Shift(name="mañana", start=time(6), end=time(14)),
    Shift(name="tarde", start=time(14), end=time(22)),
    Shift(name="noche", start=time(22), end=time(6)),
]
ANA = Person(id=1, key="tec.ana", name="Ana López", role="tecnico")
KEVIN = Person(id=2, key="tec.kevin", name="Kevin Portillo", role="tecnico")
CARLOS = Person(id=3, key="coord.carlos", name="Carlos Rivas", role="coordinador")
LUIS = Person(id=4, key="adm.luis", name="Luis Alvarado", role="administrador")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("moment", "name", "day"),
    [
        (local(4, 6), "mañana", 4),
        (local(4, 13, 59), "mañana", 4),
        (local(4, 14), "tarde", 4),
        (local(4, 23), "noche", 4),
        (local(5, 5, 59), "noche", 4),
        (local(5, 6), "mañana", 5),
    ],
)
def test_the_slot_at_a_moment_belongs_to_the_day_it_started(moment: datetime, name: str, day: int) -> None:
    slot = slot_at(SHIFTS, moment.astimezone(UTC), TZ)
    assert (slot.name, slot.day) == (name, date(2026, 12, day))
    assert slot.start <= moment < slot.end


def test_next_and_previous_cross_midnight() -> None:
    assert next_slot(SHIFTS, local(4, 23), TZ).start == local(5, 6)
    assert previous_slot(SHIFTS, local(5, 7), TZ).key == "2026-12-04/noche"


@pytest.mark.parametrize(
    ("moment", "early", "name", "day"),
    [
        (local(4, 13, 29), 30, "mañana", 4),
        (local(4, 13, 30), 30, "tarde", 4),  # thirty minutes early: for the shift that is coming
        (local(4, 13, 59), 30, "tarde", 4),
        (local(4, 14), 30, "tarde", 4),
        (local(4, 21, 45), 30, "noche", 4),
        (local(5, 5, 40), 30, "mañana", 5),  # the night shift of the 4th is ending: the 5th's morning
        (local(4, 13, 59), 0, "mañana", 4),
    ],
)
def test_an_early_arrival_is_for_the_coming_shift(moment: datetime, early: int, name: str, day: int) -> None:
    slot = arriving_slot(SHIFTS, moment.astimezone(UTC), TZ, timedelta(minutes=early))
    assert (slot.name, slot.day) == (name, date(2026, 12, day))


@pytest.mark.parametrize(
    ("moment", "slots"),
    [
        (local(4, 10, 0), {"2026-12-04/mañana"}),
        (local(4, 13, 40), {"2026-12-04/mañana", "2026-12-04/tarde"}),  # the coming one, checked in early
        (local(4, 14, 4), {"2026-12-04/tarde", "2026-12-04/mañana"}),  # the one just ended, stayed on
        (local(4, 14, 31), {"2026-12-04/tarde"}),  # past half an hour: forgotten
        (local(5, 0, 10), {"2026-12-04/noche"}),
        (local(5, 6, 20), {"2026-12-05/mañana", "2026-12-04/noche"}),  # across midnight
    ],
)
def test_turno_checks_out_of_the_current_coming_or_just_ended_shift(moment: datetime, slots: set[str]) -> None:
    assert checked_out_of(SHIFTS, moment.astimezone(UTC), TZ, timedelta(minutes=30)) == slots


@pytest.mark.parametrize(
    ("moment", "typed", "name", "meant"),
    [
        (local(5, 1, 0), "hoy", "noche", "2026-12-04/noche"),  # on duty since yesterday 22:00
        (local(5, 1, 0), "hoy", "Mañana", "2026-12-05/mañana"),  # not running: the one starting today
        (local(5, 1, 0), "05/12", "noche", "2026-12-05/noche"),  # a date: the slot that starts that day
        (local(5, 1, 0), "mañana", "noche", "2026-12-06/noche"),
        (local(4, 23, 0), "Hoy", "noche", "2026-12-04/noche"),
        (local(4, 10, 0), "hoy", "noche", "2026-12-04/noche"),
    ],
)
def test_hoy_is_the_shift_on_duty_when_it_is_the_one_named(moment: datetime, typed: str, name: str, meant: str) -> None:
    day = parse_day(typed, moment.date())
    assert day is not None
    slot = slot_meant(SHIFTS, day, name, TZ, moment.astimezone(UTC), hoy=fold(typed) in TODAY)
    assert slot is not None and slot.key == meant


@pytest.mark.parametrize(
    ("delta", "spanish", "english"),
    [
        (timedelta(seconds=20), "hace un momento", "just now"),
        (timedelta(minutes=5), "hace 5 min", "5 min ago"),
        (timedelta(hours=3, minutes=20), "hace 3 h 20 min", "3 h 20 min ago"),
        (timedelta(hours=2), "hace 2 h", "2 h ago"),
        (timedelta(days=2, hours=4, minutes=9), "hace 2 d 4 h 9 min", "2 d 4 h 9 min ago"),
    ],
)
def test_ages_are_told_as_people_say_them(delta: timedelta, spanish: str, english: str) -> None:
    assert (age(delta, "es"), age(delta, "en")) == (spanish, english)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hoy", date(2026, 12, 4)),
        ("Mañana", date(2026, 12, 5)),
        ("manana", date(2026, 12, 5)),
        ("24/12", date(2026, 12, 24)),
        ("1/1/2027", date(2027, 1, 1)),
        ("01/01", date(2027, 1, 1)),  # on 4 December: the nearest 1 January is next month's
        ("03/12", date(2026, 12, 3)),
        ("1/1/27", date(2027, 1, 1)),
        ("31/12/9999", None),  # its night shift would end past the calendar
        ("31/02", None),
        ("lunes", None),
    ],
)
def test_days_are_parsed_forgivingly(text: str, expected: date | None) -> None:
    assert parse_day(text, date(2026, 12, 4)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("14:30", time(14, 30)), ("1430", time(14, 30)), ("9h", time(9)), ("25:00", None), ("x", None)],
)
def test_clock_times_are_parsed(text: str, expected: time | None) -> None:
    assert parse_clock(text) == expected


MORNING = local(4, 10)


def draft(text: str, author: Person = CARLOS, now: datetime = MORNING) -> Draft | DraftError:
    places = {"hachadura": "site", "hachadura-1": "camera"}
    return parse_draft(text.split(), author=author, people=[ANA, KEVIN, CARLOS], places=places, now=now, tz=TZ)


def test_a_consigna_reads_its_markers_anywhere() -> None:
    result = draft("Revisar @ana la #hachadura-1 antes de !12:30 y reportar")
    assert result == Draft("Revisar la antes de y reportar", ANA, local(4, 12, 30), None, "hachadura-1")
    assert draft("Ronda !9:00", now=local(4, 10)).due_at == local(5, 9)  # type: ignore[union-attr]
    assert draft("Ronda !05/12 07:15").due_at == local(5, 7, 15)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "author", "error"),
    [
        ("Revisar @ana", ANA, "consigna.assign_supervisors_only"),
        ("Revisar @nadie", CARLOS, "consigna.unknown_person"),
        ("Revisar #luna", CARLOS, "consigna.unknown_place"),
        ("Revisar !ayer", CARLOS, "consigna.bad_due"),
        ("ok", CARLOS, "consigna.usage"),
        ("", ANA, "consigna.usage"),
    ],
)
def test_a_malformed_consigna_says_what_is_wrong(text: str, author: Person, error: str) -> None:
    result = draft(text, author)
    assert isinstance(result, DraftError) and result.key == error


@pytest.mark.parametrize(
    ("due", "understood"),
    [
        ("!03/12 08:00", "03/12/2026 08:00"),  # yesterday
        ("!hoy 08:00", "04/12/2026 08:00"),  # two hours ago
        ("!04/12 10:00", "04/12/2026 10:00"),  # now: due already
        ("!1/1/2026 08:00", "01/01/2026 08:00"),
        ("!hoy 10:01", None),
        ("!10:00", None),  # a bare time is the next one: tomorrow's
    ],
)
def test_a_deadline_already_past_is_refused_with_what_was_understood(due: str, understood: str | None) -> None:
    result = draft(f"Revisar portón {due}", now=local(4, 10))
    assert result == DraftError("consigna.past_due", understood) if understood else isinstance(result, Draft)


@pytest.mark.parametrize(
    ("holder", "person", "allowed"),
    [(None, KEVIN, True), (ANA.id, ANA, True), (ANA.id, KEVIN, False), (ANA.id, CARLOS, True)],
)
def test_who_may_close_a_consigna(holder: int | None, person: Person, allowed: bool) -> None:
    consigna = Consigna(text="x", origin="jefatura", created_at=local(4, 8), holder_id=holder)
    assert may_close(consigna, person) is allowed


def test_a_coordinator_handing_over_may_not_accept_it_either() -> None:
    handover = Handover(slot_key="x", incoming_slot_key="y", from_person_id=CARLOS.id, created_at=local(4, 13, 50))  # type: ignore[arg-type]
    assert may_accept(CARLOS, handover, [KEVIN]) is Acceptance.OWN


@pytest.mark.parametrize(
    ("person", "incoming", "expected"),
    [
        (KEVIN, [KEVIN], None),
        (ANA, [KEVIN], Acceptance.OWN),
        (CARLOS, [KEVIN], None),
        (LUIS, [KEVIN], Acceptance.NOT_INCOMING),
        (KEVIN, [], None),
        (Person(id=9, key="tec.x", name="X", role="tecnico"), [KEVIN], Acceptance.NOT_INCOMING),
    ],
)
def test_who_may_accept_a_handover(person: Person, incoming: list[Person], expected: Acceptance | None) -> None:
    handover = Handover(
        slot_key="2026-12-04/mañana",
        incoming_slot_key="2026-12-04/tarde",
        from_person_id=ANA.id,
        created_at=local(4, 13, 50),
    )  # type: ignore[arg-type]
    assert may_accept(person, handover, incoming) == expected
