"""End-to-end harness: the real bot, over real HTTP, against the fake Bot API server.

`bot` starts a fresh fake server and a fresh Application per test (both are cheap), with the
personas of tests/conftest.py already linked. Tests talk as a persona and wait for the calls
the bot makes; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.notices_delivery import drained
from bot.services import Services
from bot.settings import Settings
from bot.unit_config import Group, Topics, UnitConfig, load_unit_config
from storage.db import Database
from tests.fake_telegram import Call, FakeTelegram

GROUP_ID = -1001000000001
TOPICS = ("consignas", "anomalias", "fallas")  # forum topics created in the group; their ids replace the unit file's
PERSONAS = {  # key in the unit file -> (telegram id, first name, Telegram language)
    "tec.ana": (1001, "Ana", "es"),
    "tec.kevin": (1002, "Kevin", "en"),
    "coord.carlos": (1003, "Carlos", "es"),
    "jefe.marta": (1004, "Marta", "es"),
    "adm.luis": (1005, "Luis", "es"),
    "seg.oscar": (1006, "Óscar", "es"),
    "dir.general": (1007, "Director", "es"),
    "tec.nuevo": (1008, "Nuevo", "es"),  # in the unit file, not linked yet
    "adm.sonia": (1009, "Sonia", "es"),  # La Hachadura's backup administrator
    "stranger": (6666, "Eve", "es"),  # not in the unit file at all
}


START = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # 10:00 in El Salvador: mid morning shift


class Clock:
    """The bot's clock: starts at a fixed moment so tests do not depend on the hour they run at,
    then runs at real speed; tests jump it with `set` and `advance` instead of sleeping."""

    def __init__(self, start: datetime = START) -> None:
        self.set(start)

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class BotHarness:
    fake: FakeTelegram
    settings: Settings
    unit: UnitConfig
    clock: Clock = field(default_factory=Clock)
    errors: list[BaseException] = field(default_factory=list)
    jobs_run_by_themselves: bool = False  # off: tests run jobs with run_job, so nothing races them
    app: Application = field(init=False)
    services: Services = field(init=False)

    async def start(self) -> None:
        """Like `vigia run`: a new Application and database engine on the same database file."""
        database = Database(self.settings.database_url_or_default)
        self.services = Services(self.settings, self.unit, database, clock=self.clock)
        self.app = build_application(self.services)
        self.app.add_error_handler(self._record)
        await self.app.initialize()
        await self.app.post_init(self.app)  # type: ignore[misc]
        await self.app.updater.start_polling(timeout=5)  # type: ignore[union-attr]
        self.app.job_queue.scheduler.start(paused=not self.jobs_run_by_themselves)  # type: ignore[union-attr]
        await self.app.start()

    async def stop(self) -> None:
        await self.app.updater.stop()  # type: ignore[union-attr]
        await self.app.stop()
        await self.app.post_stop(self.app)  # type: ignore[misc]
        await self.app.shutdown()
        await self.app.post_shutdown(self.app)  # type: ignore[misc]

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def _record(self, _update: object, context: object) -> None:
        self.errors.append(context.error)  # type: ignore[attr-defined]

    async def link(self, who: str, telegram_id: int | None) -> None:
        """Set a person's Telegram account as `vigia invite` links it (None: they never opened the bot)."""
        from storage.people import person_by_key

        async with self.services.db.write() as session:
            person = await person_by_key(session, who)
            assert person is not None
            person.telegram_id = telegram_id
            session.add(person)

    def take_errors(self) -> list[str]:
        """The errors handlers and jobs raised so far (their class names), cleared: a test that expects
        one says so, and the teardown, which fails on any, sees none."""
        errors = [type(error).__name__ for error in self.errors]
        self.errors.clear()
        return errors

    def user(self, who: str) -> dict:
        telegram_id, first_name, language = PERSONAS[who]
        return self.fake.user(telegram_id, first_name, language_code=language)

    @property
    def group(self) -> dict:
        return {"id": GROUP_ID, "type": "supergroup", "title": "UTMV Operaciones", "is_forum": True}

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

    def answer(self, who: str, question: Call, text: str) -> int:
        """`who` answers the bot's `question` by replying to it, in its chat; returns the mark to wait after."""
        mark, chat_id = self.fake.mark(), question.params["chat_id"]
        chat = self.group if chat_id == self.group["id"] else self.private(who)
        self.fake.send_text(self.user(who), chat, text, reply_to=question.result)
        return mark

    async def press(self, who: str, message: dict, data: str) -> tuple[int, dict]:
        """Press a button of a message the bot sent (as it is now); returns the mark and the query."""
        mark = self.fake.mark()
        current = self.fake.message(message["chat"]["id"], message["message_id"]) or message
        return mark, self.fake.press(self.user(who), current, data)

    async def run_job(self, name: str) -> None:
        """Run a scheduled job now, as the JobQueue would, and wait for it and its notices to finish."""
        (job,) = self.app.job_queue.get_jobs_by_name(name)  # type: ignore[union-attr]
        await job.run(self.app)
        await drained(self.services, timeout=30)  # and what it queued in the Telegram outbox is out

    async def settle(self) -> int:
        """Wait until every update sent so far is handled (the bot took them all, and PTB's queue has
        none left in flight), and what they queued in the Telegram outbox is delivered."""
        async with asyncio.timeout(30):
            await self.fake.updates.wait_taken()
            await self.app.update_queue.join()
        await drained(self.services, timeout=30)
        return self.fake.mark()


DATABASE_FILE = "bot.db"  # in the test's tmp_path


def linked_settings(fake: FakeTelegram, tmp_path: Path, unit_file: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_BASE_URL=fake.base_url,
        TELEGRAM_BASE_FILE_URL=fake.base_file_url,
        DATABASE_URL=f"sqlite:///{tmp_path / DATABASE_FILE}",
        VIGIA_CONFIG=str(unit_file),
        VIGIA_DATA_DIR=str(tmp_path / "data"),
        TELEGRAM_RATE_LIMIT=False,  # tests post dozens of group messages a minute; bench/anomaly.py keeps it on
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
async def bot(
    fake_telegram: FakeTelegram, tmp_path: Path, unit_file: Path, migrated_sqlite: Path
) -> AsyncIterator[BotHarness]:
    """The bot on a database the session's migrations already made (the upgrade at start finds it
    current), with every persona but the unlinked ones already in a private chat with it."""
    from tests.conftest import TEST_ENV

    settings = linked_settings(fake_telegram, tmp_path, unit_file)
    shutil.copyfile(migrated_sqlite, tmp_path / DATABASE_FILE)
    unit = load_unit_config(unit_file, env=TEST_ENV)
    for who, (telegram_id, first_name, language) in PERSONAS.items():
        user = fake_telegram.user(telegram_id, first_name, language_code=language)
        if who not in ("tec.nuevo", "stranger"):  # linked people have opened the bot once
            fake_telegram.private_chat(user)
    group = fake_telegram.group(GROUP_ID, "UTMV Operaciones", forum=True)
    coordinator = fake_telegram.user(*PERSONAS["coord.carlos"][:2])
    topics = Topics(**{name: fake_telegram.create_topic(coordinator, group, name.capitalize()) for name in TOPICS})
    harness = BotHarness(
        fake_telegram, settings, unit.model_copy(update={"group": Group(chat_id=GROUP_ID, topics=topics)})
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
    assert not harness.errors, f"handler errors: {harness.errors!r}"
