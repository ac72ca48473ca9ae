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
from bot.unit_config import UnitConfig
from storage.db import Database
from storage.people import Person, all_people
from storage.sites import Camera, Site, all_cameras, all_sites

Row = TypeVar("Row", bound=SQLModel)


async def sync_directory(db: Database, unit: UnitConfig, *, now: datetime) -> None:
    async with db.write() as session:
        await _sync(
            session,
            {p.key: p for p in await all_people(session)},
            {
                p.id: {
                    "name": p.name,
                    "role": p.role.value,
                    "email": p.email,
                    "phone": p.phone,
                    "language": p.language,
                    **({"telegram_id": p.telegram_id} if p.telegram_id else {}),
                }
                for p in unit.people
            },
            Person,
            now,
        )
        sites = await _sync(
            session,
            {s.code: s for s in await all_sites(session)},
            {s.code: {"name": s.name, "kind": s.kind.value} for s in unit.sites},
            Site,
            now,
        )
        site_ids = {code: site.id for code, site in sites.items()}
        await _sync(
            session,
            {c.code: c for c in await all_cameras(session)},
            {
                c.code: {"name": c.name, "site_id": site_ids[c.site], "has_audio": c.has_audio, "enabled": c.enabled}
                for c in unit.cameras
            },
            Camera,
            now,
        )


async def _sync(
    session: AsyncSession, existing: dict[str, Row], wanted: dict[str, dict], table: type[Row], now: datetime
) -> dict[str, Row]:
    """Upsert `wanted` rows by natural key, deactivate the rest, audit every change."""
    key_field = "key" if table is Person else "code"
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            row = existing[key] = table(**{key_field: key, **values})
            changes = values
        else:
            changes = {k: v for k, v in {**values, "active": True}.items() if getattr(row, k) != v}
            for field, value in changes.items():
                setattr(row, field, value)
        if changes:
            session.add(row)
            await session.flush()
            await audit.record(
                session,
                f"directory.{table.__tablename__}.updated",
                now=now,
                object_type=str(table.__tablename__),
                object_id=key,
                detail=changes,
            )
    for key, row in existing.items():
        if key not in wanted and getattr(row, "active", False):
            row.active = False  # type: ignore[attr-defined]
            session.add(row)
            await audit.record(
                session,
                f"directory.{table.__tablename__}.deactivated",
                now=now,
                object_type=str(table.__tablename__),
                object_id=key,
            )
    return existing
