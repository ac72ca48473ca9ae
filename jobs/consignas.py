"""Consignas over time: the board's ages stay current, and overdue consignas are chased, then escalated
(bot/consignas_board.py, which owns their units of work)."""

from __future__ import annotations

from bot.consignas_board import chase_overdue, refresh_board
from bot.context import VigiaContext
from jobs.common import Job

BOARD_INTERVAL_S = 600
OVERDUE_INTERVAL_S = 60


async def board(context: VigiaContext) -> None:
    await refresh_board(context.bot, context.services)


async def overdue(context: VigiaContext) -> None:
    await chase_overdue(context.services)


JOBS = (
    Job("consignas.board", board, every_s=BOARD_INTERVAL_S),
    Job("consignas.overdue", overdue, every_s=OVERDUE_INTERVAL_S, catch_up=True),
)
