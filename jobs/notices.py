"""The Telegram outbox's own round: retries what Telegram refused or never answered, and at
start-up sends what was owed when the bot stopped. Updates and jobs deliver their own notices as
soon as they end; this round is for everything else."""

from __future__ import annotations

from bot.context import VigiaContext
from bot.notices_delivery import start
from jobs.common import Job

INTERVAL_S = 15


async def deliver_owed(context: VigiaContext) -> None:
    """Starts the couriers and returns: a chat that drains slowly never makes the round skip."""
    await start(context.bot, context.services)


JOBS = (Job("telegram.deliver", deliver_owed, every_s=INTERVAL_S, catch_up=True, then_deliver=False),)
