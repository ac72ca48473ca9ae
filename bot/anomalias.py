"""Anomalies (procedure I-2, I-3): filed, routed, called, notified, acknowledged, justified, closed.

Every step is a row change plus an AnomalyEvent and an audit row in one unit of work; messages
are sent by the handlers and jobs afterwards, from what the database says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit
from bot.anomalias_images import case_ref, images_of
from bot.anomalias_mail import queue_alert_mail
from bot.cameras.evidence import keep_reply_attachments
from bot.mail.inbox import IncomingReply
from bot.roles import SUPERVISORS, Role
from bot.routing import route
from bot.services import Services
from bot.text import case_number, fold
from storage.anomalias import (
    Anomaly,
    AnomalyEvent,
    AnomalyNotice,
    AnomalyPhoto,
    AnomalyStatus,
    by_number,
    events_of,
    next_seq,
    notices_of,
    open_anomalies,
    photos_of,
)
from storage.claims import claim
from storage.evidence import Evidence
from storage.people import Person, person_by_key, person_names

# Answers that acknowledge but do not justify anything (procedure I-3 asks for the justification).
TOKEN_ANSWERS = {
    "ok",
    "okay",
    "oka",
    "va",
    "si",
    "no",
    "listo",
    "recibido",
    "visto",
    "enterado",
    "gracias",
    "ya",
    "de acuerdo",
    "entendido",
    "noted",
    "thanks",
    "seen",
    "received",
}
MIN_JUSTIFICATION_LETTERS = 12


class Outcome(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    CLOSED = "closed"
    NOT_YOURS = "not_yours"
    ALREADY = "already"
    TOO_SHORT = "too_short"


@dataclass(frozen=True)
class NewReport:
    site_code: str
    category: str
    description: str
    cameras: list[str] = field(default_factory=list)
    photo_file_ids: list[str] = field(default_factory=list)  # the reporter's own photos, as sent to Telegram


@dataclass(frozen=True)
class Case:
    """Everything about one anomaly, as the renderers need it."""

    anomaly: Anomaly
    notices: list[AnomalyNotice]
    events: list[AnomalyEvent]
    photos: list[AnomalyPhoto]
    names: dict[int, str]


def is_justification(text: str) -> bool:
    """Something that explains: not empty, not "ok", not a couple of letters."""
    folded = fold(text).strip(" .!¡?¿")
    return folded not in TOKEN_ANSWERS and sum(c.isalpha() for c in folded) >= MIN_JUSTIFICATION_LETTERS


def parse_number(text: str, year: int) -> tuple[int, int] | None:
    return case_number(text, "a", year)


async def _event(
    session: AsyncSession, anomaly: Anomaly, kind: str, person: Person | None, now: datetime, text: str | None = None
) -> None:
    session.add(
        AnomalyEvent(anomaly_id=anomaly.id, at=now, person_id=person.id if person else None, kind=kind, text=text)
    )  # type: ignore[arg-type]
    await audit.record(
        session,
        f"anomalia.{kind}",
        now=now,
        actor=person,
        object_type="anomalia",
        object_id=anomaly.number,
        detail={"text": text} if text else None,
    )


async def file_report(services: Services, report: NewReport, reporter: Person, evidence_ids: list[int] = ()) -> Anomaly:  # type: ignore[assignment]
    """Number the report, link its images, route it, create a notice for each primary person to tell
    and queue their e-mail, all in one unit of work."""
    now, unit = services.now(), services.unit
    site = next(s for s in unit.sites if s.code == report.site_code)
    recipients = route(site, report.category, unit.anomalias.routing)
    async with services.db.write() as session:
        year = now.astimezone(services.tz).year
        anomaly = Anomaly(
            year=year,
            seq=await next_seq(session, year),
            site_code=site.code,
            cameras=",".join(report.cameras),
            category=report.category,
            description=report.description,
            reporter_id=reporter.id,
            created_at=now,
        )  # type: ignore[arg-type]
        session.add(anomaly)
        await session.flush()
        photos = [AnomalyPhoto(anomaly_id=anomaly.id, evidence_id=e) for e in evidence_ids]  # type: ignore[arg-type]
        session.add_all(photos)
        await session.exec(
            update(Evidence).where(col(Evidence.id).in_(list(evidence_ids))).values(case_ref=case_ref(anomaly.number))
        )
        images = await images_of(services, photos)
        for recipient in recipients:
            person = await person_by_key(session, recipient.primary)
            if person is not None and person.active:
                session.add(AnomalyNotice(anomaly_id=anomaly.id, person_id=person.id, role=recipient.role))  # type: ignore[arg-type]
                await queue_alert_mail(session, anomaly, person, reporter.name, services.unit, services.tz, images, now)
        await _event(session, anomaly, "creada", reporter, now, report.description)
    return anomaly


async def load(services: Services, anomaly_id: int) -> Case | None:
    async with services.db.read() as session:
        anomaly = await session.get(Anomaly, anomaly_id)
        if anomaly is None:
            return None
        return Case(
            anomaly,
            await notices_of(session, anomaly_id),
            await events_of(session, anomaly_id),
            await photos_of(session, anomaly_id),
            await person_names(session),
        )


async def find(services: Services, text: str) -> Anomaly | None:
    number = parse_number(text, services.now().astimezone(services.tz).year)
    if number is None:
        return None
    async with services.db.read() as session:
        return await by_number(session, *number)


async def open_list(services: Services) -> list[Anomaly]:
    async with services.db.read() as session:
        return await open_anomalies(session)


async def mark_notified(services: Services, notice_id: int, alert_message_id: int | None) -> None:
    async with services.db.write() as session:
        notice = await session.get(AnomalyNotice, notice_id)
        if notice is not None:
            notice.notified_at, notice.alert_message_id = services.now(), alert_message_id
            session.add(notice)


async def _notice_and_case(session: AsyncSession, notice_id: int) -> tuple[AnomalyNotice | None, Anomaly | None]:
    notice = await session.get(AnomalyNotice, notice_id)
    return notice, (await session.get(Anomaly, notice.anomaly_id) if notice else None)


async def record_call(services: Services, notice_id: int, person: Person, outcome: str) -> Outcome:
    """The technician tells how the phone call went ("realizada" or "no_contesta")."""
    now = services.now()
    async with services.db.write() as session:
        notice, anomaly = await _notice_and_case(session, notice_id)
        if notice is None or anomaly is None:
            return Outcome.NOT_FOUND
        if anomaly.status == AnomalyStatus.CERRADA:
            return Outcome.CLOSED
        notice.call_outcome, notice.called_at = outcome, now
        session.add(notice)
        names = await person_names(session)
        await _event(session, anomaly, f"llamada_{outcome}", person, now, names.get(notice.person_id))
    return Outcome.OK


async def _own_notice(session: AsyncSession, notice_id: int, person: Person) -> tuple[AnomalyNotice, Anomaly] | Outcome:
    """The notice and its case, when `person` is the one it was sent to; otherwise why not."""
    notice, anomaly = await _notice_and_case(session, notice_id)
    if notice is None or anomaly is None:
        return Outcome.NOT_FOUND
    return (notice, anomaly) if notice.person_id == person.id else Outcome.NOT_YOURS


async def acknowledge(services: Services, notice_id: int, person: Person) -> Outcome:
    now = services.now()
    async with services.db.write() as session:
        found = await _own_notice(session, notice_id, person)
        if isinstance(found, Outcome):
            return found
        notice, anomaly = found
        if notice.acknowledged_at is not None:
            return Outcome.ALREADY
        notice.acknowledged_at = now
        session.add(notice)
        await _event(session, anomaly, "recibida", person, now)
    return Outcome.OK


async def justify(services: Services, notice_id: int, person: Person, text: str, via: str) -> Outcome:
    """Procedure I-3: the administrator's written justification, from Telegram or e-mail."""
    if not is_justification(text):
        return Outcome.TOO_SHORT
    now = services.now()
    async with services.db.write() as session:
        found = await _own_notice(session, notice_id, person)
        if isinstance(found, Outcome):
            return found
        notice, anomaly = found
        if anomaly.status == AnomalyStatus.CERRADA:
            return Outcome.CLOSED
        notice.justification, notice.justified_at, notice.justified_via = text.strip(), now, via
        notice.acknowledged_at = notice.acknowledged_at or now
        anomaly.status = AnomalyStatus.JUSTIFICADA
        session.add_all([notice, anomaly])
        await _event(session, anomaly, "justificada", person, now, text.strip())
    return Outcome.OK


async def record_email_reply(services: Services, ref: str, reply: IncomingReply) -> None:
    """IMAP: a reply to the alert e-mail. From a notified person it is their justification (the
    group is told by the anomalies job); from anyone else it only joins the timeline."""
    number = parse_number(ref, services.now().year)
    async with services.db.read() as session:
        anomaly = await by_number(session, *number) if number else None
        notices = await notices_of(session, anomaly.id) if anomaly else []  # type: ignore[arg-type]
        senders = {n.id: await session.get(Person, n.person_id) for n in notices}
    if anomaly is None:
        return
    async with services.db.read() as session:
        seen = any(reply.message_id in (e.text or "") for e in await events_of(session, anomaly.id))  # type: ignore[arg-type]
    if seen or any(
        n.justification and n.justified_via == "email" and n.justification == reply.text.strip() for n in notices
    ):
        return  # the same reply handed over twice after a crash
    await keep_reply_attachments(services, reply.attachments, case_ref(anomaly.number))
    sender = next(
        (n for n in notices if (p := senders[n.id]) and p.email and p.email.lower() == reply.from_address.lower()), None
    )
    if sender is not None and sender.justified_at is None:
        person = senders[sender.id]
        assert person is not None
        if await justify(services, sender.id, person, reply.text, "email") is Outcome.OK:  # type: ignore[arg-type]
            return
    async with services.db.write() as session:
        await _event(
            session,
            anomaly,
            "respuesta_correo",
            None,
            services.now(),
            f"{reply.from_address}: {reply.text}\n[{reply.message_id}]",
        )


async def unposted_justifications(services: Services) -> list[AnomalyNotice]:
    async with services.db.read() as session:
        return [
            n
            for a in await open_anomalies(session)
            for n in await notices_of(session, a.id)  # type: ignore[arg-type]
            if n.justified_at is not None and n.posted_at is None
        ]


async def mark_posted(services: Services, notice_id: int) -> bool:
    """Claim the posting of a justification to the group: True once."""
    async with services.db.write() as session:
        return await claim(session, AnomalyNotice, notice_id, "posted_at", services.now())


async def close(services: Services, anomaly_id: int, person: Person, note: str) -> Outcome:
    now = services.now()
    async with services.db.write() as session:
        anomaly = await session.get(Anomaly, anomaly_id)
        if anomaly is None:
            return Outcome.NOT_FOUND
        if Role(person.role) not in SUPERVISORS:
            return Outcome.NOT_YOURS
        if anomaly.status == AnomalyStatus.CERRADA:
            return Outcome.CLOSED
        anomaly.status, anomaly.closed_at, anomaly.closed_by_id, anomaly.closing_note = (
            AnomalyStatus.CERRADA,
            now,
            person.id,
            note.strip(),
        )
        session.add(anomaly)
        await _event(session, anomaly, "cerrada", person, now, note.strip())
    return Outcome.OK


async def note_handed_over(services: Services, anomaly_id: int, person: Person) -> None:
    """The incoming shift accepted the open anomaly in the handover: it is in the timeline."""
    async with services.db.write() as session:
        anomaly = await session.get(Anomaly, anomaly_id)
        if anomaly is not None:
            await _event(session, anomaly, "relevo", person, services.now())


async def claim_unacknowledged(services: Services) -> list[tuple[Anomaly, AnomalyNotice, AnomalyNotice | None]]:
    """Primary notices without "Recibido" past their category's delay, each claimed once; the backup
    person (when the site has one) gets a notice of their own, returned alongside."""
    now, settings = services.now(), services.unit.anomalias
    claimed = []
    async with services.db.write() as session:
        for anomaly in await open_anomalies(session):
            category = settings.category(anomaly.category)
            delay = timedelta(minutes=category.ack_minutes if category else 10)
            for notice in await notices_of(session, anomaly.id):  # type: ignore[arg-type]
                due = not notice.backup and notice.acknowledged_at is None and anomaly.created_at + delay <= now
                if not (due and await claim(session, AnomalyNotice, notice.id, "ack_escalated_at", now)):  # type: ignore[arg-type]
                    continue
                backup = await _backup_notice(session, services, anomaly, notice)
                await _event(session, anomaly, "sin_acuse", None, now)
                claimed.append((anomaly, notice, backup))
    return claimed


async def _backup_notice(
    session: AsyncSession, services: Services, anomaly: Anomaly, notice: AnomalyNotice
) -> AnomalyNotice | None:
    site = next((s for s in services.unit.sites if s.code == anomaly.site_code), None)
    people = (site.administrators if notice.role == "administrador" else site.security) if site else []
    backup = await person_by_key(session, people[1]) if len(people) > 1 else None
    if backup is None or not backup.active:
        return None
    backup_notice = AnomalyNotice(anomaly_id=anomaly.id, person_id=backup.id, role=notice.role, backup=True)  # type: ignore[arg-type]
    session.add(backup_notice)
    await session.flush()
    reporter = await session.get(Person, anomaly.reporter_id)
    images = await images_of(services, await photos_of(session, anomaly.id))  # type: ignore[arg-type]
    await queue_alert_mail(
        session, anomaly, backup, reporter.name if reporter else "", services.unit, services.tz, images, services.now()
    )
    return backup_notice


async def claim_unjustified(services: Services, stage: str) -> list[Anomaly]:
    """Open anomalies still without justification: "justification_reminded_at" after the configured
    hours, "justification_escalated_at" after twice that."""
    hours = services.unit.anomalias.justification_hours * (1 if stage == "justification_reminded_at" else 2)
    now = services.now()
    async with services.db.write() as session:
        due = [
            a
            for a in await open_anomalies(session)
            if a.status == AnomalyStatus.ABIERTA and a.created_at + timedelta(hours=hours) <= now
        ]
        return [a for a in due if await claim(session, Anomaly, a.id, stage, now)]  # type: ignore[arg-type]
