"""/anomalia and /anomalias, the call buttons, the alert buttons and the closing button."""

from __future__ import annotations

from telegram import ForceReply, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot import anomalias, anomalias_notify, prompts
from bot.anomalias import Case, NewReport, Outcome
from bot.anomalias_images import collect, images_of
from bot.anomalias_notify import Origin, alert_notice_ids, alert_refreshed
from bot.anomalias_render import list_text, timeline_text
from bot.context import VigiaContext
from bot.i18n import t
from bot.notices_delivery import start_queued
from bot.roles import EVERYONE, SUPERVISORS, UNIT_STAFF
from bot.services import Services
from bot.text import enough_words, fold
from handlers.commands import Command, check_role, reply_in_pieces
from handlers.prompts import ask_in_reply, mention
from storage.anomalias import AnomalyNotice
from storage.prompts import PendingPrompt


def _listing(context: VigiaContext) -> dict[str, str]:
    unit = context.services.unit
    return {"sites": unit.codes()["sites"], "categories": ", ".join(c.code for c in unit.anomalias.categories)}


async def anomalia(update: Update, context: VigiaContext) -> None:
    """`/anomalia <número>` shows a case; `/anomalia <sitio> [#categoría] [#cámara…] <texto>` files an
    urgent one, with fresh snapshots of the cameras named."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None and context.person is not None
    args = list(context.args or ())
    if len(args) == 1 and anomalias.parse_number(args[0], 2000) is not None:
        found = await anomalias.find(services, args[0])
        case = await anomalias.load(services, found.id) if found else None  # type: ignore[arg-type]
        if case is None:
            await message.reply_text(t(language, "anomalia.unknown_number", value=args[0]))
            return
        await reply_in_pieces(message, timeline_text(case, language, services.now(), services.tz))
        return
    site = services.unit.site(args[0])
    if site is None:
        await message.reply_text(t(language, "anomalia.unknown_site", value=args[0], sites=_listing(context)["sites"]))
        return
    category, cameras = services.unit.anomalias.default_category, []
    while len(args) > 1 and args[1].startswith("#"):
        marker = fold(args[1][1:])
        camera = services.unit.camera(marker)
        if camera is not None and camera.site == site.code:
            cameras.append(camera.code)
        elif services.unit.anomalias.category(marker) is not None:
            category = marker
        else:
            await message.reply_text(
                t(language, "anomalia.unknown_category", value=args[1][1:], categories=_listing(context)["categories"])
            )
            return
        args = [args[0], *args[2:]]
    if not enough_words(" ".join(args[1:])):
        await message.reply_text(t(language, "anomalia.short_description"))
        return
    report = NewReport(site.code, category, " ".join(args[1:]), cameras)
    await file_and_notify(message, context, report)


async def file_and_notify(
    message: Message, context: VigiaContext, report: NewReport, draft_id: int | None = None
) -> bool:
    """Shared by the urgent form and the guided report (whose draft, `draft_id`, goes only with the
    case filed): the snapshots and the reporter's own photos are kept, the case filed with the notices
    it owes, and the reporter's call list goes at once. False when the draft was sent already."""
    services, person = context.services, context.person
    assert person is not None
    evidence_ids: list[int] = []
    if report.cameras or report.photo_file_ids:
        await message.chat.send_action(ChatAction.UPLOAD_PHOTO)
        own = [bytes(await (await context.bot.get_file(f)).download_as_bytearray()) for f in report.photo_file_ids]
        evidence_ids = await collect(services, report.cameras, own, person)
    images = await images_of(services, evidence_ids)  # read before the unit of work, not under its lock
    origin = Origin(
        chat_id=message.chat_id,
        thread_id=message.message_thread_id if message.is_topic_message else None,
        quote=message.message_id if message.chat.type != ChatType.PRIVATE else None,  # as reply_text quotes
    )
    if not await anomalias_notify.file(
        services, report, person, evidence_ids, images, origin, context.language, draft_id
    ):
        return False
    start_queued(context.bot, services)  # the call list and the alerts now: the phone comes first (I-2)
    return True


async def anomalias_abiertas(update: Update, context: VigiaContext) -> None:
    services = context.services
    text = list_text(await anomalias.open_list(services), services.unit, context.language, services.now())
    await reply_in_pieces(update.effective_message, text)  # type: ignore[arg-type]


OUTCOME_KEYS = {
    Outcome.NOT_FOUND: "anomalia.not_found",
    Outcome.CLOSED: "anomalia.closed_already",
    Outcome.NOT_YOURS: "anomalia.not_yours",
    Outcome.ALREADY: "anomalia.ack_already",
    Outcome.JUSTIFIED: "anomalia.justified_already",
    Outcome.TOO_SHORT: "anomalia.too_short",
}


async def button(update: Update, context: VigiaContext) -> None:
    """Every press is checked against the database: whose alert it is, whether the case is closed."""
    query, services, language = update.callback_query, context.services, context.language
    assert query is not None and query.data is not None
    _, action, ident, *rest = query.data.split(":")
    roles = {"call": UNIT_STAFF, "close": SUPERVISORS}.get(action, EVERYONE)
    if not await check_role(update, context, roles, "anomalia"):
        return
    person = context.person
    assert person is not None
    notice = await anomalias.get_notice(services, int(ident)) if action != "close" else None
    anomaly_id = int(ident) if action == "close" else (notice.anomaly_id if notice else None)
    case = await anomalias.load(services, anomaly_id) if anomaly_id else None
    if case is None:
        await query.answer(t(language, "anomalia.not_found"), show_alert=True)
        return
    number, ident_id = case.anomaly.number, int(ident)
    if action == "call":
        outcome = await anomalias_notify.record_call(services, case.anomaly.id, ident_id, person, rest[0])
        await query.answer(t(language, OUTCOME_KEYS.get(outcome, "anomalia.call_recorded"), number=number))
    elif action == "ack":
        outcome = await anomalias_notify.acknowledge(services, case.anomaly.id, ident_id, person)
        await query.answer(
            t(language, OUTCOME_KEYS.get(outcome, "anomalia.ack_done"), number=number),
            show_alert=outcome is not Outcome.OK,
        )
        if outcome in (Outcome.OK, Outcome.ALREADY):  # ALREADY: a second tap on an old copy
            await _refresh_alert(query.message, services)  # type: ignore[arg-type]
    else:
        await _ask(update, context, case, action, ident_id, notice)


async def _ask(
    update: Update, context: VigiaContext, case: Case, action: str, ident: int, notice: AnomalyNotice | None
) -> None:
    """ "Responder justificación" and "Cerrar" ask for a text; refusals are told at once."""
    query, person, language = update.callback_query, context.person, context.language
    assert query is not None and person is not None
    number = case.anomaly.number
    refusal = None
    if case.anomaly.status == "cerrada":
        refusal = "anomalia.closed_already"
    elif action == "just" and (notice is None or notice.person_id != person.id):
        refusal = "anomalia.not_yours"
    elif action == "just" and notice is not None and notice.justified_at is not None:
        refusal = "anomalia.justified_already"
    if refusal:
        await query.answer(t(language, refusal, number=number), show_alert=True)
        if refusal == "anomalia.justified_already":  # a copy from before: its button goes now
            await _refresh_alert(query.message, context.services)  # type: ignore[arg-type]
        return
    await query.answer()
    if action == "just":
        asked = await context.bot.send_message(
            person.telegram_id,
            t(
                language,
                "anomalia.ask_justification",  # type: ignore[arg-type]
                number=number,
            ),
            reply_markup=ForceReply(),
        )
        await prompts.ask(context.services, person, asked.chat_id, "anomalia.justify", ident, asked.message_id)
        return
    question = t(language, "anomalia.ask_close", name=mention(person), number=number)
    await ask_in_reply(context, query.message, question, "anomalia.close", ident)  # type: ignore[arg-type]


async def _refresh_alert(message: Message | None, services: Services) -> None:
    if message is None:
        return
    notices = await anomalias.get_notices(services, alert_notice_ids(message.reply_markup))
    refreshed = alert_refreshed(message.reply_markup, notices)
    if refreshed == message.reply_markup:
        return
    try:
        await message.edit_reply_markup(refreshed)
    except BadRequest as exc:  # a second tap on an old copy: the first tap's edit already says so
        if "not modified" not in exc.message.lower():
            raise


async def answer_justification(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    message, person, services = update.effective_message, context.person, context.services
    assert message is not None and person is not None
    text = message.text or message.caption or ""
    outcome, anomaly = await anomalias_notify.justify(services, pending.object_id, person, text, "telegram")
    if outcome is Outcome.TOO_SHORT:
        await message.reply_text(t(context.language, "anomalia.too_short"))
        return False
    if outcome is not Outcome.OK:
        number = anomaly.number if anomaly else ""
        await message.reply_text(t(context.language, OUTCOME_KEYS[outcome], number=number))
        return True
    await message.reply_text(t(context.language, "anomalia.justified_thanks"))
    return True


async def answer_closing(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    message, person, services = update.effective_message, context.person, context.services
    assert message is not None and person is not None
    note = (message.text or "").strip()
    if not enough_words(note):
        await message.reply_text(t(context.language, "anomalia.short_closing"))
        return False
    outcome = await anomalias_notify.close(services, pending.object_id, person, note)
    case = await anomalias.load(services, pending.object_id)
    number = case.anomaly.number if case else ""
    key = "anomalia.closed" if outcome is Outcome.OK else OUTCOME_KEYS.get(outcome, "anomalia.supervisors_only")
    await message.reply_text(t(context.language, key, number=number))
    return True


COMMANDS = (Command("anomalias", anomalias_abiertas, roles=UNIT_STAFF),)  # /anomalia: see anomalias_guided
BUTTONS = (
    CallbackQueryHandler(button, pattern=r"^anm:(call:\d+:(realizada|no_contesta)|ack:\d+|just:\d+|close:\d+)$"),
)
PROMPTS = {"anomalia.justify": answer_justification, "anomalia.close": answer_closing}
