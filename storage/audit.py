"""The append-only, hash-chained audit log: who did what to which object, and when."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime

GENESIS = "0" * 64


class AuditEntry(SQLModel, table=True):
    """`prev_hash` is unique: two rows can never claim the same predecessor, so the chain can't fork."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_actor", "action", "actor_telegram_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    actor_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    action: str = Field(max_length=60)
    object_type: str | None = Field(default=None, max_length=40)
    object_id: str | None = Field(default=None, max_length=80)
    detail: str = ""
    prev_hash: str = Field(unique=True, max_length=64)
    hash: str = Field(max_length=64)


async def last_hash(session: AsyncSession) -> str:
    statement = select(AuditEntry.hash).order_by(col(AuditEntry.id).desc()).limit(1)
    return (await session.exec(statement)).first() or GENESIS


async def entries_in_order(session: AsyncSession, batch: int = 1000) -> AsyncIterator[AuditEntry]:
    """Every row by id, fetched in batches so verifying a large log stays small in memory."""
    after = 0
    while True:
        statement = select(AuditEntry).where(col(AuditEntry.id) > after).order_by(col(AuditEntry.id)).limit(batch)
        rows = (await session.exec(statement)).all()
        if not rows:
            return
        for row in rows:
            yield row
        after = rows[-1].id or after


async def was_refused(session: AsyncSession, action: str, telegram_id: int) -> bool:
    statement = select(AuditEntry.id).where(AuditEntry.action == action, AuditEntry.actor_telegram_id == telegram_id)
    return (await session.exec(statement.limit(1))).first() is not None


async def latest_entry(session: AsyncSession, action: str, object_id: str) -> AuditEntry | None:
    """The newest entry of `action` about `object_id`."""
    statement = select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object_id == object_id)
    return (await session.exec(statement.order_by(col(AuditEntry.id).desc()).limit(1))).first()


async def first_entry_at(session: AsyncSession) -> datetime | None:
    """When the bot first wrote anything: its installation, as far as catching up is concerned."""
    return (await session.exec(select(AuditEntry.at).order_by(col(AuditEntry.id)).limit(1))).first()
