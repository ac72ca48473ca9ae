"""Faults over time: a vendor that has not answered is chased (again every few hours while it stays
silent), each month's bitácora goes to the chief (with those missed while the bot was down), and
vendor replies that arrive by e-mail join their fault."""

from __future__ import annotations

from bot import fallas, fallas_bitacora, fallas_board
from bot.context import VigiaContext
from bot.mail.inbox import register_reply_handler
from jobs.common import Job

INTERVAL_S = 300

register_reply_handler("F-", fallas_board.record_reply, fallas.fault_by_number)


async def vendor_silence(context: VigiaContext) -> None:
    await fallas_board.chase_silent_vendors(context.services)


async def monthly_bitacora(context: VigiaContext) -> None:
    await fallas_bitacora.hand_to_chief(context.services)


JOBS = (
    Job("fallas.vendor_silence", vendor_silence, every_s=INTERVAL_S, catch_up=True),
    Job("fallas.monthly_bitacora", monthly_bitacora, every_s=INTERVAL_S, catch_up=True),
)
