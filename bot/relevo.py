"""The shift handover (relevo): every open item is handed over and accepted by name.

Sections are the one extension point: each workflow that has open items contributes a Section
(its items, and what accepting one means). Consignas are the first; anomalies and faults add
theirs to SECTIONS when they land. A section is shown only when its workflow exists, so the
handover never claims "no open anomalies" before anomalies are tracked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import anomalias, audit, consignas, consignas_board, fallas
from bot.consignas_render import holder_name
from bot.fallas_mail import target_name
from bot.roles import SUPERVISORS, Role
from bot.services import Services
from bot.shifts import Slot, previous_slot, slot_at, slot_named
from storage.claims import claim as claim_once
from storage.consignas import Consigna, consignas_between
from storage.people import Person, person_names
from storage.relevo import Handover, HandoverItem, handover_of_slot, items_of, open_handovers


@dataclass(frozen=True)
class ItemDraft:
    ref: str
    label: str


@dataclass(frozen=True)
class Section:
    kind: str
    open_items: Callable[[Services], Awaitable[list[ItemDraft]]]
    accept: Callable[[Services, str, Person], Awaitable[None]]
    listing: str  # the command that lists them all: where a handover too long to list each one sends its reader


async def _open_consignas(services: Services) -> list[ItemDraft]:
    language = services.unit.language
    async with services.db.read() as session:
        names = await person_names(session)
    return [
        ItemDraft(str(c.id), f"#{c.id} {c.text} · {holder_name(c, names, language)}")
        for c in await consignas.open_list(services)
    ]


async def _accept_consigna(services: Services, ref: str, person: Person) -> None:
    """The new holder, and the edit of the consigna's message that names them, in one unit of work."""
    async with services.db.write() as session:
        consigna = await consignas.hand_to(session, services, int(ref), person)
        if consigna is not None:
            await consignas_board.show(session, services, consigna)


async def _open_anomalies(services: Services) -> list[ItemDraft]:
    return [
        ItemDraft(
            str(a.id),
            f"{a.number} {services.unit.category_name(a.category)} · "
            f"{services.unit.site_name(a.site_code)} · {a.status}",
        )
        for a in await anomalias.open_list(services)
    ]


async def _accept_anomaly(services: Services, ref: str, person: Person) -> None:
    await anomalias.note_handed_over(services, int(ref), person)


async def _open_faults(services: Services) -> list[ItemDraft]:
    return [
        ItemDraft(str(f.id), f"{f.number} {target_name(f, services.unit)} · {f.stage}")
        for f in await fallas.open_list(services)
    ]


async def _accept_fault(services: Services, ref: str, person: Person) -> None:
    await fallas.note_handed_over(services, int(ref), person)


SECTIONS: tuple[Section, ...] = (
    Section("consigna", _open_consignas, _accept_consigna, "/consignas"),
    Section("anomalia", _open_anomalies, _accept_anomaly, "/anomalias"),
    Section("falla", _open_faults, _accept_fault, "/fallas"),
)


class Acceptance(StrEnum):
    OK = "ok"
    COMPLETE = "complete"
    ALREADY = "already"
    NOT_FOUND = "not_found"
    NOT_INCOMING = "not_incoming"
    OWN = "own"


def outgoing_slot(services: Services, now: datetime) -> Slot:
    """Early in a shift, /relevo hands over the shift that just ended; later, the current one."""
    shifts, tz = services.unit.shifts, services.tz
    current = slot_at(shifts, now, tz)
    early = now - current.start < (current.end - current.start) / 2
    return previous_slot(shifts, now, tz) if early else current


def slot_of(services: Services, key: str) -> Slot:
    day, name = key.split("/", 1)
    slot = slot_named(services.unit.shifts, datetime.fromisoformat(day).date(), name, services.tz)
    if slot is None:  # the shift was renamed in the unit file since: treat it as ending now
        now = services.now()
        return Slot(now.date(), name, now, now)
    return slot


def may_accept(person: Person, handover: Handover, incoming: list[Person]) -> Acceptance | None:
    """None when `person` may accept; otherwise why not. Never the one handing over, whatever their role."""
    if person.id == handover.from_person_id:
        return Acceptance.OWN
    if Role(person.role) in SUPERVISORS:
        return None
    if incoming and person.id not in {p.id for p in incoming}:
        return Acceptance.NOT_INCOMING
    return None if Role(person.role) == Role.TECNICO else Acceptance.NOT_INCOMING


class Composed(StrEnum):
    NEW = "new"
    UPDATED = "updated"  # the open one, with the notes given and what was opened since
    OPEN = "open"  # the open one, as it was
    ACCEPTED = "accepted"  # the shift's handover, accepted already: left as it is
    NOTED = "noted"  # the shift's handover, accepted already, with the notes given added (relevo_board)


async def compose(services: Services, person: Person, notes: str) -> tuple[Handover, Composed]:
    """The open handover of the outgoing shift, brought up to date, or a new one. A second /relevo adds
    its notes, and whatever was opened since the first (a consigna, an anomaly, a fault) as items.
    Once the shift's handover is accepted it stays the shift's one (ACCEPTED): a new one would have
    to be accepted again, and the chief's summary would say the shift's was not."""
    now = services.now()
    outgoing = outgoing_slot(services, now)
    incoming = slot_at(services.unit.shifts, outgoing.end, services.tz)
    drafts = [(section.kind, item) for section in SECTIONS for item in await section.open_items(services)]
    async with services.db.write() as session:
        existing = await handover_of_slot(session, outgoing.key)
        if existing is not None and existing.accepted_at is not None:
            return existing, Composed.ACCEPTED
        if existing is not None:
            known = {(item.kind, item.ref) for item in await items_of(session, existing.id)}  # type: ignore[arg-type]
            new = [(kind, item) for kind, item in drafts if (kind, item.ref) not in known]
            session.add_all(
                HandoverItem(handover_id=existing.id, kind=kind, ref=item.ref, label=item.label)  # type: ignore[arg-type]
                for kind, item in new
            )
            if notes:
                _add_notes(session, existing, notes)
            return existing, Composed.UPDATED if new or notes else Composed.OPEN
        handover = Handover(
            slot_key=outgoing.key, incoming_slot_key=incoming.key, from_person_id=person.id, notes=notes, created_at=now
        )  # type: ignore[arg-type]
        session.add(handover)
        await session.flush()
        session.add_all(
            HandoverItem(handover_id=handover.id, kind=kind, ref=item.ref, label=item.label)  # type: ignore[arg-type]
            for kind, item in drafts
        )
        await audit.record(
            session,
            "relevo.created",
            now=now,
            actor=person,
            object_type="handover",
            object_id=handover.id,
            detail={"items": len(drafts), "slot": outgoing.key},
        )
    return handover, Composed.NEW


def _add_notes(session: AsyncSession, handover: Handover, notes: str) -> None:
    """Under the earlier ones: the handover keeps every note it was given."""
    handover.notes = f"{handover.notes}\n{notes}" if handover.notes else notes
    session.add(handover)


async def note_accepted(
    session: AsyncSession, services: Services, handover_id: int, person: Person, notes: str
) -> None:
    """A note for a handover accepted already, kept with it, in the caller's unit of work (which
    owes its post)."""
    handover = await session.get(Handover, handover_id)
    assert handover is not None
    _add_notes(session, handover, notes)
    await audit.record(
        session, "relevo.noted", now=services.now(), actor=person, object_type="handover", object_id=handover_id
    )


async def load(services: Services, handover_id: int) -> tuple[Handover | None, list[HandoverItem]]:
    async with services.db.read() as session:
        handover = await session.get(Handover, handover_id)
        return handover, (await items_of(session, handover_id) if handover else [])


async def accept(
    services: Services, handover_id: int, item_id: int | None, person: Person, incoming: list[Person]
) -> tuple[Acceptance, list[HandoverItem]]:
    """Accept one item, or all (`item_id` None); the handover is complete when nothing is left."""
    now = services.now()
    accepted: list[HandoverItem] = []
    async with services.db.write() as session:
        handover = await session.get(Handover, handover_id)
        if handover is None:
            return Acceptance.NOT_FOUND, []
        refusal = may_accept(person, handover, incoming)
        if refusal is not None:
            return refusal, []
        items = await items_of(session, handover_id)
        chosen = [i for i in items if item_id is None or i.id == item_id]
        accepted = [i for i in chosen if i.accepted_at is None]
        if handover.accepted_at is not None or (item_id is not None and not accepted):
            return Acceptance.ALREADY, []
        for item in accepted:
            item.accepted_at, item.accepted_by_id = now, person.id
            session.add(item)
        complete = all(i.accepted_at is not None for i in items)
        if complete:
            handover.accepted_at, handover.accepted_by_id = now, person.id
            session.add(handover)
        await audit.record(
            session,
            "relevo.accepted",
            now=now,
            actor=person,
            object_type="handover",
            object_id=handover_id,
            detail={"items": [i.id for i in accepted], "complete": complete},
        )
    kinds = {section.kind: section for section in SECTIONS}
    for item in accepted:
        await kinds[item.kind].accept(services, item.ref, person)
    return (Acceptance.COMPLETE if complete else Acceptance.OK), accepted


async def due(services: Services, stage: str) -> list[Handover]:
    """Open handovers whose reminder ("reminded_at") or escalation ("escalated_at") fell due."""
    now, rules = services.now(), services.unit.relevo
    delay = timedelta(minutes=rules.remind_after if stage == "reminded_at" else rules.escalate_after)
    async with services.db.read() as session:
        return [h for h in await open_handovers(session) if getattr(h, stage) is None and h.created_at + delay <= now]


async def claim(session: AsyncSession, services: Services, handover: Handover, stage: str) -> bool:
    """Stamp the stage once, in the caller's unit of work, which queues the notices it owes."""
    return await claim_once(session, Handover, handover.id, stage, services.now())  # type: ignore[arg-type]


async def shift_summary_data(services: Services, slot: Slot) -> tuple[list[Consigna], int, Handover | None]:
    """Consignas touched during the shift, how many are still open, and the shift's handover."""
    async with services.db.read() as session:
        touched = await consignas_between(session, slot.start, slot.end)
        handover = await handover_of_slot(session, slot.key)
    still_open = sum(1 for c in await consignas.open_list(services) if c.created_at < slot.end)
    return touched, still_open, handover
