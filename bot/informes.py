"""The 15-day report (procedure I-4): issued from the records as numbered versions, reviewed by the
chief, approved once and e-mailed to the Dirección General through the outbox.

Exactly once: (period, version) is unique, so the schedule and a person can never both issue the
first version; approval is a claim on the newest version, and its e-mail is queued in the same
unit of work, so a period is e-mailed once, whatever restarts happen around it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot import audit, notices
from bot.cameras.evidence import keep, read, register_case_source
from bot.i18n import t
from bot.informes_data import gather
from bot.mail import outbox
from bot.mail.compose import Attachment
from bot.reporte.model import Period, ReportData
from bot.services import Services
from bot.shifts import local_time
from storage.claims import claim
from storage.db import Database
from storage.evidence import EvidenceKind
from storage.informes import Report, approved_version, versions_of
from storage.people import Person

PDF, XLSX = "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Outcome(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    APPROVED_ALREADY = "approved_already"
    NEWER_VERSION = "newer_version"
    NO_RECIPIENTS = "no_recipients"


@dataclass(frozen=True)
class Documents:
    data: ReportData
    pdf: bytes
    xlsx: bytes

    def files(self) -> list[Attachment]:
        number, version = self.data.number, self.data.version
        return [
            Attachment(file_name(number, version, "pdf"), PDF, self.pdf),
            Attachment(file_name(number, version, "xlsx"), XLSX, self.xlsx),
        ]


def file_name(number: str, version: int, extension: str) -> str:
    return f"Informe-{number}-v{version}.{extension}"


async def _kept_reports(db: Database) -> list[str]:
    """Reports are records, never evidence to expire: every one is always "open"."""
    async with db.read() as session:
        return [f"informe:R-{period}" for period in set((await session.exec(select(Report.period))).all())]


register_case_source("informe", _kept_reports)


def finished(services: Services, period: Period) -> bool:
    return services.now() >= period.bounds(services.tz)[1]


async def render(services: Services, data: ReportData) -> Documents:
    """Charts, PDF and XLSX, off the event loop."""
    from bot.reporte.charts import render_charts  # matplotlib, fpdf2 and openpyxl load on first use:
    from bot.reporte.pdf import render_pdf  # ~90 MB the bot need not hold between reports
    from bot.reporte.xlsx import render_xlsx

    charts = await services.cameras.run(render_charts, data)
    pdf = await services.cameras.run(render_pdf, data, charts)
    return Documents(data, pdf, await services.cameras.run(render_xlsx, data))


async def preview(services: Services, period: Period) -> Documents:
    """A period still running: the documents as they stand, kept nowhere, approved by nobody."""
    return await render(services, await gather(services, period, 0))


async def issue(
    services: Services, period: Period, person: Person | None = None, observation: str | None = None
) -> tuple[Report, Documents] | None:
    """A new version of a finished period. Without an observation only the first version is made
    (None when it exists: the schedule after a restart); with one, the next version, carrying
    every earlier observation."""
    issued = await versions(services, period.code)
    if (observation is None and issued) or approved_among(issued):
        return None
    notes = [*(json.loads(issued[-1].observations) if issued else []), *([observation] if observation else [])]
    documents = await render(services, await gather(services, period, len(issued) + 1, tuple(notes)))
    kept = [
        await keep(
            services,
            file.data,
            kind=EvidenceKind.DOCUMENT,
            captured_at=services.now(),
            requester=person,
            case_ref=f"informe:{documents.data.number}",
            suffix=file.filename[file.filename.rindex(".") :],
        )
        for file in documents.files()
    ]
    try:
        async with services.db.write() as session:
            report = Report(
                period=period.code,
                version=documents.data.version,
                generated_at=services.now(),
                generated_by_id=person.id if person else None,
                observations=json.dumps(notes, ensure_ascii=False),  # each note whole, its own lines kept
                pdf_evidence_id=kept[0].id,  # type: ignore[arg-type]
                xlsx_evidence_id=kept[1].id,  # type: ignore[arg-type]
                pdf_sha256=kept[0].sha256,
            )
            session.add(report)
            await session.flush()
            await audit.record(
                session,
                "informe.version",
                now=services.now(),
                actor=person,
                object_type="informe",
                object_id=f"{report.number} v{report.version}",
                detail={"pdf_sha256": kept[0].sha256, "xlsx_sha256": kept[1].sha256},
            )
    except IntegrityError:
        return None  # someone else issued this version a moment ago
    return report, documents


async def stored(services: Services, report: Report) -> list[Attachment]:
    """A stored version's files, as they were approved or sent (checked against their hashes)."""
    files = []
    for evidence_id, suffix, kind in ((report.pdf_evidence_id, "pdf", PDF), (report.xlsx_evidence_id, "xlsx", XLSX)):
        _, data = await read(services, evidence_id)
        files.append(Attachment(file_name(report.number, report.version, suffix), kind, data))
    return files


async def get(services: Services, report_id: int) -> Report | None:
    async with services.db.read() as session:
        return await session.get(Report, report_id)


async def latest(services: Services, period: Period) -> Report | None:
    found = await versions(services, period.code)
    return found[-1] if found else None


async def versions(services: Services, period_code: str) -> list[Report]:
    """Every version of the period, oldest first: the newest is the one to review, and one approved
    (it went to the Dirección General) closes the period to observations, whatever message asks."""
    async with services.db.read() as session:
        return await versions_of(session, period_code)


def approved_among(found: list[Report]) -> Report | None:
    return next((version for version in found if version.approved_at is not None), None)


async def approve(services: Services, report_id: int, person: Person) -> tuple[Outcome, Report | None]:
    """The chief's "Aprobar y enviar": the newest version only, once per period, e-mailed with
    its documents to the Dirección General in the same unit of work."""
    recipients, now = services.unit.mail.direccion_general, services.now()
    report = await get(services, report_id)
    if report is None:
        return Outcome.NOT_FOUND, None
    files = await stored(services, report)
    async with services.db.write() as session:
        approved = await approved_version(session, report.period)
        if approved is not None:
            return Outcome.APPROVED_ALREADY, approved
        if (await versions_of(session, report.period))[-1].id != report.id:
            return Outcome.NEWER_VERSION, report
        if not recipients:
            return Outcome.NO_RECIPIENTS, report
        if not await claim(session, Report, report_id, "approved_at", now):
            return Outcome.APPROVED_ALREADY, await session.get(Report, report_id)
        report = await session.get(Report, report_id)
        assert report is not None
        report.approved_by_id = person.id
        session.add(report)
        await outbox.enqueue(
            session,
            ref=report.number,
            to=recipients,
            subject=f"Informe consolidado {report.number} (versión {report.version})",
            text=_mail_text(report, person),
            attachments=files,
            now=now,
        )
        await audit.record(
            session,
            "informe.aprobado",
            now=now,
            actor=person,
            object_type="informe",
            object_id=f"{report.number} v{report.version}",
            detail={"pdf_sha256": report.pdf_sha256, "to": recipients},
        )
        confirmation = t(
            person.language,
            "informe.approved",
            number=report.number,
            version=report.version,
            to=", ".join(recipients),
            time=local_time(now, services.tz, now),
            sha=report.pdf_sha256,
        )
        await notices.tell(session, services, person, confirmation, key=f"informe:{report.id}:approved")
    services.kick_outbox()
    return Outcome.OK, report


def _mail_text(report: Report, person: Person) -> str:
    period = Period.parse(report.period)
    return (
        "Señores Dirección General de Aduanas:\n\n"
        f"Se remite el informe consolidado de situaciones notificadas {report.number} "
        f"(versión {report.version}), período del {period.label}, aprobado por {person.name}, "
        "para su traslado a la PNC, la Unidad de Seguridad del Ministerio de Hacienda y la División "
        "de Operaciones Aduaneras.\n\n"
        f"Documento PDF, SHA-256: {report.pdf_sha256}\n\n"
        "Unidad Técnica de Monitoreo y Video Vigilancia"
    )
