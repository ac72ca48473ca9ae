"""Shifts: one-day roster changes, check-ins, and the notices sent once per shift instance."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime


class RosterChange(SQLModel, table=True):
    """Who works one shift instance instead of the usual roster; the newest row wins."""

    __tablename__ = "roster_change"

    id: int | None = Field(default=None, primary_key=True)
    shift_day: date = Field(index=True)
    shift_name: str = Field(max_length=30)
    people: str = ""  # person keys, comma separated
    changed_by_id: int = Field(foreign_key="person.id")
    changed_at: datetime = Field(sa_type=UTCDateTime)


class CheckIn(SQLModel, table=True):
    __tablename__ = "check_in"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    slot_key: str = Field(max_length=50, index=True)
    checked_in_at: datetime = Field(sa_type=UTCDateTime)
    checked_out_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ShiftNotice(SQLModel, table=True):
    """A notice (handover prompt, chief's summary) that must go out exactly once per shift instance."""

    __tablename__ = "shift_notice"
    __table_args__ = (UniqueConstraint("slot_key", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    slot_key: str = Field(max_length=50)
    kind: str = Field(max_length=30)
    sent_at: datetime = Field(sa_type=UTCDateTime)


class PinnedBoard(SQLModel, table=True):
    """Where a board message lives, so it is edited in place instead of posted again."""

    __tablename__ = "pinned_board"

    key: str = Field(primary_key=True, max_length=30)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int


async def roster_change(session: AsyncSession, day: date, shift_name: str) -> RosterChange | None:
    statement = (
        select(RosterChange)
        .where(RosterChange.shift_day == day, RosterChange.shift_name == shift_name)
        .order_by(col(RosterChange.id).desc())
    )
    return (await session.exec(statement.limit(1))).first()


async def open_check_in(session: AsyncSession, person_id: int) -> CheckIn | None:
    statement = select(CheckIn).where(CheckIn.person_id == person_id, col(CheckIn.checked_out_at).is_(None))
    return (await session.exec(statement.order_by(col(CheckIn.id).desc()).limit(1))).first()


async def check_ins(session: AsyncSession, slot_key: str) -> list[CheckIn]:
    return list((await session.exec(select(CheckIn).where(CheckIn.slot_key == slot_key))).all())


async def notice_sent(session: AsyncSession, slot_key: str, kind: str) -> bool:
    statement = select(ShiftNotice.id).where(ShiftNotice.slot_key == slot_key, ShiftNotice.kind == kind)
    return (await session.exec(statement)).first() is not None
