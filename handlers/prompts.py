"""Answers to the bot's questions: routes a person's message to the workflow that asked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import MessageHandler, filters

from bot import prompts
from bot.context import VigiaContext
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
        return
    handlers: dict[str, Answer] = context.bot_data[ANSWERS_KEY]
    if await handlers[pending.kind](update, context, pending):
        await prompts.done(context.services, pending)


ANSWERS = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.VIDEO | filters.Document.ALL  # a video: an export
HANDLER = MessageHandler(ANSWERS, answer)
