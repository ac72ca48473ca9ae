"""Where a record's own Telegram message is, so later changes edit it in place."""

from __future__ import annotations

from sqlmodel import SQLModel

from storage.db import Database


async def remember_message(db: Database, table: type[SQLModel], row_id: int, chat_id: int, message_id: int) -> None:
    """Every workflow record that is posted once and edited after (consigna, handover, anomaly,
    fault) has `chat_id` and `message_id` columns."""
    async with db.write() as session:
        row = await session.get(table, row_id)
        if row is not None:
            row.chat_id, row.message_id = chat_id, message_id  # type: ignore[attr-defined]
            session.add(row)
