"""Telegram's command menus, from the same declarations as /ayuda.

Defaults per scope and language, then one menu per linked person (their private chat, and
them as a member of the group) so nobody is offered a command their role cannot run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
)
from telegram.error import BadRequest, Forbidden

from bot.i18n import CATALOGS, t
from bot.roles import Role
from handlers.commands import COMMANDS_KEY, Command, Where
from storage.people import Person

log = logging.getLogger(__name__)


def _usable(commands: Sequence[Command], roles: Iterable[Role], where: Where) -> list[Command]:
    roles = set(roles)
    return [c for c in commands if any(c.usable_by(role, where) for role in roles)]


async def _set(bot: Bot, commands: list[Command], scope: BotCommandScope, language: str, *, per_language: bool) -> None:
    """`per_language`: a default for Telegram clients in `language`; otherwise the scope's only menu.

    A menu is a convenience: a chat Telegram does not know yet (someone who never opened the bot,
    a group the bot is not in) is logged and skipped, never a reason to fail.
    """
    if not commands:
        return
    menu = [BotCommand(c.name, t(language, f"command.{c.name}")) for c in commands]
    try:
        await bot.set_my_commands(menu, scope=scope, language_code=language if per_language else None)
    except (BadRequest, Forbidden) as exc:
        log.warning("command menu for %s not set: %s", scope.to_json(), exc.message)


async def publish_menus(bot: Bot, bot_data: Mapping[str, Any], group_id: int, people: Iterable[Person]) -> None:
    commands: Sequence[Command] = bot_data[COMMANDS_KEY]
    public = [c for c in commands if c.roles is None]
    for language in CATALOGS:
        await _set(bot, public, BotCommandScopeAllPrivateChats(), language, per_language=True)
        await _set(bot, _usable(commands, Role, "group"), BotCommandScopeChat(group_id), language, per_language=True)
    for person in people:
        await publish_person_menus(bot, bot_data, group_id, person)


async def publish_person_menus(bot: Bot, bot_data: Mapping[str, Any], group_id: int, person: Person) -> None:
    if person.telegram_id is None or not person.active:
        return
    commands: Sequence[Command] = bot_data[COMMANDS_KEY]
    role, language = Role(person.role), person.language
    private, group = _usable(commands, [role], "private"), _usable(commands, [role], "group")
    await _set(bot, private, BotCommandScopeChat(person.telegram_id), language, per_language=False)
    await _set(bot, group, BotCommandScopeChatMember(group_id, person.telegram_id), language, per_language=False)
