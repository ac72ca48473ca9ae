"""Consignas over time: the board's ages stay current, and overdue consignas are chased, then escalated."""

from __future__ import annotations

from datetime import timedelta

from bot import consignas, notices
from bot.consignas_board import TOPIC, refresh_board
from bot.consignas_render import holder_name
from bot.context import VigiaContext
from bot.i18n import t
from bot.shifts import age
from jobs.common import Job
from storage.consignas import Consigna
from storage.notices import Record
from storage.people import escalation_contacts, person_names

BOARD_INTERVAL_S = 600
OVERDUE_INTERVAL_S = 60


async def board(context: VigiaContext) -> None:
    await refresh_board(context.bot, context.services)


async def overdue(context: VigiaContext) -> None:
    """At the deadline, ask the holder in the group (a reply to the consigna's message); after the
    escalation delay, tell the coordinators. Each is claimed and queued in one unit of work, so it is
    owed once: never lost to a refusal, never repeated by the next run."""
    services = context.services
    language, now = services.unit.language, services.now()
    async with services.db.read() as session:
        names = await person_names(session)
        coordinators = await escalation_contacts(session)
    for consigna in await consignas.overdue(services, "overdue_reminded_at", timedelta()):
        late = age(now - consigna.due_at, language)  # type: ignore[operator]
        text = t(
            language, "consigna.overdue_group", id=consigna.id, age=late, holder=holder_name(consigna, names, language)
        )
        async with services.db.write() as session:
            if await consignas.claim(session, services, consigna, "overdue_reminded_at"):
                key, record = f"consigna:{consigna.id}:overdue", Record.of(Consigna, consigna.id)
                await notices.post(session, services, TOPIC, text, key=key, reply_to=record)
    delay = timedelta(minutes=services.unit.relevo.escalate_after)
    for consigna in await consignas.overdue(services, "overdue_escalated_at", delay):
        async with services.db.write() as session:
            if not await consignas.claim(session, services, consigna, "overdue_escalated_at"):
                continue
            for person in coordinators:
                text = t(
                    person.language,
                    "consigna.overdue_escalated",
                    id=consigna.id,
                    age=age(now - consigna.due_at, person.language),  # type: ignore[operator]
                    text=consigna.text,
                    holder=holder_name(consigna, names, person.language),
                )
                await notices.tell(session, services, person, text, key=f"consigna:{consigna.id}:overdue_escalated")


JOBS = (
    Job("consignas.board", board, every_s=BOARD_INTERVAL_S),
    Job("consignas.overdue", overdue, every_s=OVERDUE_INTERVAL_S, catch_up=True),
)
