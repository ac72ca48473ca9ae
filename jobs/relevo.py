"""Every minute: prompt the outgoing shift, remind and escalate unaccepted handovers, summarise ended
shifts for the chief. Each notice is claimed and queued in the Telegram outbox in one unit of work
(bot/relevo_board.py), so it goes out once whatever Telegram does, and the first run at start-up
catches up on whatever fell due while the bot was down.
"""

from __future__ import annotations

import logging

from bot import relevo_board
from bot.context import VigiaContext
from jobs.common import Job

INTERVAL_S = 60
log = logging.getLogger(__name__)


async def tick(context: VigiaContext) -> None:
    """Each step on its own: one that fails (a handover it cannot read) is logged and retried next
    minute, and must not cost every shift its prompt, reminders and summary meanwhile."""
    services = context.services
    for step in (
        relevo_board.remind_unaccepted,
        relevo_board.escalate_unaccepted,
        relevo_board.prompt_outgoing,
        relevo_board.summarise_ended_shifts,
    ):
        try:
            await step(services)
        except Exception:
            log.exception("relevo.tick: %s failed; the other steps go on", step.__name__)


JOBS = (Job("relevo.tick", tick, every_s=INTERVAL_S, catch_up=True),)
