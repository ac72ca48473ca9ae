"""Digests between reports: yesterday in figures every morning to the chief and the coordinators
(with the requests whose legal term ends today or next working day, and those overdue), and last
week's camera availability as a chart to the chief, on Monday or the first day the bot runs that
week. Each goes once (a claim per day or week)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import col, func, select

from bot import solicitudes
from bot.informes_data import availability_rows
from bot.services import Services
from bot.solicitudes_rules import days_left
from storage.anomalias import Anomaly, AnomalyStatus
from storage.fallas import Fault
from storage.relevo import Handover


@dataclass(frozen=True)
class DayFigures:
    day: date
    anomalies: int
    anomalies_open: int
    faults_opened: int
    faults_closed: int
    faults_open: int
    handovers: int
    handovers_unaccepted: int
    requests_open: int
    requests_due: int  # their last day is today or the next working day
    requests_overdue: int


def due(services: Services, at: time | None, weekday: int | None = None) -> date | None:
    """The local day whose digest is due now (at or after `at`), or None (switched off, too early).
    With `weekday`, the week's digest: due from that day at `at` until the week ends, so a week whose
    day was missed while the bot was down still gets it; the day returned is that week's `weekday`."""
    if at is None:
        return None
    local = services.now().astimezone(services.tz)
    if weekday is None:
        return None if local.time() < at else local.date()
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    return day if local >= datetime.combine(day, at, services.tz) else None


async def yesterday(services: Services, today: date) -> DayFigures:
    day = today - timedelta(days=1)
    start = datetime.combine(day, time(), services.tz)
    end = start + timedelta(days=1)

    def within(column: object) -> tuple:
        return col(column) >= start, col(column) < end  # type: ignore[arg-type]

    off = solicitudes.days_off(services)
    left = [days_left(today, r.due_on, off) for r in await solicitudes.open_list(services)]
    async with services.db.read() as session:

        async def count(*where: object) -> int:
            table = where[0]
            return (await session.exec(select(func.count()).select_from(table).where(*where[1:]))).one()  # type: ignore[arg-type]

        return DayFigures(
            day=day,
            anomalies=await count(Anomaly, *within(Anomaly.created_at)),
            anomalies_open=await count(Anomaly, col(Anomaly.status) != AnomalyStatus.CERRADA),
            faults_opened=await count(Fault, *within(Fault.opened_at)),
            faults_closed=await count(Fault, *within(Fault.resolved_at)),
            faults_open=await count(Fault, col(Fault.resolved_at).is_(None)),
            handovers=await count(Handover, *within(Handover.created_at)),
            handovers_unaccepted=await count(
                Handover, *within(Handover.created_at), col(Handover.accepted_at).is_(None)
            ),
            requests_open=len(left),
            requests_due=sum(0 <= days <= 1 for days in left),
            requests_overdue=sum(days < 0 for days in left),
        )


async def week_chart(services: Services, monday: date) -> bytes | None:
    """Last week's (Monday to Sunday) availability per site, as the reports draw it."""
    from bot.reporte.charts import availability as availability_chart  # matplotlib on first use

    start = datetime.combine(monday - timedelta(days=7), time(), services.tz)
    rows = await availability_rows(services, start, start + timedelta(days=7))
    return await services.cameras.run(availability_chart, rows)
