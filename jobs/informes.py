"""The chief's paperwork on schedule: the 15-day report the day after each period, the daily
digest, and Monday's availability chart; each once, and caught up on start after downtime."""

from __future__ import annotations

from bot import turnos
from bot.context import VigiaContext
from bot.i18n import t
from bot.informes_digest import due, week_chart, yesterday
from bot.informes_review import due_report
from bot.telegram_io import tell, tell_each
from jobs.common import Job
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
    async with services.db.read() as session:
        readers = await linked_with_role(session, "jefe") + await linked_with_role(session, "coordinador")
    async with turnos.once(services, today.isoformat(), "resumen_diario") as first:
        if first:
            values = {k: v for k, v in vars(figures).items() if k != "day"}
            await tell_each(context.bot, readers, "informe.digest", day=f"{figures.day:%d/%m/%Y}", **values)


async def weekly_availability(context: VigiaContext) -> None:
    services = context.services
    monday = due(services, services.unit.informes.weekly_availability_at, weekday=MONDAY)
    week = f"{monday:%G-W%V}" if monday else ""
    if monday is None or await turnos.already_sent(services, week, "disponibilidad_semanal"):
        return
    chart = await week_chart(services, monday)
    async with services.db.read() as session:
        chiefs = await linked_with_role(session, "jefe")
    async with turnos.once(services, week, "disponibilidad_semanal") as first:
        if not first:
            return
        for chief in chiefs:
            if chart is None:
                await tell(context.bot, chief, t(chief.language, "informe.weekly_no_data"))
            else:
                caption = t(chief.language, "informe.weekly_caption")
                await context.bot.send_photo(chief.telegram_id, chart, caption=caption)  # type: ignore[arg-type]


JOBS = (
    Job("informes.report", report, every_s=INTERVAL_S, catch_up=True),
    Job("informes.daily_digest", daily_digest, every_s=INTERVAL_S, catch_up=True),
    Job("informes.weekly_availability", weekly_availability, every_s=INTERVAL_S, catch_up=True),
)
