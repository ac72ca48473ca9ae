"""Evidence: every photo, mosaic and clip the bot sent, kept under the data directory.

The file is named by its SHA-256 and the row records what it shows, when, and for whom. Retention
removes the file and stamps `purged_at`; the row stays, so the audit log never points at nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime


class EvidenceKind(StrEnum):
    PHOTO = "photo"
    MOSAIC = "mosaic"
    CLIP = "clip"
    DOCUMENT = "document"  # a file that came with a reply by e-mail


class Evidence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    camera_id: int | None = Field(default=None, foreign_key="camera.id", index=True)
    site_id: int | None = Field(default=None, foreign_key="site.id")
    sha256: str = Field(max_length=64, index=True)
    size_bytes: int = Field(sa_type=BigInteger)
    captured_at: datetime = Field(sa_type=UTCDateTime, index=True)
    requester_id: int | None = Field(default=None, foreign_key="person.id")
    path: str = Field(max_length=300, description="relative to the data directory")
    duration_s: float | None = None
    case_ref: str | None = Field(default=None, max_length=40, index=True, description="e.g. anomalia:12")
    purged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


async def last_capture(session: AsyncSession, camera_id: int) -> datetime | None:
    """When the camera last gave us a picture that we kept."""
    statement = select(func.max(Evidence.captured_at)).where(Evidence.camera_id == camera_id)
    return (await session.exec(statement)).first()


async def last_photo(session: AsyncSession, camera_id: int) -> Evidence | None:
    """The newest still-kept photo of a camera: a fault shows it as the camera's last frame."""
    return await _newest_photo(session, Evidence.camera_id == camera_id)


async def case_photo(session: AsyncSession, case_ref: str) -> Evidence | None:
    """The newest still-kept camera photo filed under a case (not a file that came by e-mail): a
    site fault's frame, which has no camera of the fault's own to look it up by."""
    return await _newest_photo(session, Evidence.case_ref == case_ref, col(Evidence.camera_id).is_not(None))


async def _newest_photo(session: AsyncSession, *where: Any) -> Evidence | None:
    statement = (
        select(Evidence)
        .where(*where, Evidence.kind == EvidenceKind.PHOTO, col(Evidence.purged_at).is_(None))
        .order_by(col(Evidence.captured_at).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()


async def expired(session: AsyncSession, before: datetime, after_id: int = 0, limit: int = 200) -> list[Evidence]:
    """Kept files captured before `before`, by id after `after_id`; the caller decides about cases."""
    statement = (
        select(Evidence)
        .where(col(Evidence.purged_at).is_(None), Evidence.captured_at < before, col(Evidence.id) > after_id)
        .order_by(col(Evidence.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def shared_file(session: AsyncSession, sha256: str, except_id: int) -> bool:
    """True if another unpurged row needs the file with this hash (identical bytes share one file)."""
    statement = select(Evidence.id).where(
        Evidence.sha256 == sha256, col(Evidence.purged_at).is_(None), Evidence.id != except_id
    )
    return (await session.exec(statement.limit(1))).first() is not None
