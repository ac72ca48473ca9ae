"""The camera health monitor's memory: each camera's small status, its reference looks, an hourly
tally of probe results (the availability figures), and planned maintenance windows.

Only what must survive a restart is stored. Recent frames for the frozen check live in memory: a
restart simply takes three more probes to judge a freeze.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime


class CameraHealth(SQLModel, table=True):
    """`status` is up or down (a fault is held for it); the streaks are the debounce."""

    __tablename__ = "camera_health"

    camera_code: str = Field(primary_key=True, max_length=40)
    status: str = Field(default="up", max_length=8)
    conditions: str = Field(default="", max_length=200)  # the last probe's findings, comma-separated
    bad_streak: int = 0
    good_streak: int = 0
    since: datetime = Field(sa_type=UTCDateTime)  # when it entered `status`
    last_probe_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_good_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fault_id: int | None = Field(default=None, foreign_key="fault.id")  # the fault holding it while down
    last_fault_id: int | None = Field(default=None, foreign_key="fault.id")  # reopened if it flaps back soon
    recovered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CameraReference(SQLModel, table=True):
    """A camera's healthy look, one for the day and one for the night."""

    __tablename__ = "camera_reference"

    camera_code: str = Field(primary_key=True, max_length=40)
    period: str = Field(primary_key=True, max_length=5)  # day | night
    data: bytes = Field(sa_type=LargeBinary)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    set_by_id: int | None = Field(default=None, foreign_key="person.id")  # None: learned by the monitor


class CameraUptime(SQLModel, table=True):
    """Probe results per camera and hour (UTC): availability by camera, site and day is summed from it."""

    __tablename__ = "camera_uptime"

    camera_code: str = Field(primary_key=True, max_length=40)
    hour: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    up: int = 0
    degraded: int = 0
    down: int = 0
    maintenance: int = 0


class MaintenanceWindow(SQLModel, table=True):
    """Planned work on a camera or a whole site: the monitor opens no fault meanwhile."""

    __tablename__ = "maintenance_window"

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=10)  # camara | sitio
    code: str = Field(max_length=40, index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime, index=True)
    reason: str = ""
    created_by_id: int | None = Field(default=None, foreign_key="person.id")


async def health_rows(session: AsyncSession) -> dict[str, CameraHealth]:
    return {row.camera_code: row for row in (await session.exec(select(CameraHealth))).all()}


async def references(session: AsyncSession) -> dict[tuple[str, str], CameraReference]:
    return {(r.camera_code, r.period): r for r in (await session.exec(select(CameraReference))).all()}


async def uptime_at(session: AsyncSession, hour: datetime) -> dict[str, CameraUptime]:
    rows = (await session.exec(select(CameraUptime).where(CameraUptime.hour == hour))).all()
    return {row.camera_code: row for row in rows}


async def uptime_between(session: AsyncSession, start: datetime, end: datetime) -> list[CameraUptime]:
    statement = select(CameraUptime).where(col(CameraUptime.hour) >= start, col(CameraUptime.hour) < end)
    return list((await session.exec(statement)).all())


async def active_windows(session: AsyncSession, now: datetime) -> list[MaintenanceWindow]:
    statement = (
        select(MaintenanceWindow)
        .where(col(MaintenanceWindow.starts_at) <= now, col(MaintenanceWindow.ends_at) > now)
        .order_by(col(MaintenanceWindow.ends_at))
    )
    return list((await session.exec(statement)).all())
