"""Information requests (procedure II): the request as registered, its state and deadline, its
timeline, and every document received or delivered, each with its hash (lineamiento c)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime

OPEN_STATES = (
    "registrada",
    "autorizacion_pendiente",
    "pertinencia",
    "ampliar_datos",
    "busqueda",
    "verificacion",
    "autorizacion_firma",
)


class Solicitud(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("year", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    seq: int
    kind: str = Field(max_length=8)  # interna | externa
    unit_code: str = Field(max_length=40)
    channel: str = Field(max_length=20)
    reference: str = Field(default="", max_length=80)  # the requester's memo or letter number
    received_on: date
    requester: str = Field(max_length=120)
    requester_email: str | None = Field(default=None, max_length=200)
    asked: str  # what is asked, in the requester's words
    site_code: str | None = Field(default=None, max_length=40)
    cameras: str = ""  # camera codes, comma-separated
    window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    window_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    plates: str = ""
    older_than_five_years: bool = False
    state: str = Field(max_length=24, index=True)
    due_on: date
    created_at: datetime = Field(sa_type=UTCDateTime)
    registered_by_id: int = Field(foreign_key="person.id")
    consigna_id: int | None = Field(default=None, foreign_key="consigna.id")
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = None
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retention_warned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def number(self) -> str:
        return f"S-{self.year}-{self.seq:04d}"


class SolicitudEvent(SQLModel, table=True):
    __tablename__ = "solicitud_event"

    id: int | None = Field(default=None, primary_key=True)
    solicitud_id: int = Field(foreign_key="solicitud.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=24)
    state: str = Field(max_length=24)  # the state it left the request in
    text: str | None = None


class SolicitudDocument(SQLModel, table=True):
    """A file of the request: the request itself, an export found, the memo, the answer sent."""

    __tablename__ = "solicitud_document"

    id: int | None = Field(default=None, primary_key=True)
    solicitud_id: int = Field(foreign_key="solicitud.id", index=True)
    evidence_id: int = Field(foreign_key="evidence.id")
    role: str = Field(max_length=12)  # documento | hallazgo | memo
    added_at: datetime = Field(sa_type=UTCDateTime)
    added_by_id: int | None = Field(default=None, foreign_key="person.id")


async def next_seq(session: AsyncSession, year: int) -> int:
    current = (await session.exec(select(func.max(Solicitud.seq)).where(Solicitud.year == year))).first()
    return (current or 0) + 1


async def by_number(session: AsyncSession, year: int, seq: int) -> Solicitud | None:
    return (await session.exec(select(Solicitud).where(Solicitud.year == year, Solicitud.seq == seq))).first()


async def open_requests(session: AsyncSession) -> list[Solicitud]:
    statement = select(Solicitud).where(col(Solicitud.state).in_(OPEN_STATES)).order_by(col(Solicitud.due_on))
    return list((await session.exec(statement)).all())


async def events_of(session: AsyncSession, solicitud_id: int) -> list[SolicitudEvent]:
    statement = select(SolicitudEvent).where(SolicitudEvent.solicitud_id == solicitud_id)
    return list((await session.exec(statement.order_by(col(SolicitudEvent.id)))).all())


async def documents_of(session: AsyncSession, solicitud_id: int) -> list[SolicitudDocument]:
    statement = select(SolicitudDocument).where(SolicitudDocument.solicitud_id == solicitud_id)
    return list((await session.exec(statement.order_by(col(SolicitudDocument.id)))).all())
