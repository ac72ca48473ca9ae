"""Mirror the unit file's people, sites and cameras into the database at start-up.

The file is the source of truth; the database keeps rows that records refer to, and keeps what
only it knows (a person's linked Telegram account). Someone removed from the file is kept for
history but deactivated, which also takes their access away.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit
from bot.unit_config import Person as PersonConfig
from bot.unit_config import UnitConfig
from storage.db import Database
from storage.people import Person, all_people
from storage.sites import Camera, Site, all_cameras, all_sites

Row = TypeVar("Row", bound=SQLModel)


async def sync_directory(db: Database, unit: UnitConfig, *, now: datetime) -> None:
    async with db.write() as session:
        people = await all_people(session)
        await _release_telegram_ids(session, people, unit)
        await _sync(session, {p.key: p for p in people}, {p.id: _person_fields(p) for p in unit.people}, Person, now)
        sites = await _sync(
            session,
            {s.code: s for s in await all_sites(session)},
            {s.code: {"name": s.name, "kind": s.kind.value} for s in unit.sites},
            Site,
            now,
        )
        cameras = {
            c.code: {"name": c.name, "site_id": sites[c.site].id, "has_audio": c.has_audio, "enabled": c.enabled}
            for c in unit.cameras
        }
        await _sync(session, {c.code: c for c in await all_cameras(session)}, cameras, Camera, now)


def _person_fields(person: PersonConfig) -> dict:
    fields = person.model_dump(include={"name", "email", "phone", "language"})
    fields["role"] = person.role.value
    if person.telegram_id:  # otherwise the account linked with /start stays
        fields["telegram_id"] = person.telegram_id
    return fields


async def _release_telegram_ids(session: AsyncSession, people: list[Person], unit: UnitConfig) -> None:
    """Unbind accounts of people leaving the file, and accounts the file now gives to someone else."""
    owners = {p.telegram_id: p.id for p in unit.people if p.telegram_id}
    staying = {p.id for p in unit.people}
    for row in people:
        if row.telegram_id and (row.key not in staying or owners.get(row.telegram_id, row.key) != row.key):
            row.telegram_id = None
            session.add(row)
    await session.flush()


async def _sync(
    session: AsyncSession, existing: dict[str, Row], wanted: dict[str, dict], table: type[Row], now: datetime
) -> dict[str, Row]:
    """Upsert `wanted` rows by natural key, deactivate the rest, audit every change."""
    name = str(table.__tablename__)

    async def audited(key: str, event: str, changes: dict | None = None) -> None:
        await audit.record(
            session, f"directory.{name}.{event}", now=now, object_type=name, object_id=key, detail=changes
        )

    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            row = existing[key] = table(**{"key" if table is Person else "code": key, **values})
            changes = values
        else:
            changes = {k: v for k, v in {**values, "active": True}.items() if getattr(row, k) != v}
            for field, value in changes.items():
                setattr(row, field, value)
        if changes:
            session.add(row)
            await session.flush()
            await audited(key, "updated", changes)
    for key, row in existing.items():
        if key not in wanted and getattr(row, "active", False):
            row.active = False  # type: ignore[attr-defined]
            session.add(row)
            await audited(key, "deactivated")
    return existing
