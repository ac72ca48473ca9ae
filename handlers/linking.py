"""/start <code>: bind a Telegram account to a person of the unit file."""

from __future__ import annotations

from telegram import Update

from bot import access
from bot.access import LinkOutcome
from bot.context import VigiaContext
from bot.i18n import t
from handlers.commands import Command
from handlers.menus import publish_person_menus


async def start(update: Update, context: VigiaContext) -> None:
    """Redeem an invitation, or greet someone already linked."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    if not context.args:
        person = context.person
        assert person is not None  # the gate only lets strangers through with a code
        await message.reply_text(t(context.language, "link.welcome_back", name=person.name))
        return
    services = context.services
    outcome, person = await access.redeem_invite(services.db, context.args[0], user.id, now=services.now())
    if outcome is LinkOutcome.LINKED:
        assert person is not None
        context.person = person
        await message.reply_text(
            t(person.language, "link.linked", name=person.name, role=t(person.language, f"role.{person.role}"))
        )
        await publish_person_menus(context.bot, context.bot_data, services.unit.group.chat_id, person)
        return
    name = person.name if person else ""
    await message.reply_text(t(context.language, f"link.{outcome.value}", name=name))


COMMANDS = (Command("start", start, roles=None, where=frozenset({"private"})),)
