"""Every minute: prompt the outgoing shift, remind and escalate unaccepted handovers, summarise ended
shifts for the chief. Each notice is claimed and queued in the Telegram outbox in one unit of work,
so it goes out once whatever Telegram does, and the first run at start-up catches up on whatever
fell due while the bot was down.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot import notices, relevo, turnos
from bot.context import VigiaContext
from bot.i18n import t
from bot.relevo_render import summary_text
from bot.roles import Role
from bot.shifts import local_time, slot_at
from jobs.common import Job
from storage.notices import Record
from storage.people import escalation_contacts, linked_with_role, person_names
from storage.relevo import Handover

log = logging.getLogger(__name__)
INTERVAL_S = 60
SUMMARY_CATCH_UP = timedelta(hours=24)


async def tick(context: VigiaContext) -> None:
    for step in (remind, escalate, prompt_outgoing, summarise):
        await step(context)


async def remind(context: VigiaContext) -> None:
    """The group (as a reply to the handover) and the incoming technicians, once, from the outbox."""
    services = context.services
    language, minutes = services.unit.language, services.unit.relevo.remind_after
    for handover in await relevo.due(services, "reminded_at"):
        incoming = await turnos.duty(services, relevo.slot_of(services, handover.incoming_slot_key))
        names = ", ".join(p.name for p in incoming.people) or t(language, "relevo.section_empty")
        outgoing = relevo.slot_of(services, handover.slot_key)
        key = f"relevo:{handover.id}:reminder"
        async with services.db.write() as session:
            if not await relevo.claim(session, services, handover, "reminded_at"):
                continue
            text = t(language, "relevo.reminder_group", minutes=minutes, names=names)
            await notices.post(session, services, "consignas", text, key=key, reply_to=Record.of(Handover, handover.id))
            await notices.tell_each(
                session,
                services,
                incoming.people,
                "relevo.reminder_private",
                key=key,
                outgoing=outgoing.name,
                minutes=minutes,
            )


async def escalate(context: VigiaContext) -> None:
    services = context.services
    for handover in await relevo.due(services, "escalated_at"):
        incoming = await turnos.duty(services, relevo.slot_of(services, handover.incoming_slot_key))
        outgoing = relevo.slot_of(services, handover.slot_key)
        async with services.db.write() as session:
            if not await relevo.claim(session, services, handover, "escalated_at"):
                continue
            names = await person_names(session)
            await notices.tell_each(
                session,
                services,
                await escalation_contacts(session),
                "relevo.escalation",
                key=f"relevo:{handover.id}:escalation",
                outgoing=outgoing.name,
                name=names.get(handover.from_person_id, ""),
                time=local_time(handover.created_at, services.tz, services.now()),
                minutes=services.unit.relevo.escalate_after,
                names=", ".join(p.name for p in incoming.people) or "-",
            )


async def prompt_outgoing(context: VigiaContext) -> None:
    """A few minutes before a shift ends, ask whoever is on it to hand over."""
    services = context.services
    now = services.now()
    slot = slot_at(services.unit.shifts, now, services.tz)
    if now < slot.end - timedelta(minutes=services.unit.relevo.prompt_before_end):
        return
    if await turnos.already_sent(services, slot.key, "prompt"):
        return
    on_duty = (await turnos.duty(services, slot)).people
    async with turnos.once(services, slot.key, "prompt") as session:
        if session is not None:
            values = {"shift": slot.name, "end": f"{slot.end:%H:%M}"}
            await notices.tell_each(
                session, services, on_duty, "relevo.prompt", key=f"relevo:prompt:{slot.key}", **values
            )


async def summarise(context: VigiaContext) -> None:
    """After each shift, the chief gets its summary privately, once, even if the bot was down then."""
    services = context.services
    for slot in await turnos.ended_since_install(services, SUMMARY_CATCH_UP):
        if await turnos.already_sent(services, slot.key, "summary"):
            continue
        touched, still_open, handover = await relevo.shift_summary_data(services, slot)
        async with turnos.once(services, slot.key, "summary") as session:
            if session is None:
                continue
            names = await person_names(session)
            for chief in await linked_with_role(session, Role.JEFE):
                text = summary_text(slot, touched, still_open, handover, names, chief.language, services.tz)
                await notices.tell(session, services, chief, text, key=f"relevo:summary:{slot.key}")


JOBS = (Job("relevo.tick", tick, every_s=INTERVAL_S, catch_up=True),)
