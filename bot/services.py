"""What every handler and job needs, built once at start-up and handed around explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.settings import Settings
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

    def now(self) -> datetime:
        """The one clock of the bot; tests replace it to travel in time."""
        return self.clock()
