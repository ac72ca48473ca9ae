"""The health monitor's tick: probe the cameras that are due, then post what changed.

A fault's message that could not be posted (Telegram down) is posted on a later tick: the fault
itself is already stored, so nothing is lost, and nothing is posted twice.
"""

from __future__ import annotations

import logging

from telegram.error import TelegramError

from bot import fallas
from bot.context import VigiaContext
from bot.fallas_board import publish
from bot.health.monitor import run_round
from jobs.common import Job

TICK_S = 15  # the shortest probe interval a camera may ask for
log = logging.getLogger(__name__)


async def probe_round(context: VigiaContext) -> None:
    services = context.services
    if not services.unit.salud.enabled or not services.unit.cameras:
        return
    report = await run_round(services, services.health)
    if report is None:
        return
    unposted = [f.id for f in await fallas.open_list(services) if f.opened_by_id is None and f.message_id is None]
    for fault_id in dict.fromkeys([*report.opened, *report.closed, *unposted]):
        try:
            await publish(services, fault_id)  # type: ignore[arg-type]
        except TelegramError as exc:
            log.warning("fault %s not posted yet: %s", fault_id, exc)


JOBS = (Job("salud.round", probe_round, every_s=TICK_S, catch_up=False),)
