"""The Telegram outbox: every notice a workflow owes someone is a row before it is a message.

A notice is written in (or right after) the unit of work that makes it owed, and delivered by
bot/notices_delivery.py in id order per chat (alerts may pass over album pictures); so a Telegram
outage, a 500 or a crash delays a notice but never loses it, and its `key` keeps a workflow that
runs twice from owing it twice.

A notice may name a *record*, the row whose own message it is ("anomaly:12"): once posted, its
chat and message id are written into that row, so later changes edit it in place; an edit names
the record instead of a message id, and is resolved when it is sent. Notices that share a message
in a burst (`bundle_label`: an anomaly's private alerts) write that one message id into each of
their records; those records are never redrawn with `show`, which would edit the whole message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Table, bindparam
from sqlalchemy import select as select_columns
from sqlmodel import Field, SQLModel, col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime


class NoticeKind(StrEnum):
    MESSAGE = "message"
    PHOTO = "photo"  # evidence_id, text as caption
    DOCUMENT = "document"  # evidence_id, filename, text as caption
    EDIT = "edit"  # the record's message gets this text and keyboard


class TelegramNotice(SQLModel, table=True):
    __tablename__ = "telegram_outbox"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, index=True)  # "anomalia:12:alert:5": owed once
    created_at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(default=NoticeKind.MESSAGE, max_length=10)
    chat_id: int = Field(sa_type=BigInteger)
    thread_id: int | None = None
    text: str = ""
    markup: str | None = None  # InlineKeyboardMarkup as JSON
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    filename: str | None = Field(default=None, max_length=200)
    reply_to: str | None = Field(default=None, max_length=80)  # a record: reply to its message
    quote_message_id: int | None = None  # or reply to this message of the same chat (a person's command)
    record: str | None = Field(default=None, max_length=80)  # a record: whose message this is
    bundle_label: str | None = Field(default=None, max_length=40)  # may share a message in a burst, under this label
    brief: str | None = None  # what it says there, when shorter than `text` (bot/notices_bundle.py)
    attempts: int = 0
    refusals: int = 0  # attempts Telegram answered with an error (an outage does not count)
    last_error: str | None = None
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # refused for good by Telegram
    message_id: int | None = None


@dataclass(frozen=True)
class Record:
    """A row with a message of its own: `table`'s row `row_id`, its message id in `column` (and its
    chat in `chat_id`, when the table has one)."""

    table: str
    row_id: int
    column: str = "message_id"

    def __str__(self) -> str:
        return f"{self.table}:{self.row_id}:{self.column}"

    @classmethod
    def of(cls, model: type[SQLModel], row_id: int | None, column: str = "message_id") -> Record:
        assert row_id is not None, "a record is a stored row"
        return cls(str(model.__tablename__), row_id, column)

    @classmethod
    def parse(cls, text: str) -> Record:
        table, row_id, column = text.split(":")
        return cls(table, int(row_id), column)

    def _table(self) -> Table:
        return SQLModel.metadata.tables[self.table]


async def message_of(session: AsyncSession, record: Record) -> tuple[int | None, int | None]:
    """(chat id, message id) of the record's own message; None for what is not posted yet."""
    table = record._table()
    chat = table.c.chat_id if "chat_id" in table.c else None
    columns = [table.c[record.column]] + ([chat] if chat is not None else [])
    row = (await session.exec(select_columns(*columns).where(table.c.id == record.row_id))).first()
    if row is None:
        return None, None
    return (row[1] if chat is not None else None), row[0]


async def remember(session: AsyncSession, posted: list[tuple[Record, int, int]]) -> None:
    """Each record's (chat id, message id), one statement per table and column: a backlog of alerts
    shares one message, which each alert's record then names."""
    groups: dict[tuple[Table, str], list[dict[str, int]]] = {}
    for record, chat_id, message_id in posted:
        groups.setdefault((record._table(), record.column), []).append(
            {"row": record.row_id, "chat": chat_id, "message": message_id}
        )
    for (table, column), rows in groups.items():
        values = {column: bindparam("message")}
        if "chat_id" in table.c:
            values["chat_id"] = bindparam("chat")
        await session.exec(update(table).where(table.c.id == bindparam("row")).values(values), params=rows)  # type: ignore[call-overload]


async def by_ids(session: AsyncSession, ids: list[int]) -> dict[int, TelegramNotice]:
    """The rows of a run of notices, in one query (a backlog of alerts shares one message)."""
    statement = select(TelegramNotice).where(col(TelegramNotice.id).in_(ids))
    return {row.id: row for row in (await session.exec(statement)).all()}  # type: ignore[misc]


async def owed(session: AsyncSession, key: str) -> bool:
    """True if a notice with this key was ever queued (sent or not)."""
    statement = select(TelegramNotice.id).where(TelegramNotice.key == key).limit(1)
    return (await session.exec(statement)).first() is not None


async def latest_for(session: AsyncSession, record: Record) -> TelegramNotice | None:
    """The record's newest post or edit, sent, waiting or refused."""
    statement = (
        select(TelegramNotice).where(TelegramNotice.record == str(record)).order_by(col(TelegramNotice.id).desc())
    )
    return (await session.exec(statement.limit(1))).first()


async def undelivered(session: AsyncSession, failed_since: datetime) -> list[TelegramNotice]:
    """For `vigia outbox`: what still waits, and what Telegram refused for good since `failed_since`."""
    statement = (
        select(TelegramNotice)
        .where(_owed() | (col(TelegramNotice.failed_at) >= failed_since))
        .order_by(col(TelegramNotice.id))
    )
    return list((await session.exec(statement)).all())


def _owed() -> object:
    return col(TelegramNotice.sent_at).is_(None) & col(TelegramNotice.failed_at).is_(None)


async def chats_owed(session: AsyncSession) -> list[int]:
    """The chats with something to deliver, the one owed longest first."""
    statement = (
        select(TelegramNotice.chat_id)
        .where(_owed())
        .group_by(col(TelegramNotice.chat_id))
        .order_by(func.min(TelegramNotice.id))
    )
    return list((await session.exec(statement)).all())


async def owed_in(session: AsyncSession, chat_id: int, limit: int) -> list[TelegramNotice]:
    """A chat's oldest notices still owed, in the order they were queued."""
    statement = (
        select(TelegramNotice).where(_owed(), TelegramNotice.chat_id == chat_id).order_by(col(TelegramNotice.id))
    )
    return list((await session.exec(statement.limit(limit))).all())


async def move_owed(session: AsyncSession, old_chat: int, new_chat: int) -> None:
    """A chat's notices still owed go to its new id (a group that became a supergroup). An edit owed
    there becomes a new post of its record, counted afresh, as the old message cannot be edited any
    more: the record then names the new message, and later edits go to it. (A group that moves had no
    topics: the post goes to its general chat.) An edit to the old chat meets ChatMigrated, which
    moves it here too: edits name their record's chat."""
    owed_there = update(TelegramNotice).where(_owed(), TelegramNotice.chat_id == old_chat)
    reposted = {"kind": NoticeKind.MESSAGE, "thread_id": None, "refusals": 0, "last_error": None}
    await session.exec(owed_there.where(TelegramNotice.kind == NoticeKind.EDIT).values(reposted))
    await session.exec(owed_there.values(chat_id=new_chat))


async def forget_done(session: AsyncSession, before: datetime) -> int:
    """Empty the text and keyboard of notices sent or refused before `before`: what was said is in the
    chats, and the actions behind it in the audit log. The row and its key stay, so a notice owed once
    (a reminder of a case still open after months) is never owed again: a few dozen bytes a notice."""
    done = (col(TelegramNotice.sent_at) < before) | (col(TelegramNotice.failed_at) < before)
    statement = update(TelegramNotice).where(done, TelegramNotice.text != "").values(text="", brief=None, markup=None)
    return (await session.exec(statement)).rowcount  # type: ignore[attr-defined]
