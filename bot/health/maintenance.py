"""Planned work: `/mantenimiento <cámara|sitio> <duración>` holds the monitor's alerts for a while,
and recurring windows in the unit file do the same every week. The tally still counts, as
maintenance, so availability is neither flattered nor blamed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, update

from bot import audit
from bot.health.rules import in_recurring_window
from bot.services import Services
from bot.text import fold
from bot.unit_config import RecurringMaintenance
from storage.health import MaintenanceWindow, active_windows
from storage.people import Person

DURATION = re.compile(
    r"^(?:(?P<d>\d{1,2})(?:d|dias?|days?))?(?:(?P<h>\d{1,3})(?:h|horas?|hours?))?"
    r"(?:(?P<m>\d{1,4})(?:m|min|minutos?|minutes?)?)?$"
)
LONGEST = timedelta(days=7)


def parse_duration(text: str) -> timedelta | None:
    """ "2h", "2 horas", "90m", "90" (minutes), "1h30", "1d", "1 día": None when it is not a duration or
    longer than a week."""
    found = DURATION.match(fold(text).replace(" ", ""))
    if not found or not any(found.groupdict().values()):
        return None
    parts = {k: int(v or 0) for k, v in found.groupdict().items()}
    span = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"])
    return span if timedelta(0) < span <= LONGEST else None


@dataclass(frozen=True)
class Target:
    scope: str  # camara | sitio
    code: str
    name: str


def parse_target(services: Services, word: str) -> Target | None:
    site, camera = services.unit.site(word), services.unit.camera(word)
    if site is not None:
        return Target("sitio", site.code, site.name)
    return Target("camara", camera.code, camera.name) if camera else None


async def start(services: Services, target: Target, span: timedelta, reason: str, person: Person) -> MaintenanceWindow:
    now = services.now()
    async with services.db.write() as session:
        window = MaintenanceWindow(
            scope=target.scope,
            code=target.code,
            starts_at=now,
            ends_at=now + span,
            reason=reason,
            created_by_id=person.id,
        )
        session.add(window)
        await session.flush()
        await audit.record(
            session,
            "salud.mantenimiento",
            now=now,
            actor=person,
            object_type=target.scope,
            object_id=target.code,
            detail={"until": window.ends_at.isoformat(), "reason": reason},
        )
    return window


async def finish(services: Services, target: Target, person: Person) -> int:
    """End the target's windows now; how many were running."""
    now = services.now()
    async with services.db.write() as session:
        statement = (
            update(MaintenanceWindow)
            .where(col(MaintenanceWindow.code) == target.code, col(MaintenanceWindow.ends_at) > now)
            .values(ends_at=now)
        )
        ended = (await session.exec(statement)).rowcount  # type: ignore[attr-defined]
        if ended:
            await audit.record(
                session,
                "salud.mantenimiento_fin",
                now=now,
                actor=person,
                object_type=target.scope,
                object_id=target.code,
            )
    return ended


async def current(services: Services) -> tuple[list[MaintenanceWindow], list[RecurringMaintenance]]:
    """The windows running now: those started by people, and the configured ones in their hour."""
    now: datetime = services.now()
    async with services.db.read() as session:
        started = await active_windows(session, now)
    local = now.astimezone(services.tz)
    recurring = [w for w in services.unit.salud.maintenance if in_recurring_window(local, [w], {w.target})]
    return started, recurring
