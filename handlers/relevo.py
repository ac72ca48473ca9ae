"""/relevo: compose and post the handover; the incoming shift accepts it item by item or at once."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot import consignas_board, relevo_board
from bot.context import VigiaContext
from bot.i18n import Html, t
from bot.relevo import Acceptance, Composed
from bot.roles import UNIT_STAFF
from handlers.commands import Command, check_role

ANSWERS = {
    Acceptance.OK: "relevo.accepted_item",
    Acceptance.COMPLETE: "relevo.accepted_all",
    Acceptance.ALREADY: "relevo.already_accepted",
    Acceptance.NOT_FOUND: "relevo.not_found",
    Acceptance.NOT_INCOMING: "relevo.not_incoming",
    Acceptance.OWN: "relevo.own",
}


COMPOSED = {
    Composed.NEW: "relevo.posted",
    Composed.UPDATED: "relevo.updated",
    Composed.OPEN: "relevo.already_open",
    Composed.ACCEPTED: "relevo.accepted_before",
    Composed.NOTED: "relevo.noted",
}


async def relevo_command(update: Update, context: VigiaContext) -> None:
    """Everything after the command, line breaks included, is the free notes. In the group, the answer
    is a reply to the handover, and a new one or a note is its own answer; elsewhere (the private chat
    the prompt to hand over came to) it says where the handover is."""
    message, person, services = update.effective_message, context.person, context.services
    assert message is not None and person is not None
    parts = (message.text or "").split(maxsplit=1)
    handover, composed = await relevo_board.hand_over(services, person, parts[1].strip() if len(parts) > 1 else "")
    in_group = message.chat_id == services.unit.group.chat_id
    if in_group and composed in (Composed.NEW, Composed.NOTED):
        return
    where = Html(t(context.language, "relevo.where_above" if in_group else "relevo.where_group"))
    await message.reply_text(
        t(context.language, COMPOSED[composed], where=where),
        reply_to_message_id=handover.message_id if in_group else None,
    )


async def button(update: Update, context: VigiaContext) -> None:
    query, services = update.callback_query, context.services
    assert query is not None and query.data is not None
    if not await check_role(update, context, UNIT_STAFF, "relevo"):
        return
    assert context.person is not None
    _, handover_id, which = query.data.split(":")
    item_id = None if which == "all" else int(which)
    accepted = await relevo_board.accept(services, int(handover_id), item_id, context.person)
    names = ", ".join(p.name for p in accepted.receivers) or "-"
    await query.answer(t(context.language, ANSWERS[accepted.outcome], names=names), show_alert=not accepted.done)
    if any(item.kind == "consigna" for item in accepted.items):
        await consignas_board.settle(context.bot, services)  # the consignas changed hands: the board says so


COMMANDS = (Command("relevo", relevo_command, roles=UNIT_STAFF),)
BUTTONS = (CallbackQueryHandler(button, pattern=r"^rlv:\d+:(\d+|all)$"),)
