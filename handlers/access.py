"""The gate every update passes first (handler group -2): only our group and linked people get in."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot import access
from bot.context import VigiaContext
from bot.i18n import t

log = logging.getLogger(__name__)
GATE_GROUP = -2


async def gate(update: Update, context: VigiaContext) -> None:
    services = context.services
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.type != ChatType.PRIVATE and chat.id != services.unit.group.chat_id:
        await _leave_foreign_chat(update, context)
        raise ApplicationHandlerStop
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    context.telegram_language = user.language_code
    context.person = await access.identify(services.db, user.id)
    if context.person is not None or _is_invitation(update):
        return
    detail = {"chat_id": chat.id if chat else None, "name": user.full_name}
    if chat is None or chat.type == ChatType.PRIVATE:
        if await access.refuse_private(services.db, user.id, now=services.now(), detail=detail):
            await update.effective_message.reply_text(t(context.language, "access.unknown_private"))  # type: ignore[union-attr]
    elif _addresses_bot(update):
        await access.record_refusal(
            services.db, "access.refused_group", now=services.now(), telegram_id=user.id, detail=detail
        )
        text = t(context.language, "access.unknown_in_group", name=user.first_name)
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await update.effective_message.reply_text(text)  # type: ignore[union-attr]
    raise ApplicationHandlerStop


def _is_invitation(update: Update) -> bool:
    message = update.message
    return bool(message and message.text and message.text.startswith("/start ") and len(message.text.split()) > 1)


def _addresses_bot(update: Update) -> bool:
    """Commands and button presses; ordinary conversation in the group is none of our business."""
    message = update.message
    return update.callback_query is not None or bool(message and message.text and message.text.startswith("/"))


async def _leave_foreign_chat(update: Update, context: VigiaContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        return  # we are already out
    services = context.services
    user = update.effective_user
    log.warning("left chat %s (%s): not the configured group", chat.id, chat.title)
    await access.record_refusal(
        services.db,
        "access.foreign_group",
        now=services.now(),
        telegram_id=user.id if user else None,
        detail={"chat_id": chat.id, "title": chat.title},
    )
    try:
        await context.bot.send_message(chat.id, t(services.unit.language, "access.foreign_group"))
    except TelegramError as exc:  # a channel may forbid posting; leaving is what matters
        log.warning("could not explain ourselves in foreign chat %s: %s", chat.id, exc)
    await context.bot.leave_chat(chat.id)


HANDLER = TypeHandler(Update, gate)
