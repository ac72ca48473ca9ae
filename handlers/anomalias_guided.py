"""The guided /anomalia: site, cameras, category, description, own photos, then send.

One message is edited as the report advances; typed answers come as replies to the bot's
questions. The draft lives in the database, so a restart half-way loses nothing.
"""

from __future__ import annotations

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot import anomalias_draft, prompts
from bot.context import VigiaContext
from bot.i18n import t
from bot.roles import UNIT_STAFF
from bot.services import Services
from bot.text import enough_words
from handlers import anomalias
from handlers.anomalias import file_and_notify
from handlers.commands import Command, check_role
from handlers.prompts import mention
from storage.anomalias import AnomalyDraft
from storage.people import Person
from storage.prompts import PendingPrompt

ROW = 2


def _text(draft: AnomalyDraft, services: Services, language: str) -> str:
    unit = services.unit
    summary = t(
        language,
        "anomalia.guided.summary",
        site=unit.site_name(draft.site_code) if draft.site_code else "…",
        cameras=draft.cameras.replace(",", ", ") or "…",
        category=unit.category_name(draft.category) if draft.category else "…",
        description=draft.description or "…",
        photos=len([p for p in draft.photos.split(",") if p]),
    )
    return "\n\n".join([t(language, "anomalia.guided.title"), summary, t(language, f"anomalia.guided.{draft.step}")])


def _keyboard(draft: AnomalyDraft, services: Services, language: str) -> InlineKeyboardMarkup:
    unit, prefix = services.unit, f"anmd:{draft.id}"
    if draft.step == "site":
        options = [(s.name, f"{prefix}:site:{i}") for i, s in enumerate(unit.sites)]
    elif draft.step == "cameras":
        chosen = draft.cameras.split(",")
        cameras = [c for c in unit.cameras if c.site == draft.site_code]
        options = [
            (("✅ " if c.code in chosen else "") + c.name, f"{prefix}:cam:{unit.cameras.index(c)}") for c in cameras
        ]
        options.append((t(language, "anomalia.guided.continue"), f"{prefix}:next"))
    elif draft.step == "category":
        options = [(c.name, f"{prefix}:cat:{i}") for i, c in enumerate(unit.anomalias.categories)]
    elif draft.step == "photos":
        options = [(t(language, "anomalia.guided.send"), f"{prefix}:send")]
    else:
        options = []
    options.append((t(language, "anomalia.guided.cancel"), f"{prefix}:cancel"))
    buttons = [InlineKeyboardButton(label, callback_data=data) for label, data in options]
    return InlineKeyboardMarkup([buttons[i : i + ROW] for i in range(0, len(buttons), ROW)])


async def anomalia(update: Update, context: VigiaContext) -> None:
    """`/anomalia` alone starts the guided report; with arguments it is the urgent form or a lookup."""
    if context.args:
        await anomalias.anomalia(update, context)
    else:
        await start(update, context)


async def start(update: Update, context: VigiaContext) -> None:
    message, person, services = update.effective_message, context.person, context.services
    assert message is not None and person is not None
    draft = await anomalias_draft.start(services, person, message.chat_id)
    sent = await message.reply_text(
        _text(draft, services, context.language), reply_markup=_keyboard(draft, services, context.language)
    )
    await anomalias_draft.change(services, draft.id, message_id=sent.message_id)  # type: ignore[arg-type]


async def _ask(context: VigiaContext, draft: AnomalyDraft, person: Person, kind: str, key: str) -> None:
    asked = await context.bot.send_message(
        draft.chat_id,
        t(context.language, key, name=mention(person)),
        reply_to_message_id=draft.message_id,
        reply_markup=ForceReply(selective=True),
    )
    await prompts.ask(context.services, person, draft.chat_id, kind, draft.id, asked.message_id)  # type: ignore[arg-type]


STEP_ACTIONS = {"site": ("site",), "cameras": ("cam", "next"), "category": ("cat",), "photos": ("send",)}


def _in_range(index: list[str], count: int) -> bool:
    return len(index) == 1 and index[0].isdigit() and int(index[0]) < count


async def button(update: Update, context: VigiaContext) -> None:
    """A button of the guided report, checked against the step the draft is at: a forged or old
    button (another step, an option never offered) changes nothing."""
    query, services, language = update.callback_query, context.services, context.language
    assert query is not None and query.data is not None
    if not await check_role(update, context, UNIT_STAFF, "anomalia"):
        return
    person = context.person
    assert person is not None
    _, draft_id, action, *index = query.data.split(":")
    draft = await anomalias_draft.get(services, int(draft_id))
    if draft is None or draft.person_id != person.id:
        await query.answer(
            t(language, "anomalia.guided.gone" if draft is None else "anomalia.guided.not_yours"), show_alert=True
        )
        return
    unit = services.unit
    choices = {"site": unit.sites, "cam": unit.cameras, "cat": unit.anomalias.categories}
    offered = action == "cancel" or action in STEP_ACTIONS.get(draft.step, ())
    if offered and action in choices:
        offered = _in_range(index, len(choices[action]))
    if offered and action == "cam":  # only the chosen site's cameras are offered
        offered = unit.cameras[int(index[0])].site == draft.site_code
    if not offered:
        await query.answer(t(language, "anomalia.guided.stale"), show_alert=True)
        return
    await query.answer()
    if action == "cancel":
        await anomalias_draft.discard(services, draft.id)  # type: ignore[arg-type]
        await prompts.forget(services, person, draft.chat_id)
        await query.edit_message_text(t(language, "anomalia.guided.cancelled"))
        return
    if action == "send":  # the draft and its buttons stay until the case is filed: a failure can be retried
        report = anomalias_draft.as_report(draft)
        if await file_and_notify(query.message, context, report, draft.id):  # type: ignore[arg-type]
            await prompts.forget(services, person, draft.chat_id)
            await query.edit_message_text(_text(draft, services, language))
        return
    if action == "site":
        draft = await anomalias_draft.change(
            services,
            draft.id,
            site_code=unit.sites[int(index[0])].code,  # type: ignore[arg-type]
            step="cameras",
        )
    elif action == "cam":
        draft = await anomalias_draft.toggle_camera(services, draft, unit.cameras[int(index[0])].code)
    elif action == "next":
        draft = await anomalias_draft.change(services, draft.id, step="category")  # type: ignore[arg-type]
    elif action == "cat":
        draft = await anomalias_draft.change(
            services,
            draft.id,
            step="description",  # type: ignore[arg-type]
            category=unit.anomalias.categories[int(index[0])].code,
        )
    assert draft is not None
    await query.edit_message_text(_text(draft, services, language), reply_markup=_keyboard(draft, services, language))
    if draft.step == "description" and action == "cat":
        await _ask(context, draft, person, "anomalia.describe", "anomalia.guided.ask_description")


async def answer_description(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    message, person, services, language = update.effective_message, context.person, context.services, context.language
    assert message is not None and person is not None
    text = (message.text or "").strip()
    if not enough_words(text):
        await message.reply_text(t(language, "anomalia.short_description"))
        return False
    draft = await anomalias_draft.change(services, pending.object_id, description=text, step="photos")
    if draft is None:
        await message.reply_text(t(language, "anomalia.guided.gone"))
        return True
    await context.bot.edit_message_text(
        _text(draft, services, language),
        draft.chat_id,
        draft.message_id,
        reply_markup=_keyboard(draft, services, language),
    )
    await _ask(context, draft, person, "anomalia.photo", "anomalia.guided.ask_photos")
    return False  # the photos question has taken this one's place


async def answer_photo(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    """Photos keep the question open: several may come; "Enviar reporte" ends the step."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None
    draft = await anomalias_draft.get(services, pending.object_id)
    if draft is None:
        await message.reply_text(t(language, "anomalia.guided.gone"))
        return True
    if not message.photo:
        await message.reply_text(t(language, "anomalia.guided.photos_only"))
        return False
    draft = await anomalias_draft.add_photo(services, draft, message.photo[-1].file_id)
    assert draft is not None
    count = len(draft.photos.split(","))
    await message.reply_text(t(language, "anomalia.guided.photo_added", count=count))
    await context.bot.edit_message_text(
        _text(draft, services, language),
        draft.chat_id,
        draft.message_id,
        reply_markup=_keyboard(draft, services, language),
    )
    return False


COMMANDS = (Command("anomalia", anomalia, roles=UNIT_STAFF),)
BUTTONS = (CallbackQueryHandler(button, pattern=r"^anmd:\d+:(site:\d+|cam:\d+|next|cat:\d+|send|cancel)$"),)
PROMPTS = {"anomalia.describe": answer_description, "anomalia.photo": answer_photo}
OPEN_PROMPTS = ("anomalia.photo",)  # several photos may come
