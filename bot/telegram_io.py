"""The pinned boards: a summary edited in place, posted and pinned again only if it was deleted.

Everything else the bot owes goes through the Telegram outbox (bot/notices.py). A board is not
owed: it is redrawn from the database whenever it changes and by its job, so it is sent directly.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated

from bot.services import Services
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
        except (BadRequest, ChatMigrated) as exc:  # deleted, or left behind in a group turned supergroup
            if "not modified" in exc.message.lower():
                return
            log.warning("board %s could not be edited (%s); posting a new one", key, exc.message)
    message = await post(bot, services, topic, text)
    async with services.db.write() as session:  # before the pin: a board that cannot be pinned is still edited
        board = await session.get(PinnedBoard, key) or PinnedBoard(key=key, chat_id=message.chat_id, message_id=0)
        board.chat_id, board.message_id = message.chat_id, message.message_id
        session.add(board)
    try:
        await bot.pin_chat_message(message.chat_id, message.message_id, disable_notification=True)
    except BadRequest as exc:
        log.warning("board %s posted but not pinned (%s): give the bot the right to pin messages", key, exc.message)
