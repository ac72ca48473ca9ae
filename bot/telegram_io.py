"""Small adapter for what handlers and jobs both post: messages into a workflow's topic, boards.

Kept apart from the services so they stay free of Telegram; kept apart from handlers so jobs
can post without importing the Telegram surface.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden

from bot.i18n import t
from bot.services import Services
from storage.people import Person
from storage.turnos import PinnedBoard

log = logging.getLogger(__name__)


async def post(
    bot: Bot,
    services: Services,
    topic: str,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> Message:
    """Post into the operations group, in `topic`'s forum thread when one is configured."""
    group = services.unit.group
    return await bot.send_message(
        group.chat_id,
        text,
        reply_markup=markup,
        message_thread_id=getattr(group.topics, topic),
        reply_to_message_id=reply_to,
    )


async def publish_board(bot: Bot, services: Services, key: str, topic: str, text: str) -> None:
    """Edit the pinned board in place; post and pin it only the first time or if it was deleted."""
    async with services.db.read() as session:
        board = await session.get(PinnedBoard, key)
    if board is not None:
        try:
            await bot.edit_message_text(text, board.chat_id, board.message_id)
            return
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return
            log.warning("board %s could not be edited (%s); posting a new one", key, exc.message)
    message = await post(bot, services, topic, text)
    await bot.pin_chat_message(message.chat_id, message.message_id, disable_notification=True)
    async with services.db.write() as session:
        board = await session.get(PinnedBoard, key) or PinnedBoard(key=key, chat_id=message.chat_id, message_id=0)
        board.chat_id, board.message_id = message.chat_id, message.message_id
        session.add(board)


async def tell(bot: Bot, person: Person, text: str) -> bool:
    """A private message; someone who blocked the bot or never opened it is logged, not fatal."""
    if person.telegram_id is None:
        return False
    try:
        await bot.send_message(person.telegram_id, text)
    except (BadRequest, Forbidden) as exc:
        log.warning("could not tell %s: %s", person.key, exc.message)
        return False
    return True


async def tell_each(bot: Bot, people: Iterable[Person], key: str, **values: object) -> bool:
    """The same catalogue message, privately, to each person in their own language; True if
    anyone got it."""
    told = [await tell(bot, person, t(person.language, key, **values)) for person in people]
    return any(told)
