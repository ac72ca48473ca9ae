"""Request deadlines over time: reminders at half time, the working day before and when overdue,
to the chief and the coordinators; and a warning, once, when the video asked for is about to be
overwritten by the recorder. Each once, caught up after downtime."""

from __future__ import annotations

from bot import notices, solicitudes, turnos
from bot.context import VigiaContext
from bot.i18n import t
from bot.solicitudes_rules import overwritten_on, reminders
from jobs.common import Job
from storage.people import escalation_contacts, linked_with_role

INTERVAL_S = 900


async def deadlines(context: VigiaContext) -> None:
    services = context.services
    today = solicitudes.today(services)
    async with services.db.read() as session:
        readers = {p.id: p for p in await linked_with_role(session, "jefe") + await escalation_contacts(session)}
    for request in await solicitudes.open_list(services):
        planned = reminders(request.received_on, request.due_on, solicitudes.days_off(services))
        due = [kind for day, kind in planned if day <= today]
        if not due:
            continue
        latest = due[-1]  # after downtime only the most urgent one is worth sending
        key = f"{request.number}:{latest}"
        if await turnos.already_sent(services, key, "solicitud"):
            continue
        async with turnos.once(services, key, "solicitud") as session:
            if session is not None:
                for person in readers.values():
                    language, when = person.language, f"{request.due_on:%d/%m/%Y}"
                    state = t(language, f"solicitud.state.{request.state}")
                    text = t(language, f"solicitud.reminder.{latest}", number=request.number, state=state, due=when)
                    await notices.tell(session, services, person, text, key=f"solicitud:{key}")


async def retention(context: VigiaContext) -> None:
    services = context.services
    async with services.db.read() as session:
        readers = await escalation_contacts(session)
    for request in await solicitudes.open_list(services):
        if not solicitudes.at_risk(services, request) or request.window_start is None:
            continue
        start = request.window_start.astimezone(services.tz).date()
        gone = overwritten_on(start, solicitudes.retention_days(services, request.site_code))
        async with turnos.once(services, request.number, "retencion") as session:
            if session is None:
                continue
            await notices.tell_each(
                session,
                services,
                readers,
                "solicitud.retention_warning",
                key=f"solicitud:{request.number}:retencion",
                number=request.number,
                date=f"{gone:%d/%m/%Y}",
            )


JOBS = (
    Job("solicitudes.deadlines", deadlines, every_s=INTERVAL_S, catch_up=True),
    Job("solicitudes.retention", retention, every_s=INTERVAL_S, catch_up=True),
)
