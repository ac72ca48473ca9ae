"""The chief's copy of a report version: the PDF with "Aprobar y enviar" and "Agregar
observaciones", and the XLSX annex. Used by the schedule and by /reporte alike."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot import informes
from bot.i18n import t
from bot.mail.compose import Attachment
from bot.reporte.model import Period
from bot.services import Services
from storage.audit import first_entry_at
from storage.claims import unclaim
from storage.informes import Report
from storage.people import Person, linked_with_role

log = logging.getLogger(__name__)


def keyboard(report: Report, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t(language, "informe.button.approve"), callback_data=f"inf:{report.id}:ok")],
            [InlineKeyboardButton(t(language, "informe.button.observe"), callback_data=f"inf:{report.id}:obs")],
        ]
    )


def caption(report: Report, language: str) -> str:
    period = Period.parse(report.period)
    return t(language, "informe.caption", number=report.number, version=report.version, label=period.label)


async def send(bot: Bot, person: Person, report: Report, files: list[Attachment], review: bool) -> None:
    """The PDF (with the review buttons when `review`) and the XLSX, privately."""
    pdf, xlsx = files
    markup = keyboard(report, person.language) if review else None
    await bot.send_document(
        person.telegram_id,  # type: ignore[arg-type]
        pdf.data,
        filename=pdf.filename,
        caption=caption(report, person.language),
        reply_markup=markup,
    )
    await bot.send_document(person.telegram_id, xlsx.data, filename=xlsx.filename)  # type: ignore[arg-type]


async def hand_to_chiefs(bot: Bot, services: Services, report: Report, files: list[Attachment]) -> bool:
    """Send a version to every linked chief once (a claim on `sent_at`); given back if none got it."""
    if not await informes.mark_sent(services, report.id):  # type: ignore[arg-type]
        return False
    async with services.db.read() as session:
        chiefs = await linked_with_role(session, "jefe")
    reached = 0
    for chief in chiefs:
        try:
            await send(bot, chief, report, files, review=True)
            reached += 1
        except TelegramError as exc:
            log.warning("report %s v%s not delivered to %s: %s", report.number, report.version, chief.id, exc)
    if not reached and chiefs:
        async with services.db.write() as session:
            await unclaim(session, Report, report.id, "sent_at")  # type: ignore[arg-type]
    return reached > 0


async def due_report(bot: Bot, services: Services) -> None:
    """The schedule: the day after a period ends, at `informes.report_at`, its first version goes
    to the chief; after downtime, on start. A version issued but never delivered is retried."""
    at = services.unit.informes.report_at
    if at is None:
        return
    period = Period.containing(services.now().astimezone(services.tz).date()).previous()
    if services.now() < datetime.combine(period.end + timedelta(days=1), at, services.tz):
        return
    async with services.db.read() as session:
        installed = await first_entry_at(session)
    if installed is None or installed >= period.bounds(services.tz)[1]:
        return  # a period that ended before Vigía was installed has nothing to report
    issued = await informes.issue(services, period)
    report = issued[0] if issued else await informes.latest(services, period)
    if report is None or report.sent_at is not None or report.approved_at is not None:
        return
    files = issued[1].files() if issued else await informes.stored(services, report)
    await hand_to_chiefs(bot, services, report, files)
