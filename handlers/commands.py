"""Commands and the one role check every handler goes through.

Each workflow module declares its commands (name, callback, who, where); this module turns them
into PTB handlers that refuse the wrong role or the wrong chat with a clear message, and feeds
the same declarations to /ayuda and to the Telegram command menus.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, filters

from bot import access
from bot.context import VigiaContext
from bot.i18n import t
from bot.roles import GROUP_MEMBERS, Role
from bot.text import CAPTION_MAX, pieces, telegram_length

Where = Literal["group", "private"]
Callback = Callable[[Update, VigiaContext], Awaitable[Any]]
COMMANDS_KEY = "commands"
ANYWHERE: frozenset[Where] = frozenset({"group", "private"})


@dataclass(frozen=True)
class Command:
    name: str
    callback: Callback
    roles: frozenset[Role] | None  # None: also people not linked yet (only /start)
    where: frozenset[Where] = ANYWHERE

    def usable_by(self, role: Role, where: Where) -> bool:
        in_chat = where == "private" or role in GROUP_MEMBERS
        return self.roles is not None and role in self.roles and where in self.where and in_chat


def chat_kind(update: Update) -> Where:
    chat = update.effective_chat
    return "private" if chat is None or chat.type == ChatType.PRIVATE else "group"


async def check_role(update: Update, context: VigiaContext, roles: Collection[Role], action: str) -> bool:
    """True if the caller holds one of `roles`; otherwise tell them who may, audit it, and return False.

    Buttons call this too: a callback is never trusted just because the button was shown.
    """
    person = context.person
    if person is not None and person.role in roles:
        return True
    language = context.language
    names = ", ".join(t(language, f"role.{role}") for role in Role if role in roles)
    text = t(
        language,
        "access.wrong_role",
        command=action,
        roles=names,
        role=t(language, f"role.{person.role}") if person else "-",
    )
    await refuse(update, context, "access.wrong_role", action, text)
    return False


async def refuse(update: Update, context: VigiaContext, refusal: str, action: str, text: str) -> None:
    """Tell the caller `text` and audit the refusal: every refusal is in the audit log."""
    await access.record_refusal(
        context.services.db,
        refusal,
        now=context.services.now(),
        actor=context.person,
        telegram_id=update.effective_user.id if update.effective_user else None,
        detail={"action": action},
    )
    await reply(update, text)


async def reply(update: Update, text: str) -> None:
    """Answer in place: a message gets a reply, a button press gets an alert."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


async def reply_in_pieces(message: Message, text: str) -> None:
    """A text that grows without bound (a case's whole timeline) as as many messages as it takes."""
    for piece in filter(str.strip, pieces(text)):  # Telegram refuses a blank message
        await message.reply_text(piece)


async def reply_photo_in_pieces(message: Message, photo: bytes, caption: str, filename: str) -> None:
    """A photo whose caption may outgrow Telegram's 1,024 characters (a big site's list of cameras
    without signal): what does not fit follows as text, nothing is cut."""
    if telegram_length(caption) <= CAPTION_MAX:
        await message.reply_photo(photo, caption=caption, filename=filename)
        return
    first, _, rest = caption.partition("\n")
    fits = telegram_length(first) <= CAPTION_MAX
    await message.reply_photo(photo, caption=first if fits else None, filename=filename)
    await reply_in_pieces(message, rest if fits else caption)


def as_handler(command: Command) -> CommandHandler:
    async def guarded(update: Update, context: VigiaContext) -> Any:
        where = chat_kind(update)
        if where not in command.where:
            key = "access.private_only" if where == "group" else "access.group_only"
            await refuse(update, context, key, command.name, t(context.language, key, command=command.name))
            return None
        if command.roles is not None and not await check_role(update, context, command.roles, command.name):
            return None
        return await command.callback(update, context)

    # New messages only: PTB also runs a command on its message edited, and a typo fixed in /anomalia
    # would file a second case.
    return CommandHandler(command.name, guarded, filters=filters.UpdateType.MESSAGE)


def registered(context: VigiaContext) -> Sequence[Command]:
    return context.bot_data[COMMANDS_KEY]
