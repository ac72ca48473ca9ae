"""Daily, and once shortly after start-up: purge evidence past its retention period.

Evidence linked to a case that is still open is kept (see bot/cameras/evidence.py); the purge is
idempotent, so the start-up run catches up on days the bot was down.
"""

from __future__ import annotations

import logging
from datetime import time

from telegram.ext import Application

from bot.cameras.evidence import enforce_retention
from bot.context import VigiaContext
from jobs.common import CATCH_UP

log = logging.getLogger(__name__)
DAILY_AT = time(3, 30)  # local time: after the night's peak, before the morning shift
FIRST_RUN_S = 120


def schedule(app: Application) -> None:
    queue = app.job_queue
    assert queue is not None
    tz = app.bot_data["services"].settings.tz
    queue.run_daily(purge, DAILY_AT.replace(tzinfo=tz), name="evidence.retention", job_kwargs=CATCH_UP)
    queue.run_once(purge, FIRST_RUN_S, name="evidence.retention.startup")


async def purge(context: VigiaContext) -> None:
    purged = await enforce_retention(context.services)
    if purged:
        log.info("evidence retention purged %d files", len(purged))
