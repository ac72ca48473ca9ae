"""The engine, sessions and schema upgrades.

Async all the way (aiosqlite, one trip per statement: storage/sqlite_async.py; asyncpg) so a query
never blocks the event loop. Writes take turns in-process (WriteTurns): SQLite serialises writers
anyway, and the audit chain needs each new row to see the previous one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.lanes import Lanes
from storage.sqlite_async import one_trip_module

MIGRATIONS = Path(__file__).parent / "migrations"
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """Accept the URLs people write (sqlite:///x.db, postgresql://...) and pick the async driver."""
    parsed = make_url(url)
    driver = ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None and parsed.drivername not in ASYNC_DRIVERS.values():
        raise ValueError(f"unsupported database {parsed.drivername!r}: use sqlite:/// or postgresql://")
    return parsed.set(drivername=driver or parsed.drivername).render_as_string(hide_password=False)


class Database:
    def __init__(self, url: str) -> None:
        self.url = make_url(async_url(url))
        if self.url.get_backend_name() == "sqlite" and self.url.database not in (None, "", ":memory:"):
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        # A ping before every session finds a PostgreSQL connection the server dropped; a SQLite file
        # never goes away under us, and the ping was a round trip to aiosqlite's thread (about 1 ms)
        # on every session: 40% of a short one.
        sqlite = self.url.get_backend_name() == "sqlite"
        driver = {"module": one_trip_module()} if sqlite else {}
        self.engine: AsyncEngine = create_async_engine(self.url, pool_pre_ping=not sqlite, **driver)
        if sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._write_turns = WriteTurns()

    @property
    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on error, one writer at a time; `urgent`
        for the outboxes' short bookkeeping (a mail batch, a sent alert), which goes before the
        ordinary units waiting. Rows `append`ed in it are written at its end, in the order appended."""
        async with self._write_turns.turn(urgent), self._sessions() as session, session.begin():
            session.info[APPENDED] = {}
            yield session
            await session.flush()  # what the unit added first: an appended row may name one of them
            for model, rows in session.info[APPENDED].items():  # the table's, not the ORM's: one statement
                await session.exec(insert(model.__table__), params=rows)  # type: ignore[call-overload, attr-defined]

    async def upgrade(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    async def pending_migrations(self) -> bool:
        async with self.engine.connect() as connection:
            return await connection.run_sync(_is_behind)

    async def dispose(self) -> None:
        await self.engine.dispose()


APPENDED = "storage.appended"  # in a unit of work's session.info: the rows `append` keeps for its end


def append(session: AsyncSession, model: type[SQLModel], row: dict[str, Any]) -> None:
    """A row that nothing reads back in this unit of work (the audit log's, a mail's attempt), written
    at its end with the others of its table in one statement instead of one each: filing a report
    writes three audit rows. It goes in after every row the session flushes, so only for a table
    whose order against the unit's other tables does not matter. Only inside `Database.write`."""
    if APPENDED not in session.info:
        raise RuntimeError("append() keeps rows for the end of a Database.write unit of work: call it in one")
    session.info[APPENDED].setdefault(model, []).append(row)


class WriteTurns:
    """One writer at a time, in the order they asked, except that an urgent one goes before every
    ordinary one waiting. In a burst of reports the ordinary queue holds twenty filings: recording
    which mails went out (and claiming the next), or which alerts (the person's next message waits
    on it), must not wait behind them, or mail and alerts fall behind."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting = Lanes()

    @asynccontextmanager
    async def turn(self, urgent: bool) -> AsyncIterator[None]:
        if self._busy:
            handed = self._waiting.join(urgent)
            try:
                await handed
            except asyncio.CancelledError:
                if handed.done() and not handed.cancelled():  # cancelled just after its turn came: pass it on
                    self._next()
                raise
        self._busy = True
        try:
            yield
        finally:
            self._next()

    def _next(self) -> None:
        self._busy = self._waiting.hand_over()  # still busy when handed over: the turn passes straight on


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _is_behind(connection: Connection) -> bool:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return MigrationContext.configure(connection).get_current_revision() != head


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers work while the bot writes; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
