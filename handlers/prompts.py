"""Answers to the bot's questions: routes a person's message to the workflow that asked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import MessageHandler, filters

from bot import prompts
from bot.context import VigiaContext
from bot.i18n import t
from storage.prompts import PendingPrompt

Answer = Callable[[Update, VigiaContext, PendingPrompt], Awaitable[bool]]  # True: answered, forget the question
ANSWERS_KEY = "prompt_answers"


async def answer(update: Update, context: VigiaContext) -> None:
    message, person = update.effective_message, context.person
    if message is None or person is None:
        return
    replied_to = message.reply_to_message.message_id if message.reply_to_message else None
    private = message.chat.type == ChatType.PRIVATE
    pending = await prompts.waiting(context.services, person, message.chat_id, replied_to, private)
    if pending is None:
        if not private and _asks(message.reply_to_message, context.bot.id, person.telegram_id):
            await message.reply_text(t(context.language, "prompt.not_waiting"))  # else their answer is lost unseen
        return
    handlers: dict[str, Answer] = context.bot_data[ANSWERS_KEY]
    if await handlers[pending.kind](update, context, pending):
        await prompts.done(context.services, pending)


def _asks(question: Message | None, bot_id: int, telegram_id: int | None) -> bool:
    """Whether a group message is one of the bot's questions to this person: each mentions the person
    it asks, as ForceReply(selective=True) reaches only the people its text mentions."""
    if question is None or question.from_user is None or question.from_user.id != bot_id:
        return False
    return any(
        entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == telegram_id
        for entity in question.entities
    )


ANSWERS = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.VIDEO | filters.Document.ALL  # a video: an export
HANDLER = MessageHandler(ANSWERS, answer)
