"""Publishing anomalies to Telegram: the report in its topic, kept current, and the private alerts."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, Forbidden

from bot import anomalias
from bot.anomalias import Case
from bot.anomalias_images import images_of
from bot.anomalias_render import alert_text, report_text
from bot.i18n import t
from bot.services import Services
from bot.telegram_io import post
from storage.anomalias import Anomaly, AnomalyNotice, AnomalyStatus
from storage.people import Person
from storage.posted import remember_message

log = logging.getLogger(__name__)
MEDIA_GROUP_LIMIT = 10


def report_keyboard(case: Case, language: str) -> InlineKeyboardMarkup | None:
    if case.anomaly.status == AnomalyStatus.CERRADA:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(language, "anomalia.button.close"), callback_data=f"anm:close:{case.anomaly.id}")]]
    )


def alert_keyboard(notice: AnomalyNotice, language: str) -> InlineKeyboardMarkup | None:
    buttons = []
    if notice.acknowledged_at is None:
        buttons.append(InlineKeyboardButton(t(language, "anomalia.button.ack"), callback_data=f"anm:ack:{notice.id}"))
    if notice.justified_at is None:
        buttons.append(
            InlineKeyboardButton(t(language, "anomalia.button.justify"), callback_data=f"anm:just:{notice.id}")
        )
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def publish_report(bot: Bot, services: Services, case: Case) -> None:
    language = services.unit.language
    message = await post(
        bot,
        services,
        "anomalias",
        report_text(case, services.unit, language, services.now(), services.tz),
        report_keyboard(case, language),
    )
    await remember_message(services.db, Anomaly, case.anomaly.id, message.chat_id, message.message_id)  # type: ignore[arg-type]


async def refresh_report(bot: Bot, services: Services, anomaly_id: int) -> Case | None:
    """Edit the group's report to what the database says now; returns the case for further use."""
    case = await anomalias.load(services, anomaly_id)
    if case is None or case.anomaly.message_id is None or case.anomaly.chat_id is None:
        return case
    language = services.unit.language
    try:
        await bot.edit_message_text(
            report_text(case, services.unit, language, services.now(), services.tz),
            case.anomaly.chat_id,
            case.anomaly.message_id,
            reply_markup=report_keyboard(case, language),
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
    return case


async def send_alert(bot: Bot, services: Services, case: Case, notice: AnomalyNotice, person: Person) -> bool:
    """The private alert with the report's images; someone who never opened the bot is logged and
    still gets the e-mail."""
    if person.telegram_id is None:
        return False
    language = person.language
    photos = (await images_of(services, case.photos))[:MEDIA_GROUP_LIMIT]
    try:
        if len(photos) == 1:
            await bot.send_photo(person.telegram_id, photos[0])
        elif photos:
            await bot.send_media_group(person.telegram_id, [InputMediaPhoto(p) for p in photos])
        sent = await bot.send_message(
            person.telegram_id,
            alert_text(case, services.unit, language, services.tz),
            reply_markup=alert_keyboard(notice, language),
        )
    except (BadRequest, Forbidden) as exc:
        log.warning("anomaly alert to %s not delivered: %s", person.key, exc.message)
        return False
    await anomalias.mark_notified(services, notice.id, sent.message_id)  # type: ignore[arg-type]
    return True


async def post_justification(bot: Bot, services: Services, case: Case, notice: AnomalyNotice, person: Person) -> None:
    """Back to the group, as a reply to the report; claimed first, so it is posted once whether the
    justification came by Telegram (at once) or by e-mail (by the anomalies job)."""
    language = services.unit.language
    await refresh_report(bot, services, case.anomaly.id)  # type: ignore[arg-type]
    if not (case.anomaly.chat_id and case.anomaly.message_id):
        return
    if not await anomalias.mark_posted(services, notice.id):  # type: ignore[arg-type]
        return
    text = t(
        language,
        "anomalia.justification_posted",
        name=person.name,
        role=t(language, f"role.{notice.role}"),
        number=case.anomaly.number,
        via=t(language, f"anomalia.via.{notice.justified_via or 'telegram'}"),
        text=notice.justification or "",
    )
    await bot.send_message(
        case.anomaly.chat_id,
        text,
        message_thread_id=services.unit.group.topics.anomalias,
        reply_to_message_id=case.anomaly.message_id,
    )
