"""Consignas over time: the board's ages stay current, and overdue consignas are chased, then escalated."""

from __future__ import annotations

from datetime import timedelta

from telegram.error import TelegramError

from bot import consignas
from bot.consignas_board import refresh_board
from bot.consignas_render import holder_name
from bot.context import VigiaContext
from bot.i18n import t
from bot.shifts import age
from bot.telegram_io import post, tell
from jobs.common import Job
from storage.people import escalation_contacts, person_names

BOARD_INTERVAL_S = 600
OVERDUE_INTERVAL_S = 60


async def board(context: VigiaContext) -> None:
    await refresh_board(context.bot, context.services)


async def overdue(context: VigiaContext) -> None:
    """At the deadline, ask the holder in the group; after the escalation delay, tell the coordinator."""
    services = context.services
    language, now = services.unit.language, services.now()
    async with services.db.read() as session:
        names = await person_names(session)
    for consigna in await consignas.claim_overdue(services, "overdue_reminded_at", timedelta()):
        late = age(now - consigna.due_at, language)  # type: ignore[operator]
        text = t(
            language, "consigna.overdue_group", id=consigna.id, age=late, holder=holder_name(consigna, names, language)
        )
        try:
            await post(context.bot, services, "consignas", text, reply_to=consigna.message_id)
        except TelegramError:
            await consignas.unclaim_overdue(services, consigna, "overdue_reminded_at")
            raise
    delay = timedelta(minutes=services.unit.relevo.escalate_after)
    escalated = await consignas.claim_overdue(services, "overdue_escalated_at", delay)
    if not escalated:
        return
    async with services.db.read() as session:
        coordinators = await escalation_contacts(session)
    for consigna in escalated:
        for person in coordinators:
            late = age(now - consigna.due_at, person.language)  # type: ignore[operator]
            await tell(
                context.bot,
                person,
                t(
                    person.language,
                    "consigna.overdue_escalated",
                    id=consigna.id,
                    age=late,
                    text=consigna.text,
                    holder=holder_name(consigna, names, person.language),
                ),
            )


JOBS = (
    Job("consignas.board", board, every_s=BOARD_INTERVAL_S),
    Job("consignas.overdue", overdue, every_s=OVERDUE_INTERVAL_S, catch_up=True),
)
