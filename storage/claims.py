"""Claiming a piece of scheduled work exactly once, with a conditional UPDATE.

`UPDATE ... SET reminded_at = now WHERE id = ? AND reminded_at IS NULL` changes one row for the
first claimer and none for anyone else, across restarts and processes.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel, col, update
from sqlmodel.ext.asyncio.session import AsyncSession


async def claim(session: AsyncSession, table: type[SQLModel], row_id: int, stamp: str, now: datetime) -> bool:
    column = col(getattr(table, stamp))
    statement = update(table).where(col(table.id) == row_id, column.is_(None)).values({stamp: now})  # type: ignore[attr-defined]
    return (await session.exec(statement)).rowcount == 1  # type: ignore[attr-defined]
