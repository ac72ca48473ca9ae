"""Every 24 hours, and once at start-up: purge evidence past its retention period.

Evidence linked to a case that is still open is kept (see bot/cameras/evidence.py). The purge is
idempotent, so the start-up run catches up on the days the bot was down.
"""

from __future__ import annotations

import logging

from bot.cameras.evidence import enforce_retention
from bot.context import VigiaContext
from jobs.common import Job

log = logging.getLogger(__name__)
EVERY_S = 24 * 3600


async def purge(context: VigiaContext) -> None:
    purged = await enforce_retention(context.services)
    if purged:
        log.info("evidence retention purged %d files", len(purged))


JOBS = (Job("evidence.retention", purge, every_s=EVERY_S, catch_up=True),)
