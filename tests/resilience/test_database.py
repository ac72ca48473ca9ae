"""The database briefly unavailable while a handler writes: SQLite locked by another connection for
longer than the bot's busy_timeout, and a PostgreSQL server (a throw-away cluster of the test's own)
stopped and started. The user must get an error with a reference, nothing may crash, nothing may be
half-written, and the next attempt must work."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

import storage.db
from storage.consignas import Consigna
from tests.harness import GROUP_ID, BotHarness
from tests.resilience.postgres import Cluster, throwaway_cluster

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ANA = 1001
REFERENCE = re.compile(r"Algo falló de nuestro lado \(referencia <code>[0-9A-F]{6}</code>\)")
BUSY_TIMEOUT_MS = 300  # the bot's is 10 000 ms: the same behaviour, 30 times sooner

SLOW_S = 30.0


async def consignas(bot: BotHarness) -> list[Consigna]:
    async with bot.services.db.read() as session:
        return list((await session.exec(select(Consigna))).all())


def lock_writes(bot: BotHarness) -> sqlite3.Connection:
    """Another process's writer: `BEGIN IMMEDIATE` takes SQLite's write lock and keeps it (WAL: readers go on)."""
    path = bot.settings.database_url_or_default.removeprefix("sqlite:///")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    return connection


async def test_it_answers_with_a_reference_while_sqlite_is_locked_and_works_after(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault: a second connection holds SQLite's write lock (BEGIN IMMEDIATE) for longer than the bot's
    busy_timeout (shortened to 300 ms for the test) while Ana files a consigna. Expected: she gets
    "Algo falló … (referencia XXXXXX)", no consigna is half-written, the bot keeps answering, and the
    same command works once the lock is gone."""

    def short_busy_timeout(dbapi_connection: Any, record: Any) -> None:
        original(dbapi_connection, record)
        dbapi_connection.cursor().execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    original = storage.db._sqlite_pragmas
    monkeypatch.setattr(storage.db, "_sqlite_pragmas", short_busy_timeout)
    await bot.restart()
    locker = lock_writes(bot)
    try:
        failed = await bot.ask("tec.ana", "/consigna Revisar la cámara del portón norte", "group")
        assert REFERENCE.search(failed.params["text"]), failed.params["text"]
        assert "Vigía" in (await bot.ask("jefe.marta", "/ayuda")).params["text"]  # still answering
        assert await consignas(bot) == []
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert bot.take_errors() == ["OperationalError"]
    mark, _ = await bot.send("tec.ana", "/consigna Revisar la cámara del portón norte", "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="<b>Consigna #1</b>")
    await bot.settle()
    assert [c.text for c in await consignas(bot)] == ["Revisar la cámara del portón norte"]


async def test_it_waits_out_a_lock_shorter_than_busy_timeout(bot: BotHarness) -> None:
    """Fault: another connection holds SQLite's write lock for 0.5 s (the bot's busy_timeout is 10 s)
    while Ana files a consigna. Expected: the bot waits, files it once, and no error is shown."""
    locker = lock_writes(bot)
    asyncio.get_running_loop().call_later(0.5, locker.execute, "ROLLBACK")  # the fault's length
    try:
        mark, _ = await bot.send("tec.ana", "/consigna Revisar la cámara del portón norte", "group")
        await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="<b>Consigna #1</b>")
        await bot.settle()
    finally:
        locker.close()
    assert len(await consignas(bot)) == 1 and not [c for c in bot.fake.calls if "Algo falló" in str(c.params)]


@pytest.fixture
def postgres() -> Iterator[Cluster]:
    with throwaway_cluster() as cluster:
        yield cluster


async def consigna_while_postgresql_is_down(bot: BotHarness, postgres: Cluster) -> list[str]:
    """Ana files a consigna with the server stopped, then again once it is back; returns the error replies."""
    bot.settings = bot.settings.model_copy(update={"database_url": postgres.url})
    await bot.restart()
    # Each step opens connections to a server just (re)started, on a machine the other tests load:
    # the waits are as long as settle()'s, not the fake's default 5 s (one run in nine ran out).
    await bot.ask("tec.ana", "/consignas", timeout=SLOW_S)  # the pool holds a live connection, which the stop cuts
    await asyncio.to_thread(postgres.stop)
    mark, _ = await bot.send("tec.ana", "/consigna Revisar la cámara del portón norte", "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Algo falló", timeout=SLOW_S)
    await asyncio.to_thread(postgres.start)
    retry, _ = await bot.send("tec.ana", "/consigna Revisar la cámara del portón norte", "group")
    done = await bot.fake.wait_for(
        "sendMessage", after=retry, chat_id=GROUP_ID, text_contains="<b>Consigna #1</b>", timeout=SLOW_S
    )
    await bot.settle()
    # the group's updates go in order: every answer to the first /consigna came before the retry's post
    errors = [
        str(c.params["text"])
        for c in bot.fake.calls[mark : done.index]
        if c.method == "sendMessage" and "Algo falló" in str(c.params["text"])
    ]
    assert set(bot.take_errors()) == {"ConnectionRefusedError"}
    return errors


async def test_it_answers_with_a_reference_while_postgresql_is_down_and_works_after(
    bot: BotHarness, postgres: Cluster
) -> None:
    """Fault: the bot runs on PostgreSQL (a throw-away cluster) and the server is stopped (fast shutdown:
    pooled connections cut, new ones refused) while Ana files a consigna. Expected: she gets "Algo falló
    … (referencia XXXXXX)", nothing crashes, and after the server is back the same command works, once,
    on a fresh connection."""
    errors = await consigna_while_postgresql_is_down(bot, postgres)
    assert errors and all(REFERENCE.search(text) for text in errors), errors
    assert [c.text for c in await consignas(bot)] == ["Revisar la cámara del portón norte"]


async def test_it_answers_one_error_per_command_while_postgresql_is_down(bot: BotHarness, postgres: Cluster) -> None:
    """Fault: as above. Expected: one error reply for one command."""
    assert len(await consigna_while_postgresql_is_down(bot, postgres)) == 1
