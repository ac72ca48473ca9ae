"""Faults over time: a vendor that has not answered is chased (once), and vendor replies that
arrive by e-mail join their fault."""

from __future__ import annotations

from bot import fallas
from bot.context import VigiaContext
from bot.fallas_mail import target_name
from bot.i18n import t
from bot.mail.inbox import register_reply_handler
from bot.telegram_io import tell
from jobs.common import Job
from storage.people import escalation_contacts

INTERVAL_S = 300

register_reply_handler("F-", fallas.record_vendor_reply)


async def vendor_silence(context: VigiaContext) -> None:
    services = context.services
    hours = services.unit.fallas.vendor_reply_hours
    silent = await fallas.claim_vendor_silence(services, hours)
    if not silent:
        return
    async with services.db.read() as session:
        coordinators = await escalation_contacts(session)
    for fault in silent:
        for person in coordinators:
            await tell(
                context.bot,
                person,
                t(
                    person.language,
                    "falla.vendor_silent",
                    number=fault.number,
                    target=target_name(fault, services.unit),
                    hours=round(hours, 1),
                ),
            )


JOBS = (Job("fallas.vendor_silence", vendor_silence, every_s=INTERVAL_S, catch_up=True),)
