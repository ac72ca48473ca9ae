"""End-to-end harness: the real bot, over real HTTP, against the fake Bot API server.

`bot` starts a fresh fake server and a fresh Application per test (both are cheap), with the
personas of tests/conftest.py already linked. Tests talk as a persona and wait for the calls
the bot makes; nothing sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.services import Services
from bot.settings import Settings
from bot.unit_config import load_unit_config
from storage.db import Database
from tests.fake_telegram import Call, FakeTelegram

GROUP_ID = -1001000000001
PERSONAS = {  # key in the unit file -> (telegram id, first name, Telegram language)
    "tec.ana": (1001, "Ana", "es"),
    "tec.kevin": (1002, "Kevin", "en"),
    "coord.carlos": (1003, "Carlos", "es"),
    "jefe.marta": (1004, "Marta", "es"),
    "adm.luis": (1005, "Luis", "es"),
    "seg.oscar": (1006, "Óscar", "es"),
    "dir.general": (1007, "Director", "es"),
    "tec.nuevo": (1008, "Nuevo", "es"),  # in the unit file, not linked yet
    "stranger": (6666, "Eve", "es"),  # not in the unit file at all
}


@dataclass
class Clock:
    """The bot's clock; real time unless a test moves it."""

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class BotHarness:
    fake: FakeTelegram
    app: Application
    services: Services
    clock: Clock
    errors: list[BaseException] = field(default_factory=list)

    def user(self, who: str) -> dict:
        telegram_id, first_name, language = PERSONAS[who]
        return self.fake.user(telegram_id, first_name, language_code=language)

    @property
    def group(self) -> dict:
        return self.fake.group(GROUP_ID, "UTMV Operaciones", forum=True)

    def private(self, who: str) -> dict:
        return self.fake.private_chat(self.user(who))

    def chat(self, who: str, where: str) -> dict:
        return self.group if where == "group" else self.private(who)

    async def send(self, who: str, text: str, where: str = "private") -> tuple[int, dict]:
        """Send `text` as `who`; returns the call index to wait after, and the chat it went to."""
        mark, chat = self.fake.mark(), self.chat(who, where)
        self.fake.send_text(self.user(who), chat, text)
        return mark, chat

    async def ask(self, who: str, text: str, where: str = "private", **match: object) -> Call:
        """Send `text` and return the bot's next message into the same chat."""
        mark, chat = await self.send(who, text, where)
        return await self.fake.wait_for("sendMessage", after=mark, chat_id=chat["id"], **match)

    async def settle(self) -> int:
        """Wait until every update sent so far is handled (PTB handles them in order)."""
        await self.ask("jefe.marta", "/ayuda")
        return self.fake.mark()


def linked_settings(fake: FakeTelegram, tmp_path: Path, unit_file: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_BASE_URL=fake.base_url,
        TELEGRAM_BASE_FILE_URL=fake.base_file_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        VIGIA_CONFIG=str(unit_file),
        VIGIA_DATA_DIR=str(tmp_path / "data"),
    )


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def bot(fake_telegram: FakeTelegram, tmp_path: Path, unit_file: Path) -> AsyncIterator[BotHarness]:
    from tests.conftest import TEST_ENV

    settings = linked_settings(fake_telegram, tmp_path, unit_file)
    clock = Clock()
    services = Services(
        settings, load_unit_config(unit_file, env=TEST_ENV), Database(settings.database_url_or_default), clock=clock
    )
    app = build_application(services)
    harness = BotHarness(fake_telegram, app, services, clock)

    async def record(_update: object, context: object) -> None:
        harness.errors.append(context.error)  # type: ignore[attr-defined]

    app.add_error_handler(record)
    for who in PERSONAS:
        harness.user(who)
    harness.group  # noqa: B018  (the bot is a member of the operations group)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        await app.updater.start_polling(timeout=5)  # type: ignore[union-attr]
        await app.start()
        try:
            yield harness
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()
    await app.post_shutdown(app)  # type: ignore[misc]
    assert not harness.errors, f"handler errors: {harness.errors!r}"
