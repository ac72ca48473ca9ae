"""Consignas: orders for the technicians (procedure I-1, II-2), from creation to done or cancelled.

Every change is a ConsignaEvent row plus an audit row, in one unit of work. The rules of who may
do what are small pure functions so they read like the procedure and are tested as tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit, notices
from bot.i18n import t
from bot.roles import SUPERVISORS, Role
from bot.services import Services
from bot.shifts import parse_clock, parse_day
from bot.text import fold
from storage.claims import claim as claim_once
from storage.consignas import Consigna, ConsignaEvent, ConsignaStatus, Origin, open_consignas
from storage.people import Person, all_people, person_names


class Outcome(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    CLOSED = "closed"
    NOT_HOLDER = "not_holder"
    SUPERVISORS_ONLY = "supervisors_only"
    ALREADY_HELD = "already_held"


@dataclass(frozen=True)
class Draft:
    text: str
    assignee: Person | None = None
    due_at: datetime | None = None
    site_code: str | None = None
    camera_code: str | None = None


@dataclass(frozen=True)
class DraftError:
    key: str  # catalogue key
    value: str = ""


def origin_for(role: str) -> Origin:
    return {Role.JEFE: Origin.JEFATURA, Role.COORDINADOR: Origin.COORDINACION}.get(Role(role), Origin.TURNO_ANTERIOR)


def parse_draft(
    words: list[str], *, author: Person, people: list[Person], places: dict[str, str], now: datetime, tz: ZoneInfo
) -> Draft | DraftError:
    """`/consigna <text> [@persona] [#sitio|#cámara] [!HH:MM | !dd/mm HH:MM]`, markers anywhere; a
    deadline already past is refused with the moment understood, for the author to write it again.

    `places` maps folded site and camera codes to "site" or "camera".
    """
    text_words, assignee, due_at, site, camera = [], None, None, None, None
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("@") and len(word) > 1:
            if Role(author.role) not in SUPERVISORS:
                return DraftError("consigna.assign_supervisors_only")
            wanted = fold(word[1:])
            matches = [p for p in people if fold(p.key) == wanted or fold(p.name.split()[0]) == wanted]
            if len(matches) != 1:
                return DraftError("consigna.unknown_person", word[1:])
            assignee = matches[0]
        elif word.startswith("#") and len(word) > 1:
            kind = places.get(fold(word[1:]))
            if kind is None:
                return DraftError("consigna.unknown_place", word[1:])
            site, camera = (word[1:], camera) if kind == "site" else (site, word[1:])
        elif word.startswith("!") and len(word) > 1:
            following = words[index + 1] if index + 1 < len(words) else ""
            due_at, used = _due(word[1:], following, now, tz)
            if due_at is None:
                return DraftError("consigna.bad_due", word[1:])
            if due_at <= now:  # posted overdue, it would be chased and escalated at once
                return DraftError("consigna.past_due", f"{due_at:%d/%m/%Y %H:%M}")
            index += used
        else:
            text_words.append(word)
        index += 1
    text = " ".join(text_words).strip()
    if len(text) < 3:
        return DraftError("consigna.usage")
    return Draft(text, assignee, due_at, site, camera)


def _due(first: str, following: str, now: datetime, tz: ZoneInfo) -> tuple[datetime | None, int]:
    """`!14:30` (the next 14:30 from now) or `!05/12 14:30`; returns the moment and extra words used."""
    local_now = now.astimezone(tz)
    clock = parse_clock(first)
    if clock is not None:
        moment = datetime.combine(local_now.date(), clock, tz)
        return (moment if moment > local_now else moment + timedelta(days=1)), 0
    day, clock = parse_day(first, local_now.date()), parse_clock(following)
    if day is None or clock is None:
        return None, 0
    return datetime.combine(day, clock, tz), 1


def may_close(consigna: Consigna, person: Person) -> bool:
    """Only the holder or a supervisor; an untaken consigna may be closed by any technician on duty."""
    return consigna.holder_id in (None, person.id) or Role(person.role) in SUPERVISORS


async def _record(
    session: AsyncSession,
    consigna: Consigna,
    kind: str,
    person: Person | None,
    now: datetime,
    text: str | None = None,
    photo: str | None = None,
) -> None:
    session.add(consigna)
    await session.flush()
    session.add(
        ConsignaEvent(
            consigna_id=consigna.id, at=now, person_id=person.id if person else None, kind=kind, text=text, photo=photo
        )
    )  # type: ignore[arg-type]
    await audit.record(
        session,
        f"consigna.{kind}",
        now=now,
        actor=person,
        object_type="consigna",
        object_id=consigna.id,
        detail={"text": text} if text else None,
    )


async def create_in(
    session: AsyncSession,
    draft: Draft,
    author: Person | None,
    now: datetime,
    *,
    origin: Origin,
    source_ref: str | None = None,
) -> Consigna:
    """In the caller's unit of work, which queues the consigna's message (bot/consignas_board.py show); an
    accepted information request becomes a consigna with it."""
    consigna = Consigna(
        text=draft.text,
        origin=origin,
        source_ref=source_ref,
        created_at=now,
        created_by_id=author.id if author else None,
        holder_id=draft.assignee.id if draft.assignee else None,
        due_at=draft.due_at,
        site_code=draft.site_code,
        camera_code=draft.camera_code,
    )
    await _record(session, consigna, "creada", author, now, draft.text)
    return consigna


async def _close(
    session: AsyncSession,
    consigna: Consigna,
    person: Person,
    now: datetime,
    *,
    done: bool,
    text: str | None,
    photo: str | None = None,
) -> None:
    if done:
        consigna.status, consigna.result, consigna.result_photo = ConsignaStatus.CUMPLIDA, text, photo
        consigna.holder_id = consigna.holder_id or person.id
    else:
        consigna.status, consigna.cancel_reason = ConsignaStatus.CANCELADA, text
    consigna.closed_at, consigna.closed_by_id = now, person.id
    await _record(session, consigna, "cumplida" if done else "cancelada", person, now, text, photo)


async def close_with_its_case(
    session: AsyncSession, consigna_id: int, person: Person, now: datetime, *, done: bool, text: str
) -> Consigna | None:
    """A consigna made for a case (an information request) that just ended, in the case's unit of
    work: done when the case was answered, cancelled otherwise, by whoever ended the case. None when
    it was closed already."""
    consigna = await session.get(Consigna, consigna_id)
    if consigna is None or consigna.status != ConsignaStatus.ABIERTA:
        return None
    await _close(session, consigna, person, now, done=done, text=text)
    return consigna


async def change(
    session: AsyncSession,
    consigna_id: int,
    person: Person,
    action: str,
    now: datetime,
    text: str | None = None,
    photo: str | None = None,
) -> tuple[Outcome, Consigna | None]:
    """take / note / done / cancel, checked against the consigna as it is in the database now, in the
    caller's unit of work: the one that queues the consigna's message as it becomes."""
    consigna = await session.get(Consigna, consigna_id)
    if consigna is None:
        return Outcome.NOT_FOUND, None
    if consigna.status != ConsignaStatus.ABIERTA:
        return Outcome.CLOSED, consigna
    if action == "take":
        if consigna.holder_id == person.id:
            return Outcome.ALREADY_HELD, consigna
        consigna.holder_id = person.id
        await _record(session, consigna, "tomada", person, now)
    elif action == "note":
        await _record(session, consigna, "nota", person, now, text)
    elif action == "done":
        if not may_close(consigna, person):
            return Outcome.NOT_HOLDER, consigna
        await _close(session, consigna, person, now, done=True, text=text, photo=photo)
    elif action == "cancel":
        if Role(person.role) not in SUPERVISORS:
            return Outcome.SUPERVISORS_ONLY, consigna
        await _close(session, consigna, person, now, done=False, text=text)
    else:
        raise ValueError(action)
    return Outcome.OK, consigna


async def hand_to(session: AsyncSession, services: Services, consigna_id: int, person: Person) -> Consigna | None:
    """An accepted handover makes the incoming technician the holder, in the caller's unit of work,
    and tells whoever held it, as taking it over does; returns the consigna when it changed hands
    (its message must say so)."""
    consigna = await session.get(Consigna, consigna_id)
    if consigna is None or consigna.status != ConsignaStatus.ABIERTA:
        return None
    holder_id, consigna.holder_id = consigna.holder_id, person.id
    await _record(session, consigna, "aceptada", person, services.now())
    if holder_id is not None and holder_id != person.id:
        await tell_taken_over(session, services, consigna, holder_id, person)
    return consigna


async def tell_taken_over(
    session: AsyncSession, services: Services, consigna: Consigna, holder_id: int, taker: Person
) -> None:
    """Whoever held a consigna that passed to someone else hears of it privately, in the unit of work
    that moved it: a hand-over between shifts is never silent."""
    holder = await session.get(Person, holder_id)
    if holder is None:
        return
    text = t(holder.language, "consigna.taken_over", name=taker.name, id=consigna.id, text=consigna.text)
    key = f"consigna:{consigna.id}:taken:{services.now():%Y%m%dT%H%M%S}"
    await notices.tell(session, services, holder, text, key=key)


async def draft_from(services: Services, words: list[str], author: Person) -> Draft | DraftError:
    """`/consigna`'s words read against the unit: its active people, sites and cameras."""
    async with services.db.read() as session:
        people = [p for p in await all_people(session) if p.active]
    unit = services.unit
    places = {fold(s.code): "site" for s in unit.sites} | {fold(c.code): "camera" for c in unit.cameras}
    return parse_draft(words, author=author, people=people, places=places, now=services.now(), tz=services.tz)


async def current(services: Services, consigna_id: int) -> tuple[Consigna | None, dict[int, str]]:
    """A consigna as it is now, with the names of the people (a button is checked against this)."""
    async with services.db.read() as session:
        return await session.get(Consigna, consigna_id), await person_names(session)


async def open_list(services: Services) -> list[Consigna]:
    async with services.db.read() as session:
        return await open_consignas(session)


async def overdue(services: Services, stage: str, delay: timedelta) -> list[Consigna]:
    """Open consignas `delay` past their deadline, not yet reminded ("overdue_reminded_at") or escalated."""
    now = services.now()
    async with services.db.read() as session:
        return [
            c
            for c in await open_consignas(session)
            if c.due_at and c.due_at + delay <= now and getattr(c, stage) is None
        ]


async def claim(session: AsyncSession, services: Services, consigna: Consigna, stage: str) -> bool:
    """Stamp the stage once, in the caller's unit of work, which queues the notices it owes."""
    return await claim_once(session, Consigna, consigna.id, stage, services.now())  # type: ignore[arg-type]
