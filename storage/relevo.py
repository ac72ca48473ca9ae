"""Shift handovers and the items each one hands over."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime


class Handover(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slot_key: str = Field(max_length=50, index=True)  # the outgoing shift instance
    incoming_slot_key: str = Field(max_length=50)
    from_person_id: int = Field(foreign_key="person.id")
    notes: str = ""
    created_at: datetime = Field(sa_type=UTCDateTime)
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = None
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    accepted_by_id: int | None = Field(default=None, foreign_key="person.id")
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class HandoverItem(SQLModel, table=True):
    """One open item (a consigna, later an anomaly or a fault) that someone must accept by name."""

    __tablename__ = "handover_item"

    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id", index=True)
    kind: str = Field(max_length=20)
    ref: str = Field(max_length=40)
    label: str
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_by_id: int | None = Field(default=None, foreign_key="person.id")


async def open_handovers(session: AsyncSession) -> list[Handover]:
    statement = select(Handover).where(col(Handover.accepted_at).is_(None)).order_by(col(Handover.id))
    return list((await session.exec(statement)).all())


async def items_of(session: AsyncSession, handover_id: int) -> list[HandoverItem]:
    statement = select(HandoverItem).where(HandoverItem.handover_id == handover_id).order_by(col(HandoverItem.id))
    return list((await session.exec(statement)).all())


async def handover_of_slot(session: AsyncSession, slot_key: str) -> Handover | None:
    statement = select(Handover).where(Handover.slot_key == slot_key).order_by(col(Handover.id).desc())
    return (await session.exec(statement.limit(1))).first()
