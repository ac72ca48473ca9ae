"""Request deadlines over time: reminders at half time, the working day before and when overdue,
to the chief and the coordinators; and a warning, once, when the video asked for is about to be
overwritten by the recorder; and the Director's question, to a Director who opened the bot after the
request came to wait on them. Each once, caught up after downtime (bot/solicitudes_board.py)."""

from __future__ import annotations

from bot import solicitudes_board
from bot.context import VigiaContext
from jobs.common import Job

INTERVAL_S = 900


async def deadlines(context: VigiaContext) -> None:
    await solicitudes_board.remind_deadlines(context.services)


async def retention(context: VigiaContext) -> None:
    await solicitudes_board.warn_retention(context.services)


async def direccion(context: VigiaContext) -> None:
    await solicitudes_board.ask_directors_linked_since(context.services)


JOBS = (
    Job("solicitudes.deadlines", deadlines, every_s=INTERVAL_S, catch_up=True),
    Job("solicitudes.retention", retention, every_s=INTERVAL_S, catch_up=True),
    Job("solicitudes.direccion", direccion, every_s=60, catch_up=True),
)
