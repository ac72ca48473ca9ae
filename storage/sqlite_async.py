"""SQLite through aiosqlite in one trip to its thread per statement.

SQLAlchemy's aiosqlite adapter makes four trips to aiosqlite's thread for every statement (open a
cursor, execute, fetch the rows, close it), and each trip is a hand-over between threads and a
wake-up of the event loop. Filing an anomaly runs two dozen statements; the trips were a third of
its CPU, and in a burst of reports they were what the write lock waited on. Here a cursor's whole
life is one function run on that thread: the event loop still never waits on SQLite (a heavy query
blocks nothing), and pays one trip a statement. The rollback that ends every session, reads
included, makes a trip only when a write began a transaction.

This uses aiosqlite's private `_execute` and `_conn`, as SQLAlchemy's own adapter does (`_conn`,
`_tx`): pyproject.toml pins aiosqlite to 0.22.x, and every storage test goes through here.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT

Outcome = tuple[Any, list[Any], int, int | None]  # description, rows, rowcount, lastrowid


def _run(connection: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> Outcome:
    """On aiosqlite's thread: a cursor from start to end."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """What SQLAlchemy reads of a cursor (rows, description, rowcount, lastrowid), kept from the one
    trip; there is no aiosqlite cursor to open or close."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description, self._rowcount, self._lastrowid = None, -1, None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1  # the DB-API default, for fetchmany() without a size

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(False, operation, () if parameters is None else parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(True, operation, seq_of_parameters)

    async def _trip(self, many: bool, operation: Any, parameters: Any) -> None:
        async with self._adapt_connection._execute_mutex:
            outcome = await self._connection._execute(_run, self._connection._conn, many, operation, parameters)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _async_soft_close(self) -> None:
        """Nothing is open on the thread: the rows are here already."""

    def close(self) -> None:
        self._rows.clear()


class _OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneTripCursor

    def rollback(self) -> None:
        """Only what a write began: every read session ends with a rollback, which sqlite3 (which
        begins a transaction only before a write) would answer with nothing done, after a trip."""
        connection = self._connection._connection
        if connection is not None and connection.in_transaction:
            super().rollback()


class _OneTripModule(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *args: Any, **kwargs: Any) -> AsyncAdapt_aiosqlite_connection:
        return _OneTripConnection(self, super().connect(*args, **kwargs)._connection)


def one_trip_module() -> AsyncAdapt_aiosqlite_dbapi:
    """The DB-API module for `create_async_engine(..., module=...)` on a sqlite+aiosqlite URL."""
    return _OneTripModule(aiosqlite, sqlite3)
