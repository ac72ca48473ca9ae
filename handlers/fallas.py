"""/falla, /fallas and the triage buttons: customs post, link provider, vendor, resolution."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import CallbackQueryHandler

from bot import fallas, fallas_board, prompts, triage
from bot.bitacora import month_label
from bot.context import VigiaContext
from bot.fallas import FaultCase, Outcome
from bot.fallas_bitacora import documents
from bot.fallas_render import elapsed_line, list_text, timeline_text
from bot.i18n import t
from bot.roles import EVERYONE, UNIT_STAFF
from bot.text import YEARS, enough_words
from handlers.commands import Command, check_role, reply_in_pieces
from handlers.prompts import ask_in_reply, mention
from storage.prompts import PendingPrompt

OUTCOMES = {
    Outcome.NOT_FOUND: "falla.not_found",
    Outcome.RESOLVED: "falla.resolved_already",
    Outcome.STALE: "falla.stale",
    Outcome.NO_VENDOR: "falla.no_vendor",
}


async def falla(update: Update, context: VigiaContext) -> None:
    """`/falla <número>` shows a timeline; `/falla <cámara|sitio|siram> [descripción]` opens one."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None
    args = list(context.args or ())
    if not args:
        await message.reply_text(t(language, "falla.usage", **services.unit.codes()))
        return
    if len(args) == 1 and fallas.parse_number(args[0], 2000) is not None:
        found = await fallas.find(services, args[0])
        case = await fallas.load(services, found.id) if found else None  # type: ignore[arg-type]
        if case is None:
            await message.reply_text(t(language, "falla.unknown_number", value=args[0]))
            return
        now = services.now()
        await reply_in_pieces(
            message, timeline_text(case, language, now, services.tz) + "\n\n" + elapsed_line(case, language, now)
        )
        return
    target = fallas.parse_target(args[0], services)
    if target is None:
        await message.reply_text(t(language, "falla.unknown_target", value=args[0], **services.unit.codes()))
        return
    fault, created = await fallas_board.file(services, target, " ".join(args[1:]), context.person)
    if not created and fault.scope != target.scope:  # a camera the monitor holds in its site's fault
        camera = services.unit.camera(target.camera_code or "")
        assert camera is not None
        await message.reply_text(t(language, "falla.in_site_fault", camera=camera.name, number=fault.number))
    elif not created:
        await message.reply_text(t(language, "falla.already_open", number=fault.number))
    elif message.chat_id != services.unit.group.chat_id:  # it went to the group's topic: say so here
        await message.reply_text(t(language, "falla.created", number=fault.number))


async def fallas_abiertas(update: Update, context: VigiaContext) -> None:
    services = context.services
    text = list_text(
        await fallas.open_list(services),
        services.unit,
        context.language,
        services.now(),
        services.unit.fallas.vendor_reply_hours,
    )
    await reply_in_pieces(update.effective_message, text)  # type: ignore[arg-type]


async def button(update: Update, context: VigiaContext) -> None:
    """Triage buttons in the group; re-checked against the fault as it is now."""
    query, services, language = update.callback_query, context.services, context.language
    assert query is not None and query.data is not None
    if not await check_role(update, context, UNIT_STAFF, "falla"):
        return
    _, fault_id, action, *arg = query.data.split(":")
    case = await fallas.load(services, int(fault_id))
    if case is None or case.fault.resolved_at is not None:
        key = "falla.not_found" if case is None else "falla.resolved_already"
        await query.answer(t(language, key, number=case.fault.number if case else ""), show_alert=True)
        return
    if action == "ans":
        outcome, _ = await fallas_board.answer(services, int(fault_id), context.person, arg[0], "telefono")
        await query.answer(
            t(language, OUTCOMES.get(outcome, "falla.recorded"), number=case.fault.number),
            show_alert=outcome is not Outcome.OK,
        )
    elif action == "ask":
        await _ask_administrator(update, context, case)
    elif action == "resolve":
        await query.answer()
        assert context.person is not None
        question = t(language, "falla.ask_treatment", name=mention(context.person), number=case.fault.number)
        await ask_in_reply(context, query.message, question, "falla.treatment", int(fault_id))  # type: ignore[arg-type]
    elif action == "cause":
        await _resolve(update, context, case, arg[0])


async def _ask_administrator(update: Update, context: VigiaContext, case: FaultCase) -> None:
    """Step 1 by Telegram: the site's administrator answers with one tap."""
    query, services, language = update.callback_query, context.services, context.language
    assert query is not None
    if case.fault.stage != triage.ADUANA or case.fault.finding is not None:  # the customs post answered already
        await query.answer(t(language, OUTCOMES[Outcome.STALE], number=case.fault.number), show_alert=True)
        return
    assert context.person is not None
    admin = await fallas_board.ask_administrator(services, case.fault, context.person)
    if admin is None:
        await query.answer(t(language, "falla.no_admin"), show_alert=True)
        return
    await query.answer(t(language, "falla.admin_asked", name=admin.name))


async def administrator_answer(update: Update, context: VigiaContext) -> None:
    """The administrator's one tap, recorded as their answer to step 1."""
    query, services, language = update.callback_query, context.services, context.language
    assert query is not None and query.data is not None
    if not await check_role(update, context, EVERYONE, "falla"):
        return
    _, fault_id, reply = query.data.split(":")
    found = await fallas.load(services, int(fault_id))
    site = next((s for s in services.unit.sites if found and s.code == found.fault.site_code), None)
    if context.person is None or site is None or context.person.key not in site.administrators:
        await query.answer(t(language, "falla.not_your_question"), show_alert=True)  # a forged or forwarded button
        return
    outcome, fault = await fallas_board.answer(services, int(fault_id), context.person, reply, "administrador")
    await query.answer(
        t(language, OUTCOMES.get(outcome, "falla.admin_thanks"), number=fault.number if fault else ""),
        show_alert=outcome is not Outcome.OK,
    )
    if outcome is Outcome.OK:
        await query.edit_message_reply_markup(None)


async def answer_treatment(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    """The treatment text arrives; then one button per cause category finishes the resolution."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None
    treatment = (message.text or "").strip()
    case = await fallas.load(services, pending.object_id)
    if case is None or not enough_words(treatment):
        await message.reply_text(t(language, "falla.not_found" if case is None else "anomalia.short_description"))
        return case is None
    await prompts.remember_text(services, pending, treatment)
    buttons = [
        InlineKeyboardButton(t(language, f"falla.cause.{c}"), callback_data=f"fll:{case.fault.id}:cause:{c}")
        for c in triage.CAUSES
    ]
    await message.reply_text(
        t(language, "falla.ask_cause", number=case.fault.number),
        reply_markup=InlineKeyboardMarkup([buttons[i : i + 4] for i in range(0, len(buttons), 4)]),
    )
    return False  # the treatment waits, with the question, for the cause


async def _resolve(update: Update, context: VigiaContext, case: FaultCase, cause: str) -> None:
    query, services, language, person = update.callback_query, context.services, context.language, context.person
    assert query is not None and person is not None and query.message is not None
    pending = await prompts.waiting(services, person, query.message.chat.id, None, private=True)
    treatment = (
        pending.text if pending and pending.kind == "falla.treatment" and pending.object_id == case.fault.id else None
    )
    if not treatment:
        await query.answer(t(language, "falla.stale"), show_alert=True)
        return
    outcome = await fallas_board.resolve(services, case.fault.id, person, treatment, cause)  # type: ignore[arg-type]
    await query.answer(
        t(language, OUTCOMES.get(outcome, "falla.resolved"), number=case.fault.number),
        show_alert=outcome is not Outcome.OK,
    )
    if outcome is not Outcome.OK:
        return
    await prompts.done(services, pending)  # type: ignore[arg-type]
    await query.edit_message_text(t(language, "falla.resolved", number=case.fault.number))


async def bitacora(update: Update, context: VigiaContext) -> None:
    """`/bitacora [AAAA-MM]`: the month's log as XLSX and PDF (the running month by default)."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None
    now = services.now().astimezone(services.tz)
    month = parse_month(context.args[0]) if context.args else date(now.year, now.month, 1)
    if month is None:
        await message.reply_text(t(language, "falla.bitacora_bad_month"))
        return
    await message.chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    files, count = await documents(services, month)
    caption = t(language, "falla.bitacora_caption", month=month_label(month), count=count)
    for name, data in files:
        await message.reply_document(data, filename=name, caption=caption)


def parse_month(text: str) -> date | None:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1) if year in YEARS else None
    except ValueError:
        return None


COMMANDS = (
    Command("falla", falla, roles=UNIT_STAFF),
    Command("fallas", fallas_abiertas, roles=UNIT_STAFF),
    Command("bitacora", bitacora, roles=UNIT_STAFF),
)
BUTTONS = (
    CallbackQueryHandler(button, pattern=r"^fll:\d+:(ans:[a-z_]+|ask|resolve|cause:[a-z]+)$"),
    CallbackQueryHandler(administrator_answer, pattern=r"^flla:\d+:(fallo_electrico|visualizacion|todo_normal)$"),
)
PROMPTS = {"falla.treatment": answer_treatment}
