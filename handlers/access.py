"""The gate every update passes first (handler group -2): only our group and linked people get in,
each at a bounded pace (bot/flood.py)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot import access, group_migration
from bot.context import VigiaContext
from bot.flood import FloodLimit, Verdict
from bot.i18n import t

log = logging.getLogger(__name__)
GATE_GROUP = -2
FLOOD_KEY = "flood_limit"


async def gate(update: Update, context: VigiaContext) -> None:
    """Every update passes here first. When the gate itself fails (the database is down), the error
    is reported once and the update goes no further: no command runs without knowing its person."""
    try:
        await _admit(update, context)
    except ApplicationHandlerStop:
        raise
    except Exception as exc:
        await context.application.process_error(update, exc)
        raise ApplicationHandlerStop from None


def _migration(update: Update) -> tuple[int, int] | None:
    """(old id, new id) when this is Telegram saying a group became a supergroup, in either chat."""
    message = update.effective_message
    if message is None:
        return None
    if message.migrate_to_chat_id:
        return message.chat_id, message.migrate_to_chat_id
    if message.migrate_from_chat_id:
        return message.migrate_from_chat_id, message.chat_id
    return None


async def _admit(update: Update, context: VigiaContext) -> None:
    services = context.services
    chat, user = update.effective_chat, update.effective_user
    moved = _migration(update)
    if moved is not None:
        ours = await group_migration.follow(services, *moved)  # its new id is known now
        if ours or (chat is not None and chat.id == moved[0]):  # another group's old id is gone (refused)
            raise ApplicationHandlerStop  # while its new id, which says so too, is left below
    if chat is not None and chat.type != ChatType.PRIVATE and chat.id != services.unit.group.chat_id:
        await _leave_foreign_chat(update, context)
        raise ApplicationHandlerStop
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    context.telegram_language = user.language_code
    if _counted(update, context.bot.id) and await _flooding(update, context):
        raise ApplicationHandlerStop
    context.person = await access.identify(services.db, user.id)
    code = _invitation_code(update, context.bot.username)
    if code is not None and chat is not None and chat.type != ChatType.PRIVATE:
        await _refuse_exposed_invitation(update, context, code)
        raise ApplicationHandlerStop
    if context.person is not None and _forwarded_command(update):
        await _refuse_forwarded(update, context)
        raise ApplicationHandlerStop
    if context.person is not None or code is not None:
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


def _invitation_code(update: Update, bot_username: str) -> str | None:
    """The code of `/start <code>` (or `/start@<bot> <code>`, as the group writes commands)."""
    words = (update.message.text or "").split() if update.message else []
    if len(words) < 2:
        return None
    command, _, addressee = words[0].partition("@")
    return words[1] if command == "/start" and addressee.lower() in ("", bot_username.lower()) else None


async def _refuse_exposed_invitation(update: Update, context: VigiaContext, code: str) -> None:
    """An invitation is a credential: sent in the group, it is refused, withdrawn and audited, linked
    sender or not. Its person is told to ask for a new one; a code that no longer worked is only refused."""
    services, message, user = context.services, update.effective_message, update.effective_user
    assert message is not None and user is not None
    withdrawn = await access.withdraw_exposed_invite(
        services.db,
        code,
        now=services.now(),
        actor=context.person,
        telegram_id=user.id,
        detail={"chat_id": message.chat_id},
    )
    await message.reply_text(t(context.language, "link.exposed_code" if withdrawn else "link.open_in_private"))


def _addresses_bot(update: Update) -> bool:
    """Commands and button presses; ordinary conversation in the group is none of our business."""
    message = update.message
    return update.callback_query is not None or bool(message and message.text and message.text.startswith("/"))


def _counted(update: Update, bot_id: int) -> bool:
    """What the flood limit counts: everything in private; in the group, what addresses the bot
    (commands, button presses, replies to its questions), never people talking among themselves."""
    message = update.effective_message
    if _addresses_bot(update) or (message is not None and message.chat.type == ChatType.PRIVATE):
        return True
    replied = message.reply_to_message if message is not None else None
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def _forwarded_command(update: Update) -> bool:
    """A command forwarded from another chat was typed by someone else: never act on it as if given here."""
    message = update.effective_message
    return bool(message and message.forward_origin is not None and (message.text or "").startswith("/"))


async def _refuse_forwarded(update: Update, context: VigiaContext) -> None:
    """Audited; explained in private only (in the group, forwarding is people sharing, not asking us)."""
    services, message = context.services, update.effective_message
    assert message is not None
    await access.record_refusal(
        services.db,
        "access.forwarded_command",
        now=services.now(),
        actor=context.person,
        telegram_id=update.effective_user.id if update.effective_user else None,
        detail={"chat_id": message.chat_id, "command": (message.text or "").split()[0][:64]},
    )
    if message.chat.type == ChatType.PRIVATE:
        await message.reply_text(t(context.language, "access.forwarded_command"))


async def _flooding(update: Update, context: VigiaContext) -> bool:
    """The per-person flood limit (bot/flood.py): True drops the update. The first one refused is
    answered once, in the person's language, and audited; the rest go unanswered. Strangers are
    not answered at all (they already had their one refusal)."""
    services, user = context.services, update.effective_user
    assert user is not None
    limit: FloodLimit | None = context.bot_data.get(FLOOD_KEY)
    if limit is None:  # built once, not on every update
        limit = context.bot_data[FLOOD_KEY] = FloodLimit(burst=services.settings.flood_burst)
    verdict = limit.check(user.id, services.now())
    if verdict is Verdict.ALLOW:
        return False
    if verdict is Verdict.WARN:
        context.person = await access.identify(services.db, user.id)
        log.warning("telegram user %s is flooding the bot: updates dropped until it slows down", user.id)
        await access.record_refusal(
            services.db, "access.flood", now=services.now(), actor=context.person, telegram_id=user.id, detail={}
        )
        if context.person is not None:
            try:
                await _reply(update, t(context.language, "access.flood"))
            except TelegramError as exc:  # a courtesy: never worth an error
                log.warning("could not tell telegram user %s to slow down: %s", user.id, exc)
    return True


async def _reply(update: Update, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


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
