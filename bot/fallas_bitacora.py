"""The month's Bitácora de Fallas (procedure III-2, Anexo 1) from the faults as they happened, and
its monthly delivery to the chief (the fallas.monthly_bitacora job)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from bot import access, notices, turnos
from bot.bitacora import BitacoraRow, file_name, month_end, month_label
from bot.cameras.evidence import keep
from bot.catch_up import recent
from bot.fallas_mail import target_name
from bot.health.status import availability_by_site
from bot.i18n import t
from bot.services import Services
from bot.unit_config import UnitConfig
from storage.audit import first_entry_at
from storage.evidence import EvidenceKind
from storage.fallas import Fault, FaultEvent, fault_events, faults_in
from storage.people import linked_with_role, person_names
from storage.turnos import notice_sent

MONTHLY_HOUR = 7

REPORTED = {  # the last triage answer that says to whom the fault was reported
    "fallo_electrico": "administración de aduana",
    "visualizacion": "administración de aduana",
    "falla_enlace": "proveedor del enlace",
    "correo_proveedor": "proveedor de mantenimiento",
}


def month_start(month: date, tz: ZoneInfo) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=tz)


def _reported_to(events: list[FaultEvent], unit: UnitConfig, tz: ZoneInfo) -> str:
    last = next((e for e in reversed(events) if e.kind in REPORTED), None)
    if last is None:
        return ""
    who = REPORTED[last.kind]
    if last.kind == "correo_proveedor" and unit.mail.maintenance_vendor:
        who = f"{unit.mail.maintenance_vendor.name} ({last.text})"
    elif last.kind == "falla_enlace" and unit.mail.link_provider:
        who = unit.mail.link_provider.name
    return f"{who}, {last.at.astimezone(tz):%d/%m %H:%M}"


def row_of(
    fault: Fault, events: list[FaultEvent], names: dict[int, str], unit: UnitConfig, tz: ZoneInfo
) -> BitacoraRow:
    subject = (
        "SIRAM"
        if fault.scope == "siram"
        else ("Sitio completo" if fault.scope == "sitio" else target_name(fault, unit).split(" (")[0])
    )
    return BitacoraRow(
        number=fault.number,
        started_at=fault.opened_at,
        site=unit.site_name(fault.site_code or "") or "SIRAM",
        subject=subject,
        description=fault.description,
        reported_to=_reported_to(events, unit, tz),
        vendor_ticket=fault.vendor_ticket or "",
        treatment=fault.treatment or "",
        restored_at=fault.resolved_at,
        technician=names.get(fault.opened_by_id or 0) or names.get(fault.resolved_by_id or 0) or "Monitor de salud",
    )


async def rows_for(services: Services, month: date) -> list[BitacoraRow]:
    tz = services.tz
    async with services.db.read() as session:
        faults = await faults_in(session, month_start(month, tz), month_end(month, tz))
        names = await person_names(session)
        events = {f.id: await fault_events(session, f.id) for f in faults}  # type: ignore[arg-type]
    return [row_of(f, events[f.id], names, services.unit, tz) for f in faults]


async def documents(services: Services, month: date) -> tuple[list[tuple[str, bytes]], int]:
    """(file name, bytes) of the XLSX and the PDF, built off the event loop, and how many faults."""
    from bot.bitacora.pdf import build_pdf  # document libraries load on first use (see bot.bitacora)
    from bot.bitacora.xlsx import build_xlsx

    rows, now, tz = await rows_for(services, month), services.now(), services.tz
    by_site = await availability_by_site(services, month_start(month, tz), month_end(month, tz))
    availability = {
        services.unit.site_name(code): share.percent for code, share in by_site.items() if _has_cameras(services, code)
    }
    xlsx = await services.cameras.run(build_xlsx, rows, month, tz, now, availability)
    pdf = await services.cameras.run(build_pdf, rows, month, tz, now, availability)
    return [(file_name(month, "xlsx"), xlsx), (file_name(month, "pdf"), pdf)], len(rows)


def _has_cameras(services: Services, site_code: str) -> bool:
    return any(c.site == site_code and c.enabled for c in services.unit.cameras)


def month_before(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


async def _owed_months(services: Services) -> list[date]:
    """Months whose bitácora the chief is owed, oldest first: the last one due (from 07:00 on the
    1st) and, before it, any missed while the bot was down, back to one already sent or to
    `CATCH_UP`. A month that ended before the bot was installed is owed only with faults in it."""
    now, tz = services.now(), services.tz
    local = now.astimezone(tz)
    latest = month_before(local.date())
    if local.day == 1 and local.hour < MONTHLY_HOUR:
        latest = month_before(latest)  # last month's is not due yet; the one before may still be owed
    owed: list[date] = []
    async with services.db.read() as session:
        installed = await first_entry_at(session)
        for month in recent(latest, month_before, lambda m: month_end(m, tz), now):
            if await notice_sent(session, f"{month:%Y-%m}", "bitacora"):  # the common case: cheap
                break
            end = month_end(month, tz)
            if (installed is not None and installed < end) or await faults_in(session, month_start(month, tz), end):
                owed.append(month)
    return owed[::-1]


async def hand_to_chief(services: Services) -> None:
    """Each month owed goes to the chief once, even after downtime, oldest first."""
    months = await _owed_months(services)
    if not months or not await access.linked(services.db, "jefe"):
        return  # nobody to hand them to yet: the first chief to open the bot gets them
    for month in months:
        await _hand_month(services, month)


async def _hand_month(services: Services, month: date) -> None:
    """The files are kept first (heavy work, outside the write lock), then claimed and owed in one
    unit of work."""
    files, _ = await documents(services, month)
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
