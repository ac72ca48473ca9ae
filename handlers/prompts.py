"""Answers to the bot's questions: routes a person's message to the workflow that asked."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import ForceReply, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import MessageHandler, filters

from bot import prompts
from bot.context import VigiaContext
from bot.i18n import Html, t
from storage.people import Person
from storage.prompts import PendingPrompt

Answer = Callable[[Update, VigiaContext, PendingPrompt], Awaitable[bool]]  # True: answered, forget the question
ANSWERS_KEY = "prompt_answers"
OPEN_KEY = "prompt_open"  # the kinds that stay open for more answers (a workflow's OPEN_PROMPTS): pages, photos
OPEN_MINUTES = 10  # in private, how long such a question waits for the next answer
OPEN_LAPSES = timedelta(minutes=OPEN_MINUTES)


async def answer(update: Update, context: VigiaContext) -> None:
    """The message answers the question waiting for this person here. In private, where every message
    answers it, a question that stays open for more (files, photos) lapses OPEN_MINUTES after its last
    answer: days later, a file sent to the bot is not taken for an old request or an abandoned report."""
    message, person, services = update.effective_message, context.person, context.services
    if message is None or person is None:
        return
    replied_to = message.reply_to_message.message_id if message.reply_to_message else None
    private = message.chat.type == ChatType.PRIVATE
    pending = await prompts.waiting(services, person, message.chat_id, replied_to, private)
    if pending is None:
        if not private and _asks(message.reply_to_message, context.bot.id, person.telegram_id):
            await message.reply_text(t(context.language, "prompt.not_waiting"))  # else their answer is lost unseen
        return
    lapsing = private and pending.kind in context.bot_data[OPEN_KEY]
    if lapsing and services.now() - pending.created_at > OPEN_LAPSES:
        await prompts.done(services, pending)  # as for any message out of the blue
        return
    handlers: dict[str, Answer] = context.bot_data[ANSWERS_KEY]
    if await handlers[pending.kind](update, context, pending):
        await prompts.done(services, pending)
    elif lapsing:
        await prompts.renew(services, pending)  # the next page may take a while: the lapse counts from this one


def mention(person: Person) -> Html:
    """The person's name as a mention: a question in the group must name whom it asks, as
    ForceReply(selective=True) reaches only the people its text mentions (and `_asks` knows it by it)."""
    return Html(f'<a href="tg://user?id={person.telegram_id}">{html.escape(person.name)}</a>')


async def ask_in_reply(context: VigiaContext, about: Message, text: str, kind: str, object_id: int) -> Message:
    """Ask `context.person` (whom `text` mentions) in reply to the message the question is about: it
    stays in that message's topic, next to it, and their reply to it is their answer."""
    assert context.person is not None
    asked = await about.reply_text(text, reply_markup=ForceReply(selective=True))
    await prompts.ask(context.services, context.person, asked.chat_id, kind, object_id, asked.message_id)
    return asked


def _asks(question: Message | None, bot_id: int, telegram_id: int | None) -> bool:
    """Whether a group message is one of the bot's questions to this person: each mentions the person
    it asks, as ForceReply(selective=True) reaches only the people its text mentions."""
    if question is None or question.from_user is None or question.from_user.id != bot_id:
        return False
    return any(
        entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == telegram_id
        for entity in question.entities
    )


# New messages only: an edit comes as the whole message again, a file already kept or an answer already saved.
ANSWERS = filters.UpdateType.MESSAGE & (
    (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.VIDEO | filters.Document.ALL  # a video: an export
)
HANDLER = MessageHandler(ANSWERS, answer)
