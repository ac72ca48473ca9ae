"""What every job module declares, and the scheduling options they share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

# The start-up run may begin late (migrations, menus): it must still run, once.
CATCH_UP = {"misfire_grace_time": None, "coalesce": True}


@dataclass(frozen=True)
class Job:
    name: str
    callback: Callable[[Any], Awaitable[None]]
    every_s: float
    catch_up: bool = False  # also run once at start-up, for what fell due while the bot was down
    then_deliver: bool = True  # deliver the Telegram outbox when it ends (false for the outbox's own round)
