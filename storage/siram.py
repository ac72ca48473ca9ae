"""SIRAM plate reads, imported from the system's CSV exports, and the imports themselves.

A read keeps the plate as the reader read it (upper case, separators removed) and `plate_key`, the
plate folded for the reader's usual confusions (see bot.placas.fold): every search goes through the
composite index (plate_key, read_at), so an exact search and a confusion search cost the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Index, case
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime

PLATE_MAX = 20
SITE_MAX = 40
LANE_MAX = 20


class SiramImport(SQLModel, table=True):
    """One imported file; its SHA-256 is unique, so the same file never adds its reads twice."""

    __tablename__ = "siram_import"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str = Field(max_length=255)
    sha256: str = Field(max_length=64, unique=True)
    rows: int = 0
    imported_at: datetime = Field(sa_type=UTCDateTime)
    source: str = Field(max_length=10)  # cli | folder


class PlateRead(SQLModel, table=True):
    """One read of a plate by a SIRAM reader; `read_at` in UTC."""

    __tablename__ = "plate_read"
    __table_args__ = (Index("ix_plate_read_key_read_at", "plate_key", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    plate: str = Field(max_length=PLATE_MAX)
    plate_key: str = Field(max_length=PLATE_MAX)
    read_at: datetime = Field(sa_type=UTCDateTime, index=True)
    site_code: str = Field(max_length=SITE_MAX)
    lane: str | None = Field(default=None, max_length=LANE_MAX)
    image: str | None = None  # a path or URL of the reader's picture
    import_id: int = Field(foreign_key="siram_import.id", index=True)


@dataclass(frozen=True)
class ReadFilter:
    """What a search asks for: one folded plate, and optionally a period [start, end) and a site."""

    plate_key: str
    start: datetime | None = None
    end: datetime | None = None
    site_code: str | None = None

    def where(self) -> list[Any]:
        clauses: list[Any] = [PlateRead.plate_key == self.plate_key]
        if self.start is not None:
            clauses.append(col(PlateRead.read_at) >= self.start)
        if self.end is not None:
            clauses.append(col(PlateRead.read_at) < self.end)
        if self.site_code is not None:
            clauses.append(PlateRead.site_code == self.site_code)
        return clauses


async def import_by_sha256(session: AsyncSession, sha256: str) -> SiramImport | None:
    return (await session.exec(select(SiramImport).where(SiramImport.sha256 == sha256))).first()


async def read_counts(session: AsyncSession, wanted: ReadFilter, plate: str) -> tuple[int, int]:
    """(reads of exactly `plate`, reads of other plates with the same key) matching the filter."""
    exact = case((PlateRead.plate == plate, 1), else_=0)
    statement = select(func.count(), func.coalesce(func.sum(exact), 0)).where(*wanted.where())
    total, exact_count = (await session.exec(statement)).one()  # type: ignore[call-overload]
    return int(exact_count), int(total) - int(exact_count)


async def newest_reads(
    session: AsyncSession, wanted: ReadFilter, plate: str, *, exact: bool, limit: int
) -> list[PlateRead]:
    """The newest reads of exactly `plate` (exact) or of its look-alikes (not exact)."""
    same = PlateRead.plate == plate if exact else PlateRead.plate != plate
    statement = (
        select(PlateRead).where(*wanted.where(), same).order_by(col(PlateRead.read_at).desc(), col(PlateRead.id).desc())
    )
    return list((await session.exec(statement.limit(limit))).all())
