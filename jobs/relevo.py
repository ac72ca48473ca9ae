"""Every minute: prompt the outgoing shift, remind and escalate unaccepted handovers, summarise ended
shifts for the chief. Each notice is claimed in the database before it is sent, so it goes out once,
and the first run at start-up catches up on whatever fell due while the bot was down.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.error import TelegramError

from bot import notices, relevo, turnos
from bot.context import VigiaContext
from bot.i18n import t
from bot.relevo_render import summary_text
from bot.roles import Role
from bot.shifts import local_time, slot_at
from bot.telegram_io import tell, tell_each
from jobs.common import Job
from storage.notices import Record
from storage.people import escalation_contacts, linked_with_role, person_names
from storage.relevo import Handover

log = logging.getLogger(__name__)
INTERVAL_S = 60
SUMMARY_CATCH_UP = timedelta(hours=24)


async def tick(context: VigiaContext) -> None:
    for step in (remind, escalate, prompt_outgoing, summarise):
        try:
            await step(context)
        except TelegramError:  # Telegram is down: the claims were released, the next minute retries
            log.exception("relevo job step %s failed", step.__name__)


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
    if not await turnos.claim_notice(services, slot, "prompt"):
        return
    on_duty = (await turnos.duty(services, slot)).people
    await tell_each(context.bot, on_duty, "relevo.prompt", shift=slot.name, end=f"{slot.end:%H:%M}")


async def summarise(context: VigiaContext) -> None:
    """After each shift, the chief gets its summary privately, once, even if the bot was down then."""
    services = context.services
    for slot in await turnos.ended_since_install(services, SUMMARY_CATCH_UP):
        async with turnos.once(services, slot.key, "summary") as first:
            if not first:
                continue
            touched, still_open, handover = await relevo.shift_summary_data(services, slot)
            async with services.db.read() as session:
                names = await person_names(session)
                chiefs = await linked_with_role(session, Role.JEFE)
            for chief in chiefs:
                text = summary_text(slot, touched, still_open, handover, names, chief.language, services.tz)
                await tell(context.bot, chief, text)


JOBS = (Job("relevo.tick", tick, every_s=INTERVAL_S, catch_up=True),)
