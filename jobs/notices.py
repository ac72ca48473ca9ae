"""The Telegram outbox's own round: retries what Telegram refused or never answered, and at
start-up sends what was owed when the bot stopped. Updates and jobs deliver their own notices as
soon as they end; this round is for everything else. Once a day, the text of notices done for KEPT is
emptied (their keys stay owed)."""

from __future__ import annotations

from datetime import timedelta

from bot import notices
from bot.context import VigiaContext
from bot.notices_delivery import start
from jobs.common import Job

INTERVAL_S = 15
KEPT = timedelta(days=90)


async def deliver_owed(context: VigiaContext) -> None:
    """Starts the couriers and returns: a chat that drains slowly never makes the round skip."""
    await start(context.bot, context.services)


async def prune(context: VigiaContext) -> None:
    await notices.prune(context.services, KEPT)


JOBS = (
    Job("telegram.deliver", deliver_owed, every_s=INTERVAL_S, catch_up=True, then_deliver=False),
    Job("telegram.prune", prune, every_s=24 * 3600, then_deliver=False),
)
