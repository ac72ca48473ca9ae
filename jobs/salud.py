"""The health monitor's tick: probe the cameras that are due, then post the faults it opened.

The faults' messages go through the Telegram outbox, which retries them while Telegram is down. A
fault the monitor opened that has no message yet is owed again on every tick, so a crash between
the round's commit and its notices cannot leave it unposted (owing it twice sends it once). The
edits of a recovery, a reopening or the picture lost again on an open fault are owed by the round
itself, with the change.
"""

from __future__ import annotations

from bot import fallas
from bot.context import VigiaContext
from bot.fallas_board import publish
from bot.health.monitor import run_round
from jobs.common import Job

TICK_S = 15  # the shortest probe interval a camera may ask for


async def probe_round(context: VigiaContext) -> None:
    services = context.services
    if not services.unit.salud.enabled or not services.unit.cameras:
        return
    report = await run_round(services, services.health)
    if report is None:
        return
    unposted = [f.id for f in await fallas.open_list(services) if f.opened_by_id is None and f.message_id is None]
    for fault_id in dict.fromkeys([*report.opened, *unposted]):
        await publish(services, fault_id)  # type: ignore[arg-type]


JOBS = (Job("salud.round", probe_round, every_s=TICK_S, catch_up=False),)
