"""/reporte and the chief's review buttons: approve and send, or add observations (a new version)."""

from __future__ import annotations

from telegram import ForceReply, Update
from telegram.constants import ChatAction
from telegram.ext import CallbackQueryHandler

from bot import informes, prompts
from bot.context import VigiaContext
from bot.i18n import t
from bot.informes import Outcome
from bot.informes_review import hand_over
from bot.reporte.model import Period
from bot.roles import SUPERVISORS, Role
from handlers.commands import Command, check_role
from storage.informes import Report
from storage.prompts import PendingPrompt

OUTCOMES = {
    Outcome.NOT_FOUND: "informe.not_found",
    Outcome.APPROVED_ALREADY: "informe.approved_already",
    Outcome.NEWER_VERSION: "informe.newer_version",
    Outcome.NO_RECIPIENTS: "informe.no_recipients",
}
SHORTEST_OBSERVATION = 5


async def reporte(update: Update, context: VigiaContext) -> None:
    """`/reporte [AAAA-MM-Q1|Q2]`: the period's newest version (issued now if there is none yet);
    the period still running gives a preliminary copy, kept nowhere. Default: the last period."""
    message, services, language, person = update.effective_message, context.services, context.language, context.person
    assert message is not None and person is not None
    today = services.now().astimezone(services.tz).date()
    try:
        period = Period.parse(context.args[0]) if context.args else Period.containing(today).previous()
    except ValueError:
        await message.reply_text(t(language, "informe.bad_period", value=context.args[0]))  # type: ignore[index]
        return
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    if not informes.finished(services, period):
        documents = await informes.preview(services, period)
        pdf, xlsx = documents.files()
        caption = t(language, "informe.preview", number=documents.data.number, end=f"{period.end:%d/%m/%Y}")
        await message.reply_document(pdf.data, filename=pdf.filename.replace("-v0", "-preliminar"), caption=caption)
        await message.reply_document(xlsx.data, filename=xlsx.filename.replace("-v0", "-preliminar"))
        return
    report = await informes.latest(services, period)
    if report is None:
        issued = await informes.issue(services, period, person)
        report = issued[0] if issued else await informes.latest(services, period)
    assert report is not None
    review = person.role == Role.JEFE and report.approved_at is None
    await hand_over(
        services,
        person,
        report,
        review=review,
        key=f"informe:{report.id}:pedido:{message.chat_id}:{message.message_id}",
    )


def _closed(report: Report | None, language: str) -> str:
    """Why a version takes no more observations: gone, or its period approved."""
    if report is None:
        return t(language, "informe.not_found")
    return t(language, "informe.approved_already", version=report.version)


async def button(update: Update, context: VigiaContext) -> None:
    query, services, language, person = update.callback_query, context.services, context.language, context.person
    assert query is not None and query.data is not None
    if not await check_role(update, context, {Role.JEFE}, "informe"):
        return
    assert person is not None and query.message is not None
    _, report_id, action = query.data.split(":")
    if action == "obs":
        report = await informes.get(services, int(report_id))
        found = await informes.versions(services, report.period) if report else []
        closed = informes.approved_among(found)  # pressed on any of its versions' messages
        if report is None or closed:
            await query.answer(_closed(closed or report, language), show_alert=True)
            return
        await query.answer()
        asked = await context.bot.send_message(
            query.message.chat.id,
            t(language, "informe.ask_observation", number=report.number, version=found[-1].version + 1),
            reply_markup=ForceReply(selective=True),
        )
        await prompts.ask(services, person, query.message.chat.id, "informe.observation", report.id, asked.message_id)  # type: ignore[arg-type]
        return
    outcome, report = await informes.approve(services, int(report_id), person)
    if outcome is not Outcome.OK or report is None:
        version = report.version if report else ""
        await query.answer(t(language, OUTCOMES[outcome], version=version), show_alert=True)
        return
    await query.answer()  # the confirmation was queued with the approval
    await query.edit_message_reply_markup(None)


async def answer_observation(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    """The chief's observations: the next version carries them, and comes back for review."""
    message, services, language, person = update.effective_message, context.services, context.language, context.person
    assert message is not None and person is not None
    text = (message.text or "").strip()
    if len(text) < SHORTEST_OBSERVATION:
        await message.reply_text(t(language, "informe.observation_short"))
        return False
    previous = await informes.get(services, pending.object_id)
    closed = informes.approved_among(await informes.versions(services, previous.period)) if previous else None
    if previous is None or closed:
        await message.reply_text(_closed(closed or previous, language))
        return True
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    issued = await informes.issue(services, Period.parse(previous.period), person, observation=text)
    if issued is None:
        await message.reply_text(t(language, "informe.newer_version"))
        return True
    report = issued[0]
    await hand_over(
        services, person, report, review=True, key=f"informe:{report.id}:pedido:{message.chat_id}:{message.message_id}"
    )
    return True


COMMANDS = (Command("reporte", reporte, roles=SUPERVISORS),)
BUTTONS = (CallbackQueryHandler(button, pattern=r"^inf:\d+:(ok|obs)$"),)
PROMPTS = {"informe.observation": answer_observation}
