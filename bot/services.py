"""What every handler and job needs, built once at start-up and handed around explicitly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.cameras.service import CaptureService
from bot.cameras.sources import sources_from_config
from bot.health.memory import HealthMemory
from bot.settings import Settings
from bot.telegram_pacing import ChatPace
from bot.unit_config import UnitConfig
from storage.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    unit: UnitConfig
    db: Database
    clock: Callable[[], datetime] = field(default=utc_now)
    cameras: CaptureService = field(init=False, repr=False)
    health: HealthMemory = field(default_factory=HealthMemory, repr=False)  # the monitor's working memory
    # Set by the Application factory: deliver queued mail now instead of at the next round.
    kick_outbox: Callable[[], object] = field(default=lambda: None, repr=False)
    # The mail outbox's one delivery run is on its way (bot/mail/outbox.py).
    mail_running: bool = field(default=False, repr=False)
    # The Telegram outbox (bot/notices_delivery.py): one courier task per chat; chats queued again while
    # their courier runs; until when Telegram asked us to wait (a 429's retry_after).
    notice_couriers: dict[int, asyncio.Task[None]] = field(default_factory=dict, repr=False)
    notice_more: set[int] = field(default_factory=set, repr=False)
    notices_paused_until: datetime | None = field(default=None, repr=False)
    # Each private chat's turn (bot/telegram_pacing.py); None when TELEGRAM_RATE_LIMIT is off.
    chat_pace: ChatPace | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """The capture service owns threads and an HTTP client: app.py closes it in post_shutdown."""
        self.cameras = CaptureService(self.unit.capture, sources_from_config(self.unit), clock=self.now)
        self.chat_pace = ChatPace() if self.settings.telegram_rate_limit else None

    def now(self) -> datetime:
        """The one clock of the bot; tests replace it to travel in time."""
        return self.clock()

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    @property
    def secrets(self) -> list[str]:
        """Everything the log filter must hide: the token, mail passwords, camera passwords."""
        return self.settings.secrets + [c.password for c in self.unit.cameras if c.password]
