"""A question the bot asked a person, waiting for their next message (a note, a result, a reason)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime


class PendingPrompt(SQLModel, table=True):
    """Kept in the database so a restart between question and answer loses nothing."""

    __tablename__ = "pending_prompt"
    __table_args__ = (UniqueConstraint("person_id", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    chat_id: int = Field(sa_type=BigInteger)
    kind: str = Field(max_length=30)
    object_id: int
    prompt_message_id: int | None = None
    text: str | None = None  # an answer kept while a follow-up question is asked
    created_at: datetime = Field(sa_type=UTCDateTime)


async def prompt_for(session: AsyncSession, person_id: int, chat_id: int) -> PendingPrompt | None:
    statement = select(PendingPrompt).where(PendingPrompt.person_id == person_id, PendingPrompt.chat_id == chat_id)
    return (await session.exec(statement)).first()
