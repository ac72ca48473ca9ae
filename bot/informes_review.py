"""The chief's copy of a report version: the PDF with "Aprobar y enviar" and "Agregar
observaciones", and the XLSX annex, through the Telegram outbox. Used by the schedule and by
/reporte alike."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import informes, notices
from bot.catch_up import recent
from bot.i18n import t
from bot.informes import file_name
from bot.reporte.model import Period
from bot.services import Services
from storage.audit import first_entry_at
from storage.claims import claim
from storage.informes import Report, versions_of
from storage.people import Person, linked_with_role


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


async def owe_copy(
    session: AsyncSession, services: Services, person: Person, report: Report, *, review: bool, key: str
) -> bool:
    """Queue the PDF (with the review buttons when `review`) and the XLSX annex, privately, in the
    caller's unit of work: each document is owed once, so a failed annex never resends the PDF."""
    if person.telegram_id is None:
        return False
    documents = (
        (report.pdf_evidence_id, "pdf", caption(report, person.language), keyboard(report, person.language)),
        (report.xlsx_evidence_id, "xlsx", "", None),
    )
    for evidence_id, suffix, text, markup in documents:
        name = file_name(report.number, report.version, suffix)
        marked = markup if review else None
        await notices.hand(
            session, services, person, evidence_id, key=f"{key}:{suffix}", filename=name, caption=text, markup=marked
        )
    return True


async def hand_over(services: Services, person: Person, report: Report, *, review: bool, key: str) -> None:
    """A copy someone asked for; a chief's review copy also marks the version as handed over."""
    async with services.db.write() as session:
        if review:
            await claim(session, Report, report.id, "sent_at", services.now())  # type: ignore[arg-type]
        await owe_copy(session, services, person, report, review=review, key=key)


async def hand_to_chiefs(services: Services, report: Report) -> bool:
    """Owe a version to every linked chief once (a claim on `sent_at`, in the same unit of work).
    With no chief linked yet it stays unsent, so the first chief to open the bot gets it."""
    async with services.db.write() as session:
        chiefs = await linked_with_role(session, "jefe")
        if not chiefs or not await claim(session, Report, report.id, "sent_at", services.now()):  # type: ignore[arg-type]
            return False
        for chief in chiefs:
            await owe_copy(session, services, chief, report, review=True, key=f"informe:{report.id}:jefe:{chief.id}")
    return True


async def _due_periods(services: Services, at: time) -> list[tuple[Period, Report | None]]:
    """Periods owed by the schedule, oldest first, each with its newest version if it was issued: the
    last one due, and before it every period missed while the bot was down, the schedule was off or
    no chief was linked, back to one already delivered, to the installation or to `CATCH_UP`."""
    today = services.now().astimezone(services.tz).date()
    latest = Period.containing(today).previous()
    if services.now() < datetime.combine(latest.end + timedelta(days=1), at, services.tz):
        latest = latest.previous()  # today's is not due yet; the one before was due long ago
    async with services.db.read() as session:
        installed = await first_entry_at(session)
        due: list[tuple[Period, Report | None]] = []
        for period in recent(latest, Period.previous, lambda p: p.bounds(services.tz)[1], services.now()):
            if installed is None or installed >= period.bounds(services.tz)[1]:
                break
            versions = await versions_of(session, period.code)
            due.append((period, versions[-1] if versions else None))
            if versions and (versions[-1].sent_at is not None or versions[-1].approved_at is not None):
                break  # delivered: older ones are done (an issued one nobody got is still owed)
    return due[::-1]


async def due_report(services: Services) -> None:
    """The schedule: the day after a period ends, at `informes.report_at`, its first version goes
    to the chief; after downtime, on start, with any period missed meanwhile. A version issued but
    never delivered is retried."""
    at = services.unit.informes.report_at
    if at is None:
        return
    for period, report in await _due_periods(services, at):
        if report is None:
            issued = await informes.issue(services, period)
            report = issued[0] if issued else await informes.latest(services, period)
        if report is not None and report.sent_at is None and report.approved_at is None:
            await hand_to_chiefs(services, report)
