"""A period's report content, read from the records: every anomaly notified, the faults open at
some moment, availability from the health monitor, and what is still open at the period's end.
The documents in bot/reporte only lay this out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.health.status import availability_by_site
from bot.reporte.model import AnomalyRow, Availability, FaultRow, Period, ReportData
from bot.services import Services
from bot.unit_config import UnitConfig
from storage.anomalias import Anomaly, AnomalyNotice, AnomalyStatus, notices_for
from storage.fallas import Fault, faults_in
from storage.people import person_names

CALL = {"realizada": "llamada", "no_contesta": "llamada sin respuesta"}


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def anomaly_row(
    anomaly: Anomaly, notices: list[AnomalyNotice], names: dict[int, str], unit: UnitConfig, tz: ZoneInfo
) -> AnomalyRow:
    notified, acks, justified = [], [], []
    for notice in notices:
        ways = [CALL[notice.call_outcome]] if notice.call_outcome in CALL else []
        ways += ["Telegram"] if notice.notified_at else []
        ways += [f"justificó por {notice.justified_via}"] if notice.justified_via else []
        notified.append(f"{names.get(notice.person_id, '?')} ({', '.join(ways) or 'sin contacto'})")
        acks += [notice.acknowledged_at] if notice.acknowledged_at else []
        justified += [notice] if notice.justified_at and notice.justification else []
    first = min(justified, key=lambda n: n.justified_at) if justified else None  # type: ignore[arg-type,return-value]
    camera_names = {c.code: c.name for c in unit.cameras}
    return AnomalyRow(
        number=anomaly.number,
        reported_at=_local(anomaly.created_at, tz),
        site=unit.site_name(anomaly.site_code),
        cameras=tuple(camera_names.get(c, c) for c in anomaly.cameras.split(",") if c),
        category=unit.category_name(anomaly.category),
        description=anomaly.description,
        notified=tuple(notified),
        response_minutes=(min(acks) - anomaly.created_at).total_seconds() / 60 if acks else None,
        justification_hours=(first.justified_at - anomaly.created_at).total_seconds() / 3600 if first else None,  # type: ignore[operator]
        justification="\n".join(f"{names.get(n.person_id, '?')}: {n.justification}" for n in justified) or None,
        state=anomaly.status,
    )


def fault_row(fault: Fault, unit: UnitConfig, tz: ZoneInfo, end: datetime) -> FaultRow:
    """`end`: the period's end, or now for a period still running (a preview), so an open fault's
    elapsed time is what has passed, not a guess at the future."""
    camera = next((c.name for c in unit.cameras if c.code == fault.camera_code), fault.camera_code)
    until = min(fault.resolved_at or end, end)
    return FaultRow(
        number=fault.number,
        opened_at=_local(fault.opened_at, tz),
        site=unit.site_name(fault.site_code) if fault.site_code else "SIRAM",
        camera=camera,
        description=fault.description,
        elapsed_hours=max(0.0, (until - fault.opened_at).total_seconds() / 3600),
        cause=fault.cause,
        state="resuelta" if fault.resolved_at and fault.resolved_at < end else "en curso",
    )


async def _anomalies(session: AsyncSession, start: datetime, end: datetime) -> list[Anomaly]:
    statement = select(Anomaly).where(col(Anomaly.created_at) >= start, col(Anomaly.created_at) < end)
    return list((await session.exec(statement.order_by(col(Anomaly.created_at)))).all())


async def _still_open(session: AsyncSession, start: datetime, end: datetime) -> list[Anomaly]:
    """Anomalies from before the period that were not closed by its end: carried over."""
    statement = select(Anomaly).where(
        col(Anomaly.created_at) < start,
        (col(Anomaly.status) != AnomalyStatus.CERRADA) | (col(Anomaly.closed_at) >= end),
    )
    return list((await session.exec(statement.order_by(col(Anomaly.created_at)))).all())


async def availability_rows(services: Services, start: datetime, end: datetime) -> tuple[Availability, ...]:
    """Each site's availability from the health monitor, with its probes: sites without data are left out."""
    by_site = await availability_by_site(services, start, end)
    return tuple(
        Availability(services.unit.site_name(code), share.percent, share.probes)
        for code, share in by_site.items()
        if share.percent is not None
    )


async def gather(services: Services, period: Period, version: int, observations: tuple[str, ...] = ()) -> ReportData:
    unit, tz = services.unit, services.tz
    start, end = period.bounds(tz)
    async with services.db.read() as session:
        anomalies = await _anomalies(session, start, end)
        older = await _still_open(session, start, end)
        notices = await notices_for(session, [a.id for a in anomalies + older])  # type: ignore[misc]
        faults = await faults_in(session, start, end)
        names = await person_names(session)
    availability = await availability_rows(services, start, end)
    cutoff = min(end, services.now())
    rows = {a.id: anomaly_row(a, notices[a.id], names, unit, tz) for a in anomalies + older}  # type: ignore[index]
    carried: list[AnomalyRow | FaultRow] = [rows[a.id] for a in older]  # type: ignore[index]
    carried += [
        fault_row(f, unit, tz, cutoff)
        for f in faults
        if f.opened_at < start and (f.resolved_at is None or f.resolved_at >= end)
    ]
    return ReportData(
        period=period,
        number=f"R-{period.code}",
        version=version,
        generated_at=_local(services.now(), tz),
        anomalies=tuple(rows[a.id] for a in anomalies),  # type: ignore[index]
        faults=tuple(fault_row(f, unit, tz, cutoff) for f in faults),
        availability=availability,
        carried_over=tuple(carried),
        observations=observations,
    )
