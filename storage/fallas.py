"""Faults of cameras, whole sites and SIRAM (procedure III-1, III-2), and their timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.health import CameraHealth
from storage.types import UTCDateTime


class Fault(SQLModel, table=True):
    """`stage` is where the triage stands (aduana, enlace, proveedor, resuelta); `finding` what it found."""

    __table_args__ = (UniqueConstraint("year", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    seq: int
    scope: str = Field(max_length=10)  # camara | sitio | siram
    site_code: str | None = Field(default=None, max_length=40, index=True)
    camera_code: str | None = Field(default=None, max_length=40, index=True)
    description: str = ""
    opened_by_id: int | None = Field(default=None, foreign_key="person.id")  # None: the health monitor
    opened_at: datetime = Field(sa_type=UTCDateTime, index=True)
    stage: str = Field(default="aduana", max_length=12, index=True)
    finding: str | None = Field(default=None, max_length=30)
    vendor_emailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    vendor_replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    vendor_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    vendor_ticket: str | None = Field(default=None, max_length=60)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    resolved_by_id: int | None = Field(default=None, foreign_key="person.id")
    treatment: str | None = None
    cause: str | None = Field(default=None, max_length=20)
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = None

    @property
    def number(self) -> str:
        return f"F-{self.year}-{self.seq:04d}"


class FaultEvent(SQLModel, table=True):
    """A step of the triage or of the follow-up; the elapsed-time split is derived from these."""

    __tablename__ = "fault_event"

    id: int | None = Field(default=None, primary_key=True)
    fault_id: int = Field(foreign_key="fault.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=30)
    stage: str | None = Field(default=None, max_length=12)  # the stage entered, for stage changes
    text: str | None = None


async def next_fault_seq(session: AsyncSession, year: int) -> int:
    current = (await session.exec(select(func.max(Fault.seq)).where(Fault.year == year))).first()
    return (current or 0) + 1


async def fault_by_number(session: AsyncSession, year: int, seq: int) -> Fault | None:
    return (await session.exec(select(Fault).where(Fault.year == year, Fault.seq == seq))).first()


async def open_faults(session: AsyncSession) -> list[Fault]:
    statement = select(Fault).where(col(Fault.resolved_at).is_(None)).order_by(col(Fault.opened_at))
    return list((await session.exec(statement)).all())


async def open_fault_for(
    session: AsyncSession, scope: str, site_code: str | None, camera_code: str | None
) -> Fault | None:
    """The open fault on exactly this target; for a camera, else the open fault the health monitor
    holds it in (its site's, when most of the site went dark), which closes when its last camera is
    back."""
    statement = select(Fault).where(
        col(Fault.resolved_at).is_(None),
        Fault.scope == scope,
        Fault.site_code == site_code,
        Fault.camera_code == camera_code,
    )
    if (exact := (await session.exec(statement)).first()) is not None or camera_code is None:
        return exact
    held = select(Fault).join(CameraHealth, col(CameraHealth.fault_id) == Fault.id)
    held = held.where(CameraHealth.camera_code == camera_code, col(Fault.resolved_at).is_(None))
    return (await session.exec(held)).first()


async def resolved_among(session: AsyncSession, fault_ids: set[int]) -> set[int]:
    """Which of these faults are resolved: the health monitor lets go of a fault closed by hand."""
    statement = select(Fault.id).where(col(Fault.id).in_(fault_ids), col(Fault.resolved_at).is_not(None))
    return {fault_id for fault_id in (await session.exec(statement)).all() if fault_id is not None}


async def faults_in(session: AsyncSession, start: datetime, end: datetime) -> list[Fault]:
    """Faults that were open at some moment of [start, end): the month's bitácora."""
    statement = select(Fault).where(
        col(Fault.opened_at) < end, col(Fault.resolved_at).is_(None) | (col(Fault.resolved_at) >= start)
    )
    return list((await session.exec(statement.order_by(col(Fault.opened_at)))).all())


async def fault_events(session: AsyncSession, fault_id: int) -> list[FaultEvent]:
    statement = select(FaultEvent).where(FaultEvent.fault_id == fault_id).order_by(col(FaultEvent.id))
    return list((await session.exec(statement)).all())
