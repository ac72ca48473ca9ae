"""Anomalies (procedure I-2, I-3): the report, who was notified and how, and the timeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries import grouped
from storage.types import UTCDateTime


class AnomalyStatus(StrEnum):
    ABIERTA = "abierta"
    JUSTIFICADA = "justificada"
    CERRADA = "cerrada"


class Anomaly(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("year", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    seq: int
    site_code: str = Field(max_length=40, index=True)
    cameras: str = ""  # camera codes, comma separated
    category: str = Field(max_length=40)
    description: str
    reporter_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: str = Field(default=AnomalyStatus.ABIERTA, max_length=12, index=True)
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    message_id: int | None = None
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="person.id")
    closing_note: str | None = None
    justification_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    justification_escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def number(self) -> str:
        return f"A-{self.year}-{self.seq:04d}"


class AnomalyNotice(SQLModel, table=True):
    """One person told about one anomaly: the call, the alert, the acknowledgement, the justification."""

    __tablename__ = "anomaly_notice"

    id: int | None = Field(default=None, primary_key=True)
    anomaly_id: int = Field(foreign_key="anomaly.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    role: str = Field(max_length=20)
    backup: bool = False
    call_outcome: str | None = Field(default=None, max_length=20)  # realizada | no_contesta
    called_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    alert_message_id: int | None = None
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ack_escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    justification: str | None = None
    justified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    justified_via: str | None = Field(default=None, max_length=10)  # telegram | email
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # justification shown in the group


class AnomalyEvent(SQLModel, table=True):
    __tablename__ = "anomaly_event"

    id: int | None = Field(default=None, primary_key=True)
    anomaly_id: int = Field(foreign_key="anomaly.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=30)
    text: str | None = None


class AnomalyPhoto(SQLModel, table=True):
    """An image of the report (a camera snapshot or the reporter's own photo), kept as evidence."""

    __tablename__ = "anomaly_photo"

    id: int | None = Field(default=None, primary_key=True)
    anomaly_id: int = Field(foreign_key="anomaly.id", index=True)
    evidence_id: int = Field(foreign_key="evidence.id")


async def next_seq(session: AsyncSession, year: int) -> int:
    """Numbers restart each year; called inside the writer lock, so no two reports share one."""
    current = (await session.exec(select(func.max(Anomaly.seq)).where(Anomaly.year == year))).first()
    return (current or 0) + 1


async def by_number(session: AsyncSession, year: int, seq: int) -> Anomaly | None:
    return (await session.exec(select(Anomaly).where(Anomaly.year == year, Anomaly.seq == seq))).first()


async def open_anomalies(session: AsyncSession) -> list[Anomaly]:
    statement = select(Anomaly).where(Anomaly.status != AnomalyStatus.CERRADA).order_by(col(Anomaly.created_at))
    return list((await session.exec(statement)).all())


async def notices_by_id(session: AsyncSession, notice_ids: list[int]) -> list[AnomalyNotice]:
    """The notices among `notice_ids` that exist, in one query (a shared alert names up to fifty)."""
    return list((await session.exec(select(AnomalyNotice).where(col(AnomalyNotice.id).in_(notice_ids)))).all())


async def justifications_to_post(session: AsyncSession) -> list[AnomalyNotice]:
    """Justifications not yet shown in the group, whatever their case's state: one that came by mail
    just before the case was closed is still owed to the group."""
    statement = select(AnomalyNotice).where(
        col(AnomalyNotice.justified_at).is_not(None), col(AnomalyNotice.posted_at).is_(None)
    )
    return list((await session.exec(statement.order_by(col(AnomalyNotice.id)))).all())


async def notices_of(session: AsyncSession, anomaly_id: int) -> list[AnomalyNotice]:
    return (await notices_for(session, [anomaly_id]))[anomaly_id]


async def notices_for(session: AsyncSession, anomaly_ids: list[int]) -> dict[int, list[AnomalyNotice]]:
    """Each case's notices, in the order made; one query for many cases (a job's round over the open ones)."""
    return await grouped(session, AnomalyNotice, "anomaly_id", anomaly_ids)


async def events_of(session: AsyncSession, anomaly_id: int) -> list[AnomalyEvent]:
    statement = select(AnomalyEvent).where(AnomalyEvent.anomaly_id == anomaly_id).order_by(col(AnomalyEvent.id))
    return list((await session.exec(statement)).all())


async def photos_of(session: AsyncSession, anomaly_id: int) -> list[AnomalyPhoto]:
    statement = select(AnomalyPhoto).where(AnomalyPhoto.anomaly_id == anomaly_id).order_by(col(AnomalyPhoto.id))
    return list((await session.exec(statement)).all())


class AnomalyDraft(SQLModel, table=True):
    """A guided report being filled in, step by step; kept in the database so nothing typed is lost."""

    __tablename__ = "anomaly_draft"
    __table_args__ = (UniqueConstraint("person_id", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int | None = None
    step: str = Field(default="site", max_length=12)  # site, cameras, category, description, photos
    site_code: str | None = Field(default=None, max_length=40)
    cameras: str = ""
    category: str | None = Field(default=None, max_length=40)
    description: str | None = None
    photos: str = ""  # Telegram file ids, comma separated
    created_at: datetime = Field(sa_type=UTCDateTime)


async def draft_of(session: AsyncSession, person_id: int, chat_id: int) -> AnomalyDraft | None:
    statement = select(AnomalyDraft).where(AnomalyDraft.person_id == person_id, AnomalyDraft.chat_id == chat_id)
    return (await session.exec(statement)).first()
