"""Linking Telegram accounts: /invitar (supervisors) creates a one-time link, /start <code> uses it."""

from __future__ import annotations

from telegram import Update

from bot import access
from bot.access import LinkOutcome
from bot.context import VigiaContext
from bot.i18n import t
from bot.roles import SUPERVISORS
from handlers.commands import Command
from handlers.menus import publish_person_menus

PRIVATE_ONLY = frozenset({"private"})


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
        role = t(person.language, f"role.{person.role}")
        await message.reply_text(t(person.language, "link.linked", name=person.name, role=role))
        await publish_person_menus(context.bot, context.bot_data, services.unit.group.chat_id, person)
        return
    await message.reply_text(t(context.language, f"link.{outcome.value}", name=person.name if person else ""))


async def invitar(update: Update, context: VigiaContext) -> None:
    """A link is a credential, so it is only ever shown in the supervisor's private chat."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None
    unlinked = await access.unlinked_people(services.db)
    listing = (
        t(language, "link.unlinked", people=", ".join(f"{p.key} ({p.name})" for p in unlinked))
        if unlinked
        else t(language, "link.all_linked")
    )
    if len(context.args or ()) != 1:
        await message.reply_text(t(language, "link.invite_usage", unlinked=listing))
        return
    key, now = context.args[0], services.now()  # type: ignore[index]
    try:
        code, person = await access.create_invite(services.db, key, now=now, invited_by=context.person)
    except LookupError:
        await message.reply_text(t(language, "link.invite_unknown", key=key, unlinked=listing))
        return
    except PermissionError as refused:
        await message.reply_text(t(language, "link.invite_relink_refused", name=str(refused)))
        return
    until = (now + access.INVITE_VALIDITY).astimezone(services.settings.tz)
    created = t(
        language,
        "link.invite_created",
        name=person.name,
        role=t(language, f"role.{person.role}"),
        until=f"{until:%d/%m/%Y %H:%M}",
        link=f"https://t.me/{context.bot.username}?start={code}",
    )
    if person.telegram_id is not None:  # a new phone: the account they use now stops working
        created += "\n\n" + t(language, "link.invite_relinks", name=person.name)
    await message.reply_text(created)


COMMANDS = (
    Command("start", start, roles=None, where=PRIVATE_ONLY),
    Command("invitar", invitar, roles=SUPERVISORS, where=PRIVATE_ONLY),
)
