"""Claiming a piece of scheduled work exactly once, with a conditional UPDATE.

`UPDATE ... SET reminded_at = now WHERE id = ? AND reminded_at IS NULL` changes one row for the
first claimer and none for anyone else, across restarts and processes. Work that repeats (a reminder
every few hours) is claimed the same way against the stamp the claimer saw.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel, col, update
from sqlmodel.ext.asyncio.session import AsyncSession


async def claim(session: AsyncSession, table: type[SQLModel], row_id: int, stamp: str, now: datetime) -> bool:
    return await claim_again(session, table, row_id, stamp, None, now)


async def claim_again(
    session: AsyncSession, table: type[SQLModel], row_id: int, stamp: str, seen: datetime | None, now: datetime
) -> bool:
    """Like `claim`, for work done again and again: only the claimer that saw the stamp at `seen` (None:
    never done) moves it on to `now`; a second claimer of the same round finds it moved and gets False."""
    column = col(getattr(table, stamp))
    current = column.is_(None) if seen is None else column == seen
    statement = update(table).where(col(table.id) == row_id, current).values({stamp: now})  # type: ignore[attr-defined]
    return (await session.exec(statement)).rowcount == 1  # type: ignore[attr-defined]
