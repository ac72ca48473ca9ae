"""Publishing consignas to Telegram: each consigna's own message, and the pinned board.

A consigna's message goes through the Telegram outbox (bot/notices.py), queued in the unit of
work that changes the consigna: a 500, a late answer or a crash delays it, never loses or doubles
it, and never makes the author file the consigna again. The board is a summary of the open ones,
redrawn in place after each change and by the consignas.board job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot import consignas, notices
from bot.consignas import Draft, Outcome
from bot.consignas_render import board_text, consigna_text, holder_name, pinned
from bot.i18n import t
from bot.notices_delivery import deliver_to
from bot.services import Services
from bot.shifts import age
from bot.telegram_io import publish_board
from storage.consignas import Consigna, ConsignaStatus, events_of, open_consignas
from storage.notices import Record
from storage.people import Person, escalation_contacts, person_names

log = logging.getLogger(__name__)

BOARD = "consignas"
TOPIC = "consignas"


def keyboard(consigna: Consigna, language: str) -> InlineKeyboardMarkup | None:
    if consigna.status != ConsignaStatus.ABIERTA:
        return None
    buttons = [
        InlineKeyboardButton(t(language, f"consigna.button.{action}"), callback_data=f"cns:{action}:{consigna.id}")
        for action in ("take", "note", "done", "cancel")
    ]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


async def show(session: AsyncSession, services: Services, consigna: Consigna) -> None:
    """Owe the consigna's message as it is now, in the caller's unit of work: posted in the consignas
    topic with its buttons the first time, edited in place afterwards."""
    names = await person_names(session)
    events = await events_of(session, consigna.id)  # type: ignore[arg-type]
    language = services.unit.language
    text = consigna_text(consigna, events, names, language, services.now(), services.tz)
    await notices.show(session, services, Record.of(Consigna, consigna.id), TOPIC, text, keyboard(consigna, language))


async def file(services: Services, draft: Draft, author: Person) -> Consigna:
    """Store the order and owe its post (with its buttons) in one unit of work: once stored, a post
    Telegram refuses waits in the outbox, and the author is never invited to file it again."""
    async with services.db.write() as session:
        created = await consignas.create_in(
            session, draft, author, services.now(), origin=consignas.origin_for(author.role)
        )
        await show(session, services, created)
    return created


async def change(
    services: Services, consigna_id: int, person: Person, action: str, text: str | None = None, photo: str | None = None
) -> tuple[Outcome, Consigna | None]:
    """The change and the edit of the consigna's message in one unit of work, before anyone is
    answered: a crash after the commit leaves the edit owed, not lost."""
    async with services.db.write() as session:
        held = await session.get(Consigna, consigna_id)
        holder_id = held.holder_id if held else None
        outcome, updated = await consignas.change(session, consigna_id, person, action, services.now(), text, photo)
        if outcome is Outcome.OK and updated is not None:
            await show(session, services, updated)
            if action == "take" and holder_id is not None:  # taken over: whoever had it is told
                await consignas.tell_taken_over(session, services, updated, holder_id, person)
    return outcome, updated


async def settle(bot: Bot, services: Services) -> None:
    """After a change to consignas: what its unit of work queued goes out first, then the board, the
    order the group has always seen them in (what Telegram refuses waits in the outbox)."""
    await deliver_to(bot, services, services.unit.group.chat_id)
    await refresh_board(bot, services)


async def board_now(services: Services, language: str) -> str:
    """The open consignas as the pinned board shows them (and /consignas answers)."""
    async with services.db.read() as session:
        names = await person_names(session)
        open_now = await open_consignas(session)
    return board_text(open_now, names, language, services.now(), services.tz)


async def refresh_board(bot: Bot, services: Services) -> None:
    """Redraw the pinned board. A refusal is logged, not raised: the board is a summary the
    consignas.board job redraws within minutes, and a consigna already stored must not be answered
    with "Algo falló, intente de nuevo", which would have it filed twice."""
    language = services.unit.language
    text = pinned(await board_now(services, language), language)
    try:
        await publish_board(bot, services, BOARD, TOPIC, text)
    except TelegramError as exc:
        log.warning("the consignas board waits for its next redraw: %s", exc)


def _overdue(consigna: Consigna, names: dict[int, str], now: datetime) -> Callable[[str], str]:
    def write(language: str) -> str:
        late = age(now - consigna.due_at, language)  # type: ignore[operator]
        holder = holder_name(consigna, names, language)
        return t(language, "consigna.overdue_escalated", id=consigna.id, age=late, text=consigna.text, holder=holder)

    return write


async def chase_overdue(services: Services) -> None:
    """At the deadline, ask the holder in the group (a reply to the consigna's message) and redraw that
    message, which now says it is overdue: its one edit for the deadline, not one per run (Telegram
    allows a group 20 messages a minute). After the escalation delay, tell the coordinators. Each is
    claimed and queued in one unit of work, so it is owed once: never lost to a refusal, never
    repeated by the next run (the consignas.overdue job)."""
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
                await show(session, services, await session.get(Consigna, consigna.id))  # type: ignore[arg-type]
    delay = timedelta(minutes=services.unit.relevo.escalate_after)
    for consigna in await consignas.overdue(services, "overdue_escalated_at", delay):
        async with services.db.write() as session:
            if not await consignas.claim(session, services, consigna, "overdue_escalated_at"):
                continue
            key = f"consigna:{consigna.id}:overdue_escalated"
            await notices.escalate(session, services, coordinators, TOPIC, _overdue(consigna, names, now), key=key)
