"""Who works when: the roster of each shift instance, check-ins, and who is on duty now and next."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit
from bot.roles import Role
from bot.services import Services
from bot.shifts import Slot, arriving_slot, checked_out_of, next_slot, slot_at, slots_around
from storage.audit import first_entry_at
from storage.people import Person, all_people
from storage.turnos import CheckIn, RosterChange, ShiftNotice, check_ins, notice_sent, open_check_in, roster_change


@dataclass(frozen=True)
class Duty:
    slot: Slot
    roster: list[Person]
    walk_ins: list[Person] = field(default_factory=list)  # checked in without being on the roster
    checked_in: dict[int, datetime] = field(default_factory=dict)  # person id -> when
    changed_today: bool = False

    @property
    def people(self) -> list[Person]:
        return self.roster + self.walk_ins

    def rostered(self, person: Person) -> bool:
        return any(p.id == person.id for p in self.roster)


async def duty(services: Services, slot: Slot) -> Duty:
    async with services.db.read() as session:
        change = await roster_change(session, slot.day, slot.name)
        people = {p.key: p for p in await all_people(session) if p.active}
        here = [c for c in await check_ins(session, slot.key) if c.checked_out_at is None]  # who left is not on duty
        arrivals = {c.person_id: c.checked_in_at for c in here}
    if change is not None:
        keys = [k for k in change.people.split(",") if k]
    else:  # a shift renamed or removed in the unit file since (an open handover names it) has nobody on its roster
        shift = next((s for s in services.unit.shifts if s.name == slot.name), None)
        keys = list(shift.technicians) if shift else []
    roster = [people[k] for k in keys if k in people]
    walk_ins = [p for p in people.values() if p.id in arrivals and p not in roster]
    return Duty(slot, roster, walk_ins, arrivals, change is not None)


async def now_and_next(services: Services) -> tuple[Duty, Duty]:
    now = services.now()
    shifts, tz = services.unit.shifts, services.tz
    return await duty(services, slot_at(shifts, now, tz)), await duty(services, next_slot(shifts, now, tz))


async def technicians(services: Services) -> list[Person]:
    """The active technicians: whom /rol may put on a shift, and the names its usage lists."""
    async with services.db.read() as session:
        return [p for p in await all_people(session) if p.active and p.role == Role.TECNICO]


async def change_roster(services: Services, slot: Slot, people: list[Person], by: Person) -> None:
    now = services.now()
    keys = ",".join(p.key for p in people)
    async with services.db.write() as session:
        session.add(
            RosterChange(shift_day=slot.day, shift_name=slot.name, people=keys, changed_by_id=by.id, changed_at=now)
        )
        await audit.record(
            session,
            "turno.roster_changed",
            now=now,
            actor=by,
            object_type="slot",
            object_id=slot.key,
            detail={"people": keys},
        )


async def toggle_check_in(services: Services, person: Person) -> tuple[bool, Slot]:
    """Check in, or out if already in; returns (checked_in, the slot checked in to). Shortly before a
    shift starts, a check-in is for that shift (arriving_slot), while one open in the ending shift
    still checks its holder out. A check-in left open in an earlier shift (nobody checked out) is
    closed now, and this is a check-in. Someone on the ending shift's roster and not on the coming
    one's, arriving late for their own shift, is checked in to their own; someone staying on after
    their shift to hand over is checked out of it (checked_out_of)."""
    now, shifts, tz = services.now(), services.unit.shifts, services.tz
    grace = timedelta(minutes=services.unit.relevo.check_in_before_start)
    slot = await _arriving(services, person, slot_at(shifts, now, tz), grace)
    async with services.db.write() as session:
        current = await open_check_in(session, person.id)  # type: ignore[arg-type]
        if current is not None and current.slot_key not in checked_out_of(shifts, now, tz, grace):
            current.checked_out_at = now
            session.add(current)
            current = None
        if current is None:
            session.add(CheckIn(person_id=person.id, slot_key=slot.key, checked_in_at=now))  # type: ignore[arg-type]
        else:
            current.checked_out_at = now
            session.add(current)
        action, key = ("turno.check_in", slot.key) if current is None else ("turno.check_out", current.slot_key)
        await audit.record(session, action, now=now, actor=person, object_type="slot", object_id=key)
    return current is None, slot


async def _arriving(services: Services, person: Person, ending: Slot, early: timedelta) -> Slot:
    """The slot a check-in is for: the coming one shortly before it starts (arriving_slot), unless its
    holder is on the ending shift's roster and not on the coming one's: late for their own shift."""
    coming = arriving_slot(services.unit.shifts, services.now(), services.tz, early)
    if coming == ending or not (await duty(services, ending)).rostered(person):
        return coming
    return coming if (await duty(services, coming)).rostered(person) else ending


async def already_sent(services: Services, key: str, kind: str) -> bool:
    async with services.db.read() as session:
        return await notice_sent(session, key, kind)


@asynccontextmanager
async def once(services: Services, key: str, kind: str) -> AsyncIterator[AsyncSession | None]:
    """The unit of work of something owed once per key and kind (a shift, a day, a month): inside,
    the session the first time and None ever after. Notices queued in it commit with the claim,
    so they are owed exactly once whatever Telegram does. Keep heavy work outside: it holds the
    write lock."""
    async with services.db.write() as session:
        if await notice_sent(session, key, kind):
            yield None
            return
        session.add(ShiftNotice(slot_key=key, kind=kind, sent_at=services.now()))
        yield session


async def ended_since_install(services: Services, within: timedelta) -> list[Slot]:
    """Shift instances that ended in the last `within`, but not before the bot existed."""
    now = services.now()
    async with services.db.read() as session:
        installed = await first_entry_at(session) or now
    slots = slots_around(services.unit.shifts, now, services.tz)
    return [s for s in slots if max(installed, now - within) <= s.end <= now]
