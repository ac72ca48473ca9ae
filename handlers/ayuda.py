"""/ayuda: what the caller's role can do, where, in their language."""

from __future__ import annotations

from telegram import Update

from bot.context import VigiaContext
from bot.i18n import t
from bot.roles import EVERYONE
from handlers.commands import Command, Where, registered


def help_text(commands: list[Command] | tuple[Command, ...], role: str, language: str) -> str:
    lines = [t(language, "help.header", role=t(language, f"role.{role}"))]
    sections: tuple[tuple[Where, str], ...] = (("group", "help.in_group"), ("private", "help.in_private"))
    for where, title in sections:
        usable = [c for c in commands if c.usable_by(role, where)]  # type: ignore[arg-type]
        if usable:
            lines += ["", t(language, title)]
            lines += [f"/{c.name} · {t(language, f'command.{c.name}')}" for c in usable]
    return "\n".join(lines)


async def ayuda(update: Update, context: VigiaContext) -> None:
    """List the caller's commands; nothing they cannot use is shown."""
    assert context.person is not None and update.effective_message is not None
    text = help_text(tuple(registered(context)), context.person.role, context.language)
    await update.effective_message.reply_text(text)


COMMANDS = (Command("ayuda", ayuda, roles=EVERYONE),)
