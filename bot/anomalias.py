"""Anomalies (procedure I-2, I-3): filed, routed, called, notified, acknowledged, justified, closed.

Every step is a row change plus an AnomalyEvent and an audit row, in the caller's unit of work:
the handlers and jobs queue the Telegram notices the step owes in that same unit of work
(bot/anomalias_notify.py), so a notice is owed exactly when its step is stored.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit
from bot.anomalias_images import case_ref
from bot.anomalias_mail import queue_alert_mail, queue_hint_mail
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
    justifications_to_post,
    next_seq,
    notices_by_id,
    notices_for,
    notices_of,
    open_anomalies,
    photos_of,
)
from storage.claims import claim
from storage.evidence import Evidence
from storage.people import Person, person_by_key, person_names

# Words that acknowledge, thank or greet but explain nothing (procedure I-3 asks for the justification):
# they are left out before judging an answer, so "Recibido, gracias" is refused like "ok". Short
# answers ("sí", "no", "ya") are refused by their length alone, and stay in what a sentence says.
# The sender's own name is left out too: a sign-off ("Saludos, Luis Alvarado") explains nothing.
ACKNOWLEDGEMENTS = (
    "ok",
    "okay",
    "oka",
    "okey",
    "listo",
    "recibido",
    "recibida",
    "visto",
    "enterado",
    "enterada",
    "entendido",
    "entendida",
    "de acuerdo",
    "gracias",
    "muchas gracias",
    "saludos",
    "saludos cordiales",
    "un saludo",
    "atte",
    "atentamente",
    "cordialmente",
    "buenos dias",
    "buenas tardes",
    "buenas noches",
    "buen dia",
    "hola",
    "noted",
    "thanks",
    "thank you",
    "seen",
    "received",
    "regards",
    "best regards",
    "kind regards",
)


def _words(phrases: list[str]) -> re.Pattern[str]:
    """Any of the phrases as whole words, however spaced; the longest first, since the alternation
    takes the first that matches ("saludos" would leave "cordiales" of "saludos cordiales")."""
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered) + r")\b")


ACKNOWLEDGEMENT = _words(list(ACKNOWLEDGEMENTS))
MIN_JUSTIFICATION_LETTERS = 12

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    CLOSED = "closed"
    NOT_YOURS = "not_yours"
    ALREADY = "already"
    JUSTIFIED = "justified"  # a second justification: the first stands (the group was shown it)
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


def is_justification(text: str, name: str) -> bool:
    """Something that explains: without its thanks, greetings and the sender's `name` (a signature),
    more than a couple of words."""
    rest = ACKNOWLEDGEMENT.sub(" ", fold(text))
    if words := fold(name).split():
        rest = _words(words).sub(" ", rest)
    return sum(c.isalpha() for c in rest) >= MIN_JUSTIFICATION_LETTERS


def parse_number(text: str, year: int) -> tuple[int, int] | None:
    return case_number(text, "a", year)


async def _event(
    session: AsyncSession, anomaly: Anomaly, kind: str, person: Person | None, now: datetime, text: str | None = None
) -> AnomalyEvent:
    event = AnomalyEvent(anomaly_id=anomaly.id, at=now, person_id=person.id if person else None, kind=kind, text=text)  # type: ignore[arg-type]
    session.add(event)
    await audit.record(
        session,
        f"anomalia.{kind}",
        now=now,
        actor=person,
        object_type="anomalia",
        object_id=anomaly.number,
        detail={"text": text} if text else None,
    )
    return event


async def file_report(
    session: AsyncSession,
    services: Services,
    report: NewReport,
    reporter: Person,
    evidence_ids: list[int] = (),  # type: ignore[assignment]
    images: list[bytes] = (),  # type: ignore[assignment]
) -> tuple[Case, dict[int, Person]]:
    """Number the report, link its images (`images`: their bytes, read by the caller before the unit
    of work), route it, create a notice for each primary person to tell and queue their e-mail, in
    the caller's unit of work (which queues the Telegram notices). Returns the case as made, and the
    people notified by id: what its notices need, without reading back what was just written."""
    now, unit = services.now(), services.unit
    site = next(s for s in unit.sites if s.code == report.site_code)
    recipients = route(site, report.category, unit.anomalias.routing)
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
    if photos:
        session.add_all(photos)
        await session.exec(
            update(Evidence).where(col(Evidence.id).in_(list(evidence_ids))).values(case_ref=case_ref(anomaly.number))
        )
    notices: list[AnomalyNotice] = []
    people: dict[int, Person] = {}
    for recipient in recipients:
        person = await person_by_key(session, recipient.primary)
        if person is not None and person.active:
            notices.append(AnomalyNotice(anomaly_id=anomaly.id, person_id=person.id, role=recipient.role))  # type: ignore[arg-type]
            people[person.id] = person  # type: ignore[index]
            session.add(notices[-1])
    await session.flush()  # numbers the notices, which the alerts and the call list name
    events = [await _event(session, anomaly, "creada", reporter, now, report.description)]
    for notice in notices:
        events += await _alert(session, services, anomaly, notice, people[notice.person_id], reporter.name, images, now)
    names = {p.id: p.name for p in (reporter, *people.values())}
    return Case(anomaly, notices, events, photos, names), people  # type: ignore[arg-type]


async def _alert(
    session: AsyncSession,
    services: Services,
    anomaly: Anomaly,
    notice: AnomalyNotice,
    person: Person,
    reporter: str,
    images: list[bytes],
    now: datetime,
) -> list[AnomalyEvent]:
    """The alert e-mail and, when the person can be reached at all (by that e-mail, or on Telegram,
    where the caller queues the alert in the same unit of work), the timeline's "avisó a": the chief
    follows who was told, and when, whichever way it went. `now` is the time of the step that alerts
    (the filing, the backup's escalation), so "avisó a" never reads later than that step."""
    await queue_alert_mail(session, anomaly, person, reporter, services.unit, services.tz, images, now)
    if not person.email and person.telegram_id is None:
        return []
    return [await _event(session, anomaly, "avisada_suplente" if notice.backup else "avisada", None, now, person.name)]


async def case_of(session: AsyncSession, anomaly_id: int) -> Case | None:
    """The case as `session` sees it: inside a unit of work, with that unit's changes."""
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


async def load(services: Services, anomaly_id: int) -> Case | None:
    async with services.db.read() as session:
        return await case_of(session, anomaly_id)


async def find(services: Services, text: str) -> Anomaly | None:
    number = parse_number(text, services.now().astimezone(services.tz).year)
    if number is None:
        return None
    async with services.db.read() as session:
        return await by_number(session, *number)


async def open_list(services: Services) -> list[Anomaly]:
    async with services.db.read() as session:
        return await open_anomalies(session)


async def notice_and_case(session: AsyncSession, notice_id: int) -> tuple[AnomalyNotice | None, Anomaly | None]:
    """A notice and its anomaly, as the caller's unit of work sees them."""
    notice = await session.get(AnomalyNotice, notice_id)
    return notice, (await session.get(Anomaly, notice.anomaly_id) if notice else None)


async def get_notice(services: Services, notice_id: int) -> AnomalyNotice | None:
    """A notice as stored now: a button names one by id, and is never trusted beyond that."""
    return (await get_notices(services, [notice_id])).get(notice_id)


async def get_notices(services: Services, notice_ids: list[int]) -> dict[int, AnomalyNotice]:
    """Notices as stored now, by id (those that exist)."""
    async with services.db.read() as session:
        return {n.id: n for n in await notices_by_id(session, notice_ids)}  # type: ignore[misc]


async def record_call(
    session: AsyncSession, services: Services, notice_id: int, person: Person, outcome: str
) -> Outcome:
    """The technician tells how the phone call went ("realizada" or "no_contesta")."""
    now = services.now()
    notice, anomaly = await notice_and_case(session, notice_id)
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
    notice, anomaly = await notice_and_case(session, notice_id)
    if notice is None or anomaly is None:
        return Outcome.NOT_FOUND
    return (notice, anomaly) if notice.person_id == person.id else Outcome.NOT_YOURS


async def acknowledge(session: AsyncSession, services: Services, notice_id: int, person: Person) -> Outcome:
    now = services.now()
    found = await _own_notice(session, notice_id, person)
    if isinstance(found, Outcome):
        return found
    notice, anomaly = found
    if anomaly.status == AnomalyStatus.CERRADA:
        return Outcome.CLOSED
    if notice.acknowledged_at is not None:
        return Outcome.ALREADY
    notice.acknowledged_at = now
    session.add(notice)
    await _event(session, anomaly, "recibida", person, now)
    return Outcome.OK


async def justify(
    session: AsyncSession, services: Services, notice_id: int, person: Person, text: str, via: str
) -> Outcome:
    """Procedure I-3: the administrator's written justification, from Telegram or e-mail."""
    if not is_justification(text, person.name):
        return Outcome.TOO_SHORT
    now = services.now()
    found = await _own_notice(session, notice_id, person)
    if isinstance(found, Outcome):
        return found
    notice, anomaly = found
    if anomaly.status == AnomalyStatus.CERRADA:
        return Outcome.CLOSED
    if notice.justified_at is not None:
        return Outcome.JUSTIFIED
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
        log.warning("e-mail from %s names %s: no such case; kept as inbox #%s", reply.from_address, ref, reply.inbox_id)
        return
    async with services.db.read() as session:
        seen = reply.recorded_in(e.text for e in await events_of(session, anomaly.id))  # type: ignore[arg-type]
    if seen or any(
        n.justification and n.justified_via == "email" and n.justification == reply.text.strip() for n in notices
    ):
        return  # the same reply handed over twice after a crash
    await keep_reply_attachments(services, reply.attachments, case_ref(anomaly.number))
    sender = next(
        (n for n in notices if (p := senders[n.id]) and p.email and p.email.lower() == reply.from_address.lower()), None
    )
    hinted = False
    async with services.db.write() as session:
        if sender is not None and sender.justified_at is None:
            person = senders[sender.id]
            assert person is not None
            outcome = await justify(session, services, sender.id, person, reply.text, "email")  # type: ignore[arg-type]
            if outcome is Outcome.OK:
                return
            if outcome is Outcome.TOO_SHORT:  # "ok" by mail: told what is missing, as on Telegram
                await queue_hint_mail(session, anomaly, reply.from_address, reply.message_id, services.now())
                hinted = True
        await _event(
            session,
            anomaly,
            "respuesta_correo",
            None,
            services.now(),
            reply.as_event(with_sender=True),
        )
    if hinted:
        services.kick_outbox()


async def unposted_justifications(services: Services) -> list[AnomalyNotice]:
    async with services.db.read() as session:
        return await justifications_to_post(session)


async def claim_posting(session: AsyncSession, services: Services, notice_id: int) -> bool:
    """Stamp the justification's post to the group once, in the unit of work that queues it."""
    return await claim(session, AnomalyNotice, notice_id, "posted_at", services.now())


async def close(session: AsyncSession, services: Services, anomaly_id: int, person: Person, note: str) -> Outcome:
    now = services.now()
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


def ack_minutes(services: Services, anomaly: Anomaly) -> int:
    """How long "Recibido" may take for the anomaly's category."""
    category = services.unit.anomalias.category(anomaly.category)
    return category.ack_minutes if category else 10


async def unacknowledged(services: Services) -> list[AnomalyNotice]:
    """Primary notices without "Recibido" past their category's delay, not escalated yet."""
    now = services.now()
    async with services.db.read() as session:
        opened = await open_anomalies(session)
        due = [a for a in opened if a.created_at + timedelta(minutes=ack_minutes(services, a)) <= now]
        notices = await notices_for(session, [a.id for a in due])  # type: ignore[misc]
    return [
        n
        for a in due
        for n in notices[a.id]  # type: ignore[index]
        if not n.backup and n.acknowledged_at is None and n.ack_escalated_at is None
    ]


async def claim_unacknowledged(session: AsyncSession, services: Services, notice_id: int) -> Anomaly | None:
    """Stamp the escalation of a notice still without "Recibido", once, in the caller's unit of work
    (which queues what it owes); its open anomaly, or None if someone claimed or acknowledged it since."""
    now = services.now()
    notice, anomaly = await notice_and_case(session, notice_id)
    if notice is None or anomaly is None or anomaly.status == AnomalyStatus.CERRADA or notice.acknowledged_at:
        return None
    if not await claim(session, AnomalyNotice, notice_id, "ack_escalated_at", now):
        return None
    await _event(session, anomaly, "sin_acuse", None, now)
    return anomaly


def backup_key(services: Services, anomaly: Anomaly, notice: AnomalyNotice) -> str | None:
    """Who backs up the notice's person, as the routing table says (bot/routing.py), if anyone."""
    site = services.unit.site(anomaly.site_code)
    recipients = route(site, anomaly.category, services.unit.anomalias.routing) if site else []
    return next((r.backup for r in recipients if r.role == notice.role), None)


async def add_backup(
    session: AsyncSession, services: Services, anomaly: Anomaly, notice: AnomalyNotice, images: list[bytes]
) -> AnomalyNotice | None:
    """The backup person of the notice's role at the site (when there is one) gets a notice of their
    own and the alert e-mail, with `images` (read by the caller before the unit of work)."""
    key = backup_key(services, anomaly, notice)
    backup = await person_by_key(session, key) if key else None
    if backup is None or not backup.active:
        return None
    backup_notice = AnomalyNotice(anomaly_id=anomaly.id, person_id=backup.id, role=notice.role, backup=True)  # type: ignore[arg-type]
    session.add(backup_notice)
    await session.flush()
    reporter = await session.get(Person, anomaly.reporter_id)
    reporter_name = reporter.name if reporter else ""
    await _alert(session, services, anomaly, backup_notice, backup, reporter_name, images, services.now())
    return backup_notice


def _justification_delay(services: Services, stage: str) -> timedelta:
    """The reminder ("justification_reminded_at") after the configured hours; the escalation after twice that."""
    hours = services.unit.anomalias.justification_hours
    return timedelta(hours=hours * (1 if stage == "justification_reminded_at" else 2))


def awaited(notices: list[AnomalyNotice]) -> list[AnomalyNotice]:
    """The alerts (primary, or a backup's) whose person still owes a justification."""
    return [n for n in notices if n.justified_at is None]


def awaits_justification(anomaly: Anomaly, notices: list[AnomalyNotice]) -> bool:
    """Whether the case is still chased: not closed, and someone alerted has not justified. The first
    justification makes it justificada (ready for the coordinator to close), but each person alerted
    answers for their own part. A case routed to nobody is chased while it has no justification at
    all, so the chief hears of it."""
    if anomaly.status == AnomalyStatus.CERRADA:
        return False
    return anomaly.status == AnomalyStatus.ABIERTA or bool(awaited(notices))


async def unjustified(services: Services, stage: str) -> list[Anomaly]:
    """Cases still awaiting a justification whose reminder or escalation (`stage`) fell due."""
    due_at = services.now() - _justification_delay(services, stage)
    async with services.db.read() as session:
        due = [a for a in await open_anomalies(session) if getattr(a, stage) is None and a.created_at <= due_at]
        notices = await notices_for(session, [a.id for a in due])  # type: ignore[misc]
    return [a for a in due if awaits_justification(a, notices[a.id])]  # type: ignore[index]


STAGE_EVENTS = {"justification_reminded_at": "recordatorio", "justification_escalated_at": "escalada_jefe"}


async def claim_unjustified(session: AsyncSession, services: Services, anomaly_id: int, stage: str) -> Anomaly | None:
    """Stamp the stage once, with its timeline event naming who is still missing, in the caller's unit
    of work (which queues what it owes); the anomaly, or None if it was claimed, justified by everyone
    or closed since."""
    anomaly = await session.get(Anomaly, anomaly_id)
    notices = await notices_of(session, anomaly_id)
    if anomaly is None or not awaits_justification(anomaly, notices):
        return None
    now = services.now()
    if not await claim(session, Anomaly, anomaly_id, stage, now):
        return None
    names = await person_names(session)
    missing = ", ".join(names.get(n.person_id, "") for n in awaited(notices))
    if missing or stage == "justification_escalated_at":  # a reminder to nobody is no step in the case
        await _event(session, anomaly, STAGE_EVENTS[stage], None, now, missing or None)
    return anomaly
