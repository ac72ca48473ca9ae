"""The bot as its own process (`python -m bot run`, as bench/bot_process.py starts it) against
`FlakyTelegram`, with an SQLite file, killed with SIGKILL and started again.

A scenario runs once per test module (`run_scenario` in a module fixture) and leaves an `Outcome`:
every call Telegram saw, every mail the SMTP server accepted, and the database file, which the
tests of that module read to check one thing each.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bot_process import start_bot
from tests.conftest import TEST_ENV, UNIT_YAML
from tests.fake_telegram import Call
from tests.fake_telegram.server import _matches
from tests.harness import GROUP_ID, PERSONAS
from tests.mail_servers import SENDER, Received, SmtpServer
from tests.process_log import ProcessLog
from tests.resilience.faults import FlakyTelegram

START_S = 60  # start-up of a cold process (imports, migrations, menus) on a loaded 2-core machine


@dataclass
class BotProcess:
    fake: FlakyTelegram
    smtp: SmtpServer
    workdir: Path
    process: asyncio.subprocess.Process | None = None
    log: ProcessLog | None = None  # what the running process has logged
    topics: dict[str, int] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.workdir / "bench.db"

    def unit_file(self) -> Path:
        topics = ", ".join(f"{name}: {thread}" for name, thread in self.topics.items())
        path = self.workdir / "vigia.yaml"
        path.write_text(UNIT_YAML.replace("topics: {consignas: 11, fallas: 12}", f"topics: {{{topics}}}"), "utf-8")
        return path

    async def start(self, *, mail: bool) -> None:
        """`vigia run`, until it polls. Without `mail` SMTP is not configured: mail stays queued."""
        env = {**TEST_ENV, "TELEGRAM_RATE_LIMIT": "false", "VIGIA_LOG_LEVEL": "INFO"}  # no group limit: faster
        if mail:
            env |= {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp.port), "SMTP_SECURITY": "none"}
            env |= {"SMTP_FROM": SENDER}
        mark = self.fake.mark()
        self.process = await start_bot(self.fake, self.workdir, self.unit_file(), stderr=asyncio.subprocess.PIPE, **env)
        self.log = ProcessLog(self.process.stderr)
        await self.fake.wait_for("getMe", after=mark, timeout=START_S)
        await self.fake.wait_until_polling(timeout=START_S)

    async def mails(self, count: int, timeout: float) -> None:  # noqa: ASYNC109 - an assertion deadline
        """Until the SMTP server has accepted `count` mails (SmtpServer.wait_for allows only 5 s)."""
        try:
            async with asyncio.timeout(timeout), self.smtp._arrived:
                await self.smtp._arrived.wait_for(lambda: len(self.smtp.received) >= count)
        except TimeoutError:
            raise AssertionError(f"{len(self.smtp.received)} of {count} mails within {timeout}s") from None

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, whatever the bot was doing is cut there."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL

    async def stop(self) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                await self.process.wait()

    # ---------------------------------------------------------------- people, as in tests/harness.py

    def user(self, who: str) -> dict:
        telegram_id, first_name, language = PERSONAS[who]
        return self.fake.user(telegram_id, first_name, language_code=language)

    @property
    def group(self) -> dict:
        return {"id": GROUP_ID, "type": "supergroup", "title": "UTMV Operaciones", "is_forum": True}

    def send(self, who: str, text: str, where: str = "group") -> int:
        mark = self.fake.mark()
        chat = self.group if where == "group" else self.fake.private_chat(self.user(who))
        self.fake.send_text(self.user(who), chat, text)
        return mark

    def press(self, who: str, message: dict, data: str) -> int:
        mark = self.fake.mark()
        current = self.fake.message(message["chat"]["id"], message["message_id"]) or message
        self.fake.press(self.user(who), current, data)
        return mark

    async def recorded(self, key: str, timeout: float) -> None:  # noqa: ASYNC109 - an assertion deadline
        """Wait until the bot logs a notice whose key starts with `key` as sent (it logs after writing it
        down): a message Telegram took but the bot had not written down yet would, rightly, go again
        after a kill."""
        assert self.log is not None
        await self.log.wait_for(f"({key}", timeout)

    # ---------------------------------------------------------------- the database, while the bot is down

    def shift_back(self, table: str, column: str, minutes: int) -> None:
        """Move a time back, as if the bot had been down that long (SQLite stores naive UTC text)."""
        with sqlite3.connect(self.db) as connection:
            rows = connection.execute(f"SELECT id, {column} FROM {table}").fetchall()
            for row_id, value in rows:
                moved = datetime.fromisoformat(value) - timedelta(minutes=minutes)
                connection.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (str(moved), row_id))


@dataclass
class Outcome:
    calls: list[Call]
    mails: list[Received]
    db: Path
    notes: dict[str, Any]

    def rows(self, sql: str, *args: object) -> list[tuple]:
        with sqlite3.connect(self.db) as connection:
            return connection.execute(sql, args).fetchall()

    def sent(self, **match: Any) -> list[Call]:
        sends = ("sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup")
        return [c for c in self.calls if c.method in sends and c.ok and _matches(c, match)]

    def mails_to(self, address: str) -> list[Received]:
        return [m for m in self.mails if address in m.rcpt_tos]


def run_scenario(workdir: Path, scenario: Callable[[BotProcess], Awaitable[dict[str, Any]]]) -> Outcome:
    """Run `scenario` against a fresh fake Telegram, SMTP server and bot process; always clean up."""

    async def main() -> Outcome:
        fake, smtp = FlakyTelegram(), SmtpServer()
        await fake.start()
        await smtp.start()
        for who, (telegram_id, first_name, language) in PERSONAS.items():
            user = fake.user(telegram_id, first_name, language_code=language)
            if who not in ("tec.nuevo", "stranger"):
                fake.private_chat(user)
        group = fake.group(GROUP_ID, "UTMV Operaciones", forum=True)
        carlos = fake.user(*PERSONAS["coord.carlos"][:2])
        bot = BotProcess(fake, smtp, workdir)
        bot.topics = {name: fake.create_topic(carlos, group, name.capitalize()) for name in ("consignas", "anomalias")}
        bot.topics["fallas"] = fake.create_topic(carlos, group, "Fallas")
        try:
            notes = await scenario(bot)
        finally:
            if bot.process is not None:
                await bot.stop()
            await smtp.stop()
            await fake.stop()
        return Outcome(list(fake.calls), list(smtp.received), bot.db, notes)

    return asyncio.run(main())
