"""Consignas (orders handed to the technicians) and their timeline of events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime


class ConsignaStatus(StrEnum):
    ABIERTA = "abierta"
    CUMPLIDA = "cumplida"
    CANCELADA = "cancelada"


class Origin(StrEnum):
    """Where an order came from (procedure I-1: the previous shift or the chief; II-1: a request)."""

    TURNO_ANTERIOR = "turno_anterior"
    COORDINACION = "coordinacion"
    JEFATURA = "jefatura"
    SOLICITUD = "solicitud"


class Consigna(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    text: str
    origin: str = Field(max_length=20)
    source_ref: str | None = Field(default=None, max_length=40)  # e.g. the information request's number
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    holder_id: int | None = Field(default=None, foreign_key="person.id")
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    site_code: str | None = Field(default=None, max_length=40)
    camera_code: str | None = Field(default=None, max_length=40)
    status: str = Field(default=ConsignaStatus.ABIERTA, max_length=12, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="person.id")
    result: str | None = None
    result_photo: str | None = Field(default=None, max_length=200)  # Telegram file_id
    cancel_reason: str | None = None
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = None
    overdue_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    overdue_escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConsignaEvent(SQLModel, table=True):
    """One thing that happened to a consigna, by whom and when: the consigna's timeline."""

    __tablename__ = "consigna_event"

    id: int | None = Field(default=None, primary_key=True)
    consigna_id: int = Field(foreign_key="consigna.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=20)
    text: str | None = None
    photo: str | None = Field(default=None, max_length=200)


async def open_consignas(session: AsyncSession) -> list[Consigna]:
    statement = select(Consigna).where(Consigna.status == ConsignaStatus.ABIERTA).order_by(col(Consigna.created_at))
    return list((await session.exec(statement)).all())


async def consignas_between(session: AsyncSession, start: datetime, end: datetime) -> list[Consigna]:
    """Created, or closed, in [start, end)."""
    created = (col(Consigna.created_at) >= start) & (col(Consigna.created_at) < end)
    closed = (col(Consigna.closed_at) >= start) & (col(Consigna.closed_at) < end)
    return list((await session.exec(select(Consigna).where(created | closed))).all())


async def events_of(session: AsyncSession, consigna_id: int) -> list[ConsignaEvent]:
    statement = select(ConsignaEvent).where(ConsignaEvent.consigna_id == consigna_id).order_by(col(ConsignaEvent.id))
    return list((await session.exec(statement)).all())
