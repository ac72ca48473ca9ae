"""/consigna, /consignas and the buttons on each consigna (take, note, done, cancel)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot import consignas, consignas_board
from bot.consignas import DraftError, Outcome
from bot.context import VigiaContext
from bot.i18n import t
from bot.roles import SUPERVISORS, UNIT_STAFF, Role
from handlers.commands import Command, check_role, reply_in_pieces
from handlers.prompts import ask_in_reply, mention
from storage.consignas import Consigna, ConsignaStatus
from storage.people import Person
from storage.prompts import PendingPrompt

ASKS = {"note": "consigna.ask_note", "done": "consigna.ask_done", "cancel": "consigna.ask_cancel"}


async def consigna(update: Update, context: VigiaContext) -> None:
    """`/consigna <text> [@persona] [#sitio|#cámara] [!hora]`: filed with its post owed, then the board."""
    message, person, services = update.effective_message, context.person, context.services
    assert message is not None and person is not None
    draft = await consignas.draft_from(services, list(context.args or ()), person)
    if isinstance(draft, DraftError):
        await message.reply_text(t(context.language, draft.key, value=draft.value))
        return
    created = await consignas_board.file(services, draft, person)
    await consignas_board.settle(context.bot, services)
    group = services.unit.group
    if message.chat_id != group.chat_id or message.message_thread_id != group.topics.consignas:
        await message.reply_text(t(context.language, "consigna.created", id=created.id))


async def consignas_abiertas(update: Update, context: VigiaContext) -> None:
    text = await consignas_board.board_now(context.services, context.language)
    await reply_in_pieces(update.effective_message, text)  # type: ignore[arg-type]


async def button(update: Update, context: VigiaContext) -> None:
    """Buttons are re-checked against the database and the presser's role: never trusted."""
    query, services = update.callback_query, context.services
    assert query is not None and query.data is not None
    if not await check_role(update, context, UNIT_STAFF, "consignas"):
        return
    person = context.person
    assert person is not None
    _, action, number = query.data.split(":")
    current, names = await consignas.current(services, int(number))
    refusal = _refusal(current, person, action, names)
    if refusal is not None:
        await query.answer(t(context.language, refusal[0], **refusal[1]), show_alert=True)
        return
    assert current is not None
    if action == "take":
        outcome, _ = await consignas_board.change(services, current.id, person, "take")  # type: ignore[arg-type]
        await query.answer(t(context.language, _key(outcome, "consigna.taken"), id=current.id))
        if outcome is Outcome.OK:
            await consignas_board.settle(context.bot, services)
        return
    await query.answer()
    question = t(context.language, ASKS[action], name=mention(person), id=current.id)
    await ask_in_reply(context, query.message, question, f"consigna.{action}", current.id)  # type: ignore[arg-type]


def _refusal(current: Consigna | None, person: Person, action: str, names: dict[int, str]) -> tuple[str, dict] | None:
    """Why the button cannot do its job now, as a catalogue key and its values; None when it can."""
    if current is None:
        return "consigna.not_found", {}
    if current.status != ConsignaStatus.ABIERTA:
        return "consigna.closed_already", {"id": current.id}
    if action == "done" and not consignas.may_close(current, person):
        return "consigna.not_holder", {"id": current.id, "name": names.get(current.holder_id or 0, "")}
    if action == "cancel" and Role(person.role) not in SUPERVISORS:
        return "consigna.supervisors_only", {}
    return None


def _key(outcome: Outcome, success: str) -> str:
    return {
        Outcome.OK: success,
        Outcome.NOT_FOUND: "consigna.not_found",
        Outcome.CLOSED: "consigna.closed_already",
        Outcome.NOT_HOLDER: "consigna.not_holder",
        Outcome.SUPERVISORS_ONLY: "consigna.supervisors_only",
        Outcome.ALREADY_HELD: "consigna.already_held",
    }[outcome]


async def _answer(update: Update, context: VigiaContext, pending: PendingPrompt, action: str, success: str) -> bool:
    """A note, result or reason arrives; a photo needs its caption as the text."""
    message, person = update.effective_message, context.person
    assert message is not None and person is not None
    text = (message.text or message.caption or "").strip()
    if not text:
        await message.reply_text(t(context.language, "consigna.need_text"))
        return False
    photo = message.photo[-1].file_id if message.photo else None
    outcome, updated = await consignas_board.change(context.services, pending.object_id, person, action, text, photo)
    holder = ""
    if outcome is Outcome.NOT_HOLDER and updated is not None and updated.holder_id:
        _, names = await consignas.current(context.services, updated.id)  # type: ignore[arg-type]
        holder = names.get(updated.holder_id, "")
    await message.reply_text(t(context.language, _key(outcome, success), id=pending.object_id, name=holder))
    if outcome is Outcome.OK:
        await consignas_board.settle(context.bot, context.services)
    return True


async def answer_note(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    return await _answer(update, context, pending, "note", "consigna.noted")


async def answer_done(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    return await _answer(update, context, pending, "done", "consigna.closed")


async def answer_cancel(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    return await _answer(update, context, pending, "cancel", "consigna.closed")


COMMANDS = (
    Command("consigna", consigna, roles=UNIT_STAFF),
    Command("consignas", consignas_abiertas, roles=UNIT_STAFF),
)
BUTTONS = (CallbackQueryHandler(button, pattern=r"^cns:(take|note|done|cancel):\d+$"),)
PROMPTS = {"consigna.note": answer_note, "consigna.done": answer_done, "consigna.cancel": answer_cancel}
