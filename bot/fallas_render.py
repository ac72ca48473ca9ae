"""The texts of faults: the message in the faults topic (one line per triage step), list, timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import triage
from bot.fallas import FaultCase, picture_back, stage_reached, waited
from bot.fallas_mail import target_name
from bot.i18n import Html, plain, t
from bot.mail.inbox import event_words
from bot.shifts import age, duration, local_time
from bot.timeline import history
from bot.unit_config import UnitConfig
from storage.fallas import Fault

TOLD = (  # with their text
    "abierta",
    "consulta_aduana",
    "respuesta_proveedor",
    "respuesta_correo",
    "resuelta",
    "correo_proveedor",
    "restablecida",
    "perdida",
    "reabierta",
)


def elapsed_line(case: FaultCase, language: str, now: datetime) -> str:
    parts = waited(case, now)
    back = parts[triage.RESUELTA]  # between a resolution and the monitor reopening it
    return t(
        language,
        "falla.elapsed",
        total=duration(sum(parts.values(), timedelta())),
        aduana=duration(parts[triage.ADUANA]),
        enlace=duration(parts[triage.ENLACE]),
        proveedor=duration(parts[triage.PROVEEDOR]),
        restored=Html(t(language, "falla.elapsed_restored", time=duration(back)) if back else ""),
    )


def fault_text(case: FaultCase, unit: UnitConfig, language: str, now: datetime, tz: ZoneInfo) -> str:
    fault, names = case.fault, case.names
    opener = names.get(fault.opened_by_id or 0) or t(language, "falla.by_monitor")
    lines = [
        t(language, "falla.title", number=fault.number, target=target_name(fault, unit)),
        t(language, "falla.opened", time=local_time(fault.opened_at, tz, now), name=opener),
    ]
    if fault.description:
        lines.append(t(language, "falla.description", text=fault.description))
    lines.append("")
    lines += _steps(case, unit, language, now, tz)
    back = picture_back(case.events)
    if back and fault.resolved_at is None:  # a person's fault: the monitor sees the picture again
        lines.append(t(language, "falla.step.restablecida", time=local_time(back.at, tz, now)))
    lines += ["", elapsed_line(case, language, now)]
    return "\n".join(lines)


def _steps(case: FaultCase, unit: UnitConfig, language: str, now: datetime, tz: ZoneInfo) -> list[str]:
    """The triage so far, one line per step reached, in the procedure's order: what the steps passed
    found, then the step it is at. Its instructions, and the wait on a party that found the fault,
    only while the fault is open: a resolved one leaves nothing to do."""
    fault = case.fault
    order = [triage.ADUANA, triage.ENLACE, triage.PROVEEDOR]
    is_open = fault.resolved_at is None
    reached = fault.stage if is_open else stage_reached(case.events)
    waiting = Html(t(language, "falla.step.waiting") if is_open else "")
    lines = []
    for stage in order[: order.index(reached) + 1]:
        if stage == triage.PROVEEDOR:
            lines += _vendor_lines(fault, language, now, tz)
        elif stage != reached:
            lines.append(t(language, f"falla.step.{stage}_passed"))
        elif stage == triage.ADUANA and fault.finding in ("fallo_electrico", "visualizacion"):
            finding = t(language, f"falla.finding.{fault.finding}")
            lines.append(t(language, "falla.step.aduana_found", finding=finding, waiting=waiting))
        elif stage == triage.ENLACE and fault.finding == "falla_enlace":
            lines.append(t(language, "falla.step.enlace_found", waiting=waiting))
        elif is_open and stage == triage.ADUANA:
            lines.append(t(language, "falla.step.aduana"))
        elif is_open:
            provider = unit.mail.link_provider
            lines.append(
                t(
                    language,
                    "falla.step.enlace",
                    provider=provider.name if provider else "",
                    phone=(provider.phone or "") if provider else "",
                )
            )
    if fault.resolved_at:
        lines.append(
            t(
                language,
                "falla.step.resuelta",
                time=local_time(fault.resolved_at, tz, now),
                name=case.names.get(fault.resolved_by_id or 0) or t(language, "falla.by_monitor"),
                cause=t(language, f"falla.cause.{fault.cause}"),
                treatment=fault.treatment or "",
            )
        )
    return lines


def _vendor_lines(fault: Fault, language: str, now: datetime, tz: ZoneInfo) -> list[str]:
    if not fault.vendor_emailed_at:
        return []
    lines = [t(language, "falla.step.proveedor", time=local_time(fault.vendor_emailed_at, tz, now))]
    if fault.vendor_replied_at:
        ticket = t(language, "falla.ticket", ticket=fault.vendor_ticket) if fault.vendor_ticket else ""
        lines.append(
            t(language, "falla.step.proveedor_reply", time=local_time(fault.vendor_replied_at, tz, now), ticket=ticket)
        )
    return lines


def list_text(faults: list[Fault], unit: UnitConfig, language: str, now: datetime, overdue_hours: float) -> str:
    if not faults:
        return t(language, "falla.none_open")
    lines = [t(language, "falla.list_title")]
    for fault in faults:
        silent = (
            fault.vendor_emailed_at
            and not fault.vendor_replied_at
            and ((now - fault.vendor_emailed_at).total_seconds() >= overdue_hours * 3600)
        )
        lines.append(
            t(
                language,
                "falla.list_line",
                number=fault.number,
                target=target_name(fault, unit),
                stage=t(language, f"falla.stage.{fault.stage}"),
                age=age(now - fault.opened_at, language),
                overdue=t(language, "falla.overdue") if silent else "",
            )
        )
    return "\n".join(lines)


def timeline_text(case: FaultCase, language: str, now: datetime, tz: ZoneInfo) -> str:
    entries = []
    for event in case.events:
        what = plain(language, f"falla.event.{event.kind}")
        if event.text and event.kind in TOLD:
            what += f": {event_words(event.text)}"
        entries.append((event.at, case.names.get(event.person_id or 0, "Vigía"), what))
    return history(language, t(language, "falla.timeline_title", number=case.fault.number), entries, tz, now)
