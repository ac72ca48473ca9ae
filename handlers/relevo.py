"""/relevo: compose and post the handover; the incoming shift accepts it item by item or at once."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot import consignas_board, notices, relevo, turnos
from bot.context import VigiaContext
from bot.i18n import t
from bot.relevo import Acceptance
from bot.relevo_render import handover_text
from bot.roles import UNIT_STAFF
from bot.services import Services
from handlers.commands import Command, check_role
from storage.notices import Record
from storage.people import Person, person_names
from storage.relevo import Handover, HandoverItem

BUTTONS_PER_ROW = 4
ANSWERS = {
    Acceptance.OK: "relevo.accepted_item",
    Acceptance.COMPLETE: "relevo.accepted_all",
    Acceptance.ALREADY: "relevo.already_accepted",
    Acceptance.NOT_FOUND: "relevo.not_found",
    Acceptance.NOT_INCOMING: "relevo.not_incoming",
    Acceptance.OWN: "relevo.own",
}


def keyboard(handover: Handover, items: list[HandoverItem], language: str) -> InlineKeyboardMarkup | None:
    if handover.accepted_at is not None:
        return None
    singles = [
        InlineKeyboardButton(t(language, "relevo.button.item", n=n), callback_data=f"rlv:{handover.id}:{item.id}")
        for n, item in enumerate(items, start=1)
        if item.accepted_at is None
    ]
    rows = [singles[i : i + BUTTONS_PER_ROW] for i in range(0, len(singles), BUTTONS_PER_ROW)]
    rows.append([InlineKeyboardButton(t(language, "relevo.button.all"), callback_data=f"rlv:{handover.id}:all")])
    return InlineKeyboardMarkup(rows)


async def _rendered(services: Services, handover: Handover, items: list[HandoverItem]) -> tuple[str, list[Person]]:
    incoming = await turnos.duty(services, relevo.slot_of(services, handover.incoming_slot_key))
    async with services.db.read() as session:
        names = await person_names(session)
    outgoing = relevo.slot_of(services, handover.slot_key)
    text = handover_text(
        handover,
        items,
        outgoing,
        incoming.slot,
        incoming.people,
        names,
        services.unit.language,
        services.now(),
        services.tz,
    )
    return text, incoming.people


async def relevo_command(update: Update, context: VigiaContext) -> None:
    """Everything after the command, line breaks included, is the free notes."""
    message, person, services = update.effective_message, context.person, context.services
    assert message is not None and person is not None
    parts = (message.text or "").split(maxsplit=1)
    handover, created = await relevo.compose(services, person, parts[1].strip() if len(parts) > 1 else "")
    _, items = await relevo.load(services, handover.id)  # type: ignore[arg-type]
    if not created and handover.message_id is not None:
        same_chat = handover.chat_id == message.chat_id
        await message.reply_text(
            t(context.language, "relevo.already_open"), reply_to_message_id=handover.message_id if same_chat else None
        )
        return
    await _show(services, handover, items)  # also a handover stored but never shown (a crash in between)


async def button(update: Update, context: VigiaContext) -> None:
    query, services = update.callback_query, context.services
    assert query is not None and query.data is not None
    if not await check_role(update, context, UNIT_STAFF, "relevo"):
        return
    _, handover_id, which = query.data.split(":")
    handover, items = await relevo.load(services, int(handover_id))
    if handover is None:
        await query.answer(t(context.language, "relevo.not_found"), show_alert=True)
        return
    _, receivers = await _rendered(services, handover, items)
    outcome, accepted = await relevo.accept(
        services,
        handover.id,
        None if which == "all" else int(which),  # type: ignore[arg-type]
        context.person,
        receivers,
    )  # type: ignore[arg-type]
    names = ", ".join(p.name for p in receivers) or "-"
    done = outcome in (Acceptance.OK, Acceptance.COMPLETE)
    if done:
        handover, items = await relevo.load(services, handover.id)  # type: ignore[arg-type]
        assert handover is not None
        await _show(services, handover, items)
    await query.answer(t(context.language, ANSWERS[outcome], names=names), show_alert=not done)
    if any(item.kind == "consigna" for item in accepted):
        await consignas_board.settle(context.bot, services)  # the consignas changed hands: the board says so


async def _show(services: Services, handover: Handover, items: list[HandoverItem]) -> None:
    """Owe the handover's message as it is now (posted the first time, edited after), before anyone is
    answered: once stored, a refusal or a crash delays it, never loses it."""
    text, _ = await _rendered(services, handover, items)
    markup = keyboard(handover, items, services.unit.language)
    async with services.db.write() as session:
        await notices.show(session, services, Record.of(Handover, handover.id), "consignas", text, markup)


COMMANDS = (Command("relevo", relevo_command, roles=UNIT_STAFF),)
BUTTONS = (CallbackQueryHandler(button, pattern=r"^rlv:\d+:(\d+|all)$"),)
