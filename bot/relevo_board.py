"""The handover's one message in the consignas topic: posted when /relevo composes it, then edited as
the incoming shift accepts its items, with a button for each item still open and one for all.

The message goes through the Telegram outbox (bot/notices.py), owed before anyone is answered: once
stored, a refusal or a crash delays it, never loses it. The rules of composing and accepting stay in
bot/relevo.py; this module is what /relevo and its buttons call (handlers/relevo.py)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import notices, relevo, turnos
from bot.i18n import phrase, t
from bot.relevo import Acceptance, Composed
from bot.relevo_render import handover_text, summary_text
from bot.roles import Role
from bot.services import Services
from bot.shifts import local_time, slot_at
from bot.turnos import Duty
from storage.notices import Record
from storage.people import Person, escalation_contacts, person_names
from storage.relevo import Handover, HandoverItem

TOPIC = "consignas"
BUTTONS_PER_ROW = 4
SUMMARY_CATCH_UP = timedelta(hours=24)


@dataclass(frozen=True)
class Accepted:
    """What a press on the handover did, and what its answer names: who was expected to accept."""

    outcome: Acceptance
    receivers: list[Person] = field(default_factory=list)
    items: list[HandoverItem] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.outcome in (Acceptance.OK, Acceptance.COMPLETE)


def keyboard(
    handover: Handover, items: list[HandoverItem], listed: set[int], language: str
) -> InlineKeyboardMarkup | None:
    """A button for each open item the message lists (`listed`: handover_text's), and one for all."""
    if handover.accepted_at is not None:
        return None
    singles = [
        InlineKeyboardButton(t(language, "relevo.button.item", n=n), callback_data=f"rlv:{handover.id}:{item.id}")
        for n, item in enumerate(items, start=1)
        if item.accepted_at is None and item.id in listed
    ]
    rows = [singles[i : i + BUTTONS_PER_ROW] for i in range(0, len(singles), BUTTONS_PER_ROW)]
    rows.append([InlineKeyboardButton(t(language, "relevo.button.all"), callback_data=f"rlv:{handover.id}:all")])
    return InlineKeyboardMarkup(rows)


async def _incoming(services: Services, handover: Handover) -> Duty:
    """The incoming shift on duty: those who may accept, and whom the message names."""
    return await turnos.duty(services, relevo.slot_of(services, handover.incoming_slot_key))


async def _show(services: Services, handover_id: int) -> None:
    """Owe the handover's message as it is now (posted the first time, edited after)."""
    handover, items = await relevo.load(services, handover_id)
    assert handover is not None
    incoming = await _incoming(services, handover)
    async with services.db.read() as session:
        names = await person_names(session)
    text, listed = handover_text(
        handover,
        items,
        relevo.slot_of(services, handover.slot_key),
        incoming.slot,
        incoming.people,
        names,
        services.unit.language,
        services.now(),
        services.tz,
    )
    markup = keyboard(handover, items, listed, services.unit.language)
    async with services.db.write() as session:
        await notices.show(session, services, Record.of(Handover, handover.id), TOPIC, text, markup)


async def hand_over(services: Services, person: Person, notes: str) -> tuple[Handover, Composed]:
    """/relevo: the outgoing shift's handover, composed (or the open one, brought up to date) and its
    message owed. A handover stored but never shown (a crash in between) is shown now. Notes for one
    accepted already are added to it, and posted as a reply to it: its message, edited, notifies nobody."""
    handover, composed = await relevo.compose(services, person, notes)
    if composed is Composed.ACCEPTED and notes:
        async with services.db.write() as session:
            await relevo.note_accepted(session, services, handover.id, person, notes)  # type: ignore[arg-type]
            text = t(services.unit.language, "relevo.noted_group", name=person.name, notes=notes)
            key, record = f"relevo:{handover.id}:note:{services.now().isoformat()}", Record.of(Handover, handover.id)
            await notices.post(session, services, TOPIC, text, key=key, reply_to=record)
        composed = Composed.NOTED
    if composed is not Composed.OPEN or handover.message_id is None:
        await _show(services, handover.id)  # type: ignore[arg-type]
    return handover, composed


async def accept(services: Services, handover_id: int, item_id: int | None, person: Person) -> Accepted:
    """One item, or all (`item_id` None), accepted by someone of the incoming shift; the message is
    owed as it now is before they are answered. A press on what was accepted already redraws it
    too: the acceptance and the message's edit are two units of work, and a crash between them left
    old buttons that only said "already"."""
    handover, _ = await relevo.load(services, handover_id)
    if handover is None:
        return Accepted(Acceptance.NOT_FOUND)
    receivers = (await _incoming(services, handover)).people
    outcome, items = await relevo.accept(services, handover_id, item_id, person, receivers)
    accepted = Accepted(outcome, receivers, items)
    if accepted.done or outcome is Acceptance.ALREADY:
        await _show(services, handover_id)
    return accepted


async def remind_unaccepted(services: Services) -> None:
    """A handover not accepted in time: the group (as a reply to the handover) and the incoming
    technicians, once, from the outbox: claimed and queued in one unit of work."""
    language, minutes = services.unit.language, services.unit.relevo.remind_after
    for handover in await relevo.due(services, "reminded_at"):
        incoming = await _incoming(services, handover)
        names = ", ".join(p.name for p in incoming.people) or t(language, "relevo.section_empty")
        outgoing = relevo.slot_of(services, handover.slot_key)
        key = f"relevo:{handover.id}:reminder"
        async with services.db.write() as session:
            if not await relevo.claim(session, services, handover, "reminded_at"):
                continue
            text = t(language, "relevo.reminder_group", minutes=minutes, names=names)
            await notices.post(session, services, TOPIC, text, key=key, reply_to=Record.of(Handover, handover.id))
            waiting = phrase("relevo.reminder_private", outgoing=outgoing.name, minutes=minutes)
            await notices.tell_each(session, services, incoming.people, waiting, key=key)


async def escalate_unaccepted(services: Services) -> None:
    """A handover still not accepted later: the coordinators are told, once, claimed and queued in
    one unit of work."""
    for handover in await relevo.due(services, "escalated_at"):
        incoming = await _incoming(services, handover)
        outgoing = relevo.slot_of(services, handover.slot_key)
        async with services.db.write() as session:
            if not await relevo.claim(session, services, handover, "escalated_at"):
                continue
            names = await person_names(session)
            unaccepted = phrase(
                "relevo.escalation",
                outgoing=outgoing.name,
                name=names.get(handover.from_person_id, ""),
                time=local_time(handover.created_at, services.tz, services.now()),
                minutes=services.unit.relevo.escalate_after,
                names=", ".join(p.name for p in incoming.people) or "-",
            )
            coordinators = await escalation_contacts(session)
            await notices.escalate(
                session, services, coordinators, TOPIC, unaccepted, key=f"relevo:{handover.id}:escalation"
            )


async def prompt_outgoing(services: Services) -> None:
    """A few minutes before a shift ends, ask whoever is on it to hand over, once per shift."""
    now = services.now()
    slot = slot_at(services.unit.shifts, now, services.tz)
    if now < slot.end - timedelta(minutes=services.unit.relevo.prompt_before_end):
        return
    if await turnos.already_sent(services, slot.key, "prompt"):
        return
    on_duty = (await turnos.duty(services, slot)).people
    async with turnos.once(services, slot.key, "prompt") as session:
        if session is not None:
            prompt = phrase("relevo.prompt", shift=slot.name, end=f"{slot.end:%H:%M}")
            await notices.tell_each(session, services, on_duty, prompt, key=f"relevo:prompt:{slot.key}")


async def summarise_ended_shifts(services: Services) -> None:
    """After each shift, the chief gets its summary privately, once, even if the bot was down then
    (within SUMMARY_CATCH_UP). It waits for the handover to be accepted, or for the time after which
    the coordinators are told it was not: "who accepted" is what the chief reads it for. With no
    chief on Telegram, the coordinators get it."""
    settle = timedelta(minutes=services.unit.relevo.escalate_after)
    for slot in await turnos.ended_since_install(services, SUMMARY_CATCH_UP):
        if await turnos.already_sent(services, slot.key, "summary"):
            continue
        touched, still_open, handover = await relevo.shift_summary_data(services, slot)
        accepted = handover is not None and handover.accepted_at is not None
        if not accepted and services.now() < slot.end + settle:
            continue
        async with turnos.once(services, slot.key, "summary") as session:
            if session is None:
                continue
            names = await person_names(session)
            chiefs = await escalation_contacts(session, Role.JEFE)
            await notices.escalate(
                session,
                services,
                chiefs,
                TOPIC,
                functools.partial(summary_text, slot, touched, still_open, handover, names, tz=services.tz),
                key=f"relevo:summary:{slot.key}",
            )
