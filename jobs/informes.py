"""The chief's paperwork on schedule: the 15-day report the day after each period, the daily
digest, and Monday's availability chart; each once, and caught up on start after downtime."""

from __future__ import annotations

from bot import access, notices, turnos
from bot.cameras.evidence import keep
from bot.context import VigiaContext
from bot.i18n import phrase, t
from bot.informes_digest import due, week_chart, yesterday
from bot.informes_review import due_report
from jobs.common import Job
from storage.evidence import EvidenceKind
from storage.notices import NoticeKind
from storage.people import linked_with_role

INTERVAL_S = 300
MONDAY = 0


async def report(context: VigiaContext) -> None:
    await due_report(context.services)


async def daily_digest(context: VigiaContext) -> None:
    services = context.services
    today = due(services, services.unit.informes.daily_digest_at)
    if today is None or await turnos.already_sent(services, today.isoformat(), "resumen_diario"):
        return
    figures = await yesterday(services, today)
    async with turnos.once(services, today.isoformat(), "resumen_diario") as session:
        if session is not None:
            readers = await linked_with_role(session, "jefe") + await linked_with_role(session, "coordinador")
            values = {k: v for k, v in vars(figures).items() if k != "day"}
            digest = phrase("informe.digest", day=f"{figures.day:%d/%m/%Y}", **values)
            await notices.tell_each(session, services, readers, digest, key=f"informe:resumen:{today.isoformat()}")


async def weekly_availability(context: VigiaContext) -> None:
    services = context.services
    monday = due(services, services.unit.informes.weekly_availability_at, weekday=MONDAY)
    week = f"{monday:%G-W%V}" if monday else ""
    if monday is None or await turnos.already_sent(services, week, "disponibilidad_semanal"):
        return
    if not await access.linked(services.db, "jefe"):
        return  # nobody to show it to yet: the first chief linked this week gets it
    chart = await week_chart(services, monday)
    kept = None
    if chart is not None:  # kept like any document the unit hands out, so the outbox can send it later
        kept = await keep(
            services, chart, kind=EvidenceKind.PHOTO, captured_at=services.now(), requester=None, suffix=".png"
        )
    async with turnos.once(services, week, "disponibilidad_semanal") as session:
        if session is None:
            return
        key = f"informe:semanal:{week}"
        for chief in await linked_with_role(session, "jefe"):
            if kept is None:
                await notices.tell(session, services, chief, t(chief.language, "informe.weekly_no_data"), key=key)
            else:
                caption = t(chief.language, "informe.weekly_caption")
                await notices.hand(
                    session, services, chief, kept.id, key=f"{key}:{chief.id}", kind=NoticeKind.PHOTO, caption=caption
                )


JOBS = (
    Job("informes.report", report, every_s=INTERVAL_S, catch_up=True),
    Job("informes.daily_digest", daily_digest, every_s=INTERVAL_S, catch_up=True),
    Job("informes.weekly_availability", weekly_availability, every_s=INTERVAL_S, catch_up=True),
)
