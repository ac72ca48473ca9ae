"""Faults over time: a vendor that has not answered is chased (once), and vendor replies that
arrive by e-mail join their fault."""

from __future__ import annotations

from pathlib import PurePosixPath

from bot import fallas, notices, turnos
from bot.bitacora import month_end, month_label
from bot.cameras.evidence import keep
from bot.context import VigiaContext
from bot.fallas_bitacora import documents, previous_month
from bot.fallas_mail import target_name
from bot.i18n import t
from bot.mail.inbox import register_reply_handler
from jobs.common import Job
from storage.audit import first_entry_at
from storage.evidence import EvidenceKind
from storage.people import escalation_contacts, linked_with_role

INTERVAL_S = 300
MONTHLY_HOUR = 7

register_reply_handler("F-", fallas.record_vendor_reply)


async def vendor_silence(context: VigiaContext) -> None:
    """The coordinators are told of a vendor that has not answered, once: claimed and queued in one
    unit of work, so a refusal delays the notice and the next run does not repeat it."""
    services = context.services
    hours = services.unit.fallas.vendor_reply_hours
    silent = await fallas.vendor_silent(services, hours)
    if not silent:
        return
    async with services.db.read() as session:
        coordinators = await escalation_contacts(session)
    for fault in silent:
        async with services.db.write() as session:
            if not await fallas.claim_vendor_reminder(session, services, fault):
                continue
            await notices.tell_each(
                session,
                services,
                coordinators,
                "falla.vendor_silent",
                key=f"falla:{fault.id}:vendor_silent",
                number=fault.number,
                target=target_name(fault, services.unit),
                hours=round(hours, 1),
            )


async def monthly_bitacora(context: VigiaContext) -> None:
    """From 07:00 on the 1st, last month's bitácora goes to the chief, once, even after downtime."""
    services = context.services
    now = services.now().astimezone(services.tz)
    if now.day == 1 and now.hour < MONTHLY_HOUR:
        return
    month = previous_month(now, services.tz)
    if await turnos.already_sent(services, f"{month:%Y-%m}", "bitacora"):  # the common case: cheap
        return
    async with services.db.read() as session:
        installed = await first_entry_at(session)
    files, count = await documents(services, month)
    existed = installed is not None and installed < month_end(month, services.tz)
    if not (count or existed):  # a month before the bot, with nothing in it: nothing to send
        return
    kept = [  # kept like any document the unit hands out, so the outbox can send them later
        (
            name,
            await keep(
                services,
                data,
                kind=EvidenceKind.DOCUMENT,
                captured_at=services.now(),
                requester=None,
                suffix=PurePosixPath(name).suffix,
            ),
        )
        for name, data in files
    ]
    async with turnos.once(services, f"{month:%Y-%m}", "bitacora") as session:
        if session is None:
            return
        key = f"falla:bitacora:{month:%Y-%m}"
        for chief in await linked_with_role(session, "jefe"):
            text = t(chief.language, "falla.bitacora_monthly", month=month_label(month))
            if not await notices.tell(session, services, chief, text, key=key):
                continue
            for name, evidence in kept:
                await notices.hand(
                    session,
                    services,
                    chief,
                    evidence.id,
                    key=f"{key}:{chief.id}:{name}",
                    filename=name,  # type: ignore[arg-type]
                )


JOBS = (
    Job("fallas.vendor_silence", vendor_silence, every_s=INTERVAL_S, catch_up=True),
    Job("fallas.monthly_bitacora", monthly_bitacora, every_s=INTERVAL_S, catch_up=True),
)
