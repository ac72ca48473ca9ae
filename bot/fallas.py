"""Faults (procedure III-1, III-2): opened by a person or by the health monitor, triaged in the
procedure's order, reported to the vendor by e-mail, followed until resolved, told to the chief."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit, triage
from bot.cameras.evidence import register_case_source
from bot.fallas_mail import vendor_again_mail, vendor_mail
from bot.mail import outbox
from bot.mail.compose import Attachment
from bot.mail.inbox import CASE_REF, IncomingReply
from bot.services import Services
from bot.text import case_number, enough_words, fold
from bot.unit_config import Contact
from storage.claims import claim_again
from storage.db import Database
from storage.evidence import Evidence, case_photo, last_photo
from storage.fallas import Fault, FaultEvent, fault_by_number, fault_events, next_fault_seq, open_fault_for, open_faults
from storage.mail import mails_for_ref
from storage.people import Person, person_names
from storage.sites import Camera

# "Ticket: TK-4411", "caso nº 123", "orden de trabajo N° 5521", "OT 77": a number follows the word
# (with a digit in it, so "el ticket será…" or "en caso necesario" name none).
TICKET = re.compile(
    r"\b(?:ticket|caso|incidencia|orden\s+de\s+trabajo|OT)\s*(?:(?:n[°º.]|no\.|núm\.?|número)\s*)?[:#]?\s*"
    r"((?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{0,30})\b",
    re.IGNORECASE,
)


class Outcome(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    RESOLVED = "resolved"
    STALE = "stale"
    NO_VENDOR = "no_vendor"


@dataclass(frozen=True)
class Target:
    scope: str  # camara | sitio | siram
    site_code: str | None
    camera_code: str | None


@dataclass(frozen=True)
class FaultCase:
    fault: Fault
    events: list[FaultEvent]
    names: dict[int, str]


def case_ref(number: str) -> str:
    """What a fault's evidence (the monitor's frame, the vendor's attachments) is kept under."""
    return f"falla:{number}"


async def _open_refs(db: Database) -> list[str]:
    """An open fault's evidence outlives the retention period; a resolved fault's goes like any other."""
    async with db.read() as session:
        return [case_ref(fault.number) for fault in await open_faults(session)]


register_case_source("falla", _open_refs)


def parse_target(word: str, services: Services) -> Target | None:
    """`siram`, a site code or a camera code, forgiving case and accents."""
    if fold(word) == "siram":
        return Target("siram", None, None)
    site, camera = services.unit.site(word), services.unit.camera(word)
    if site is not None:
        return Target("sitio", site.code, None)
    return Target("camara", camera.site, camera.code) if camera else None


def parse_number(text: str, year: int) -> tuple[int, int] | None:
    return case_number(text, "f", year)


async def _event(
    session: AsyncSession,
    fault: Fault,
    kind: str,
    person: Person | None,
    now: datetime,
    text: str | None = None,
    stage: str | None = None,
) -> None:
    session.add(
        FaultEvent(
            fault_id=fault.id, at=now, person_id=person.id if person else None, kind=kind, stage=stage, text=text
        )
    )  # type: ignore[arg-type]
    await audit.record(
        session,
        f"falla.{kind}",
        now=now,
        actor=person,
        object_type="falla",
        object_id=fault.number,
        detail={"text": text} if text else None,
    )


async def open_in(
    session: AsyncSession, services: Services, target: Target, description: str, opened_by: Person | None
) -> tuple[Fault, bool]:
    """In the caller's unit of work, which queues the fault's message; an open fault on the same target
    (or, for a camera, the site fault the monitor holds it in: open_fault_for) is returned,
    not doubled (False)."""
    now = services.now()
    existing = await open_fault_for(session, target.scope, target.site_code, target.camera_code)
    if existing is not None:
        return existing, False
    year = now.astimezone(services.tz).year
    fault = Fault(
        year=year,
        seq=await next_fault_seq(session, year),
        scope=target.scope,
        site_code=target.site_code,
        camera_code=target.camera_code,
        description=description,
        opened_by_id=opened_by.id if opened_by else None,
        opened_at=now,
    )
    session.add(fault)
    await session.flush()
    await _event(session, fault, "abierta", opened_by, now, description or None, stage=triage.ADUANA)
    return fault, True


async def load(services: Services, fault_id: int) -> FaultCase | None:
    async with services.db.read() as session:
        fault = await session.get(Fault, fault_id)
        return await case_of(session, fault) if fault is not None else None


async def case_of(session: AsyncSession, fault: Fault) -> FaultCase:
    """The fault with its timeline and the names in it, as the caller's session sees them."""
    return FaultCase(fault, await fault_events(session, fault.id), await person_names(session))  # type: ignore[arg-type]


async def find(services: Services, text: str) -> Fault | None:
    number = parse_number(text, services.now().astimezone(services.tz).year)
    if number is None:
        return None
    async with services.db.read() as session:
        return await fault_by_number(session, *number)


async def open_list(services: Services) -> list[Fault]:
    async with services.db.read() as session:
        return await open_faults(session)


async def last_frame(session: AsyncSession, services: Services, fault: Fault) -> Evidence | None:
    """The camera's newest kept photo, for the fault's message and the vendor's e-mail; for a site
    fault, the frame kept under its number (the health monitor keeps one of its cameras' last good
    one); None when there is none, or when that photo's file is gone."""
    if fault.camera_code is None:
        photo = await case_photo(session, case_ref(fault.number))
    else:
        camera = (await session.exec(select(Camera).where(Camera.code == fault.camera_code))).first()
        photo = await last_photo(session, camera.id) if camera and camera.id else None
    if photo is None or not (services.settings.data_dir / photo.path).is_file():
        return None
    return photo


async def vendor_frame(services: Services, fault_id: int, reply: str) -> Attachment | None:
    """The last frame for the vendor's e-mail, read before the answer's unit of work (which holds the
    write lock) when the answer may reach the vendor step."""
    if reply != "enlace_correcto":
        return None
    async with services.db.read() as session:
        fault = await session.get(Fault, fault_id)
        photo = await last_frame(session, services, fault) if fault is not None else None
    if fault is None or photo is None:
        return None
    data = await services.cameras.run((services.settings.data_dir / photo.path).read_bytes)
    return Attachment(f"{fault.number}-ultimo-cuadro.jpg", "image/jpeg", data)


async def answer(
    session: AsyncSession,
    services: Services,
    fault_id: int,
    person: Person | None,
    reply: str,
    source: str,
    frame: Attachment | None,
) -> tuple[Outcome, Fault | None]:
    """One triage answer ("todo_normal", "falla_enlace"...), from the phone or the administrator's
    one-tap reply, in the caller's unit of work (which queues the fault's message as it becomes).
    Reaching the vendor step queues the vendor's e-mail there too, with `frame` (vendor_frame)."""
    now = services.now()
    fault = await session.get(Fault, fault_id)
    if fault is None:
        return Outcome.NOT_FOUND, None
    if fault.resolved_at is not None:
        return Outcome.RESOLVED, fault
    step = triage.advance(fault.stage, fault.finding, reply)
    if step is None:
        return Outcome.STALE, fault
    vendor = services.unit.mail.maintenance_vendor
    if step.email_vendor and (vendor is None or not vendor.emails):
        return Outcome.NO_VENDOR, fault
    entered = step.stage if step.stage != fault.stage else None
    fault.stage, fault.finding = step.stage, step.finding
    await _event(session, fault, reply, person, now, source, stage=entered)
    if step.email_vendor:
        await _email_vendor(session, services, fault, vendor_mail(fault, services.unit, services.tz), now, frame)
    session.add(fault)
    return Outcome.OK, fault


async def _email_vendor(
    session: AsyncSession,
    services: Services,
    fault: Fault,
    mail: tuple[str, str, str],
    now: datetime,
    frame: Attachment | None = None,
    in_reply_to: str | None = None,
) -> None:
    """Queue `mail` (subject, text, HTML) to the vendor; the wait for its answer starts from it."""
    unit = services.unit
    vendor = unit.mail.maintenance_vendor
    assert vendor is not None
    subject, text, html = mail
    await outbox.enqueue(
        session,
        ref=fault.number,
        to=vendor.emails,
        cc=unit.mail.contract_administrators,
        subject=subject,
        text=text,
        html=html,
        attachments=[frame] if frame else (),
        in_reply_to=in_reply_to,
        now=now,
    )
    fault.vendor_emailed_at, fault.vendor_replied_at = now, None
    await _event(session, fault, "correo_proveedor", None, now, ", ".join(vendor.emails))


async def reply_to(services: Services, ref: str, reply: IncomingReply) -> Fault | None:
    """The fault an e-mailed reply is about; None if there is no such fault or the reply is recorded."""
    async with services.db.read() as session:
        number = parse_number(ref, services.now().year)
        fault = await fault_by_number(session, *number) if number else None
        if fault is None or reply.recorded_in(e.text for e in await fault_events(session, fault.id)):  # type: ignore[arg-type]
            return None
    return fault


async def record_reply(session: AsyncSession, services: Services, fault_id: int, reply: IncomingReply) -> Fault | None:
    """In the caller's unit of work: the reply joins the timeline. From the vendor (an address of its
    domains), it is their answer, and a ticket number in it is picked up; from anyone else in the
    thread (a contract administrator answering all), only what they said. None if recorded since."""
    fault = await session.get(Fault, fault_id)
    if fault is None or reply.recorded_in(e.text for e in await fault_events(session, fault_id)):
        return None
    now = services.now()
    if not from_vendor(reply.from_address, services.unit.mail.maintenance_vendor):
        await _event(session, fault, "respuesta_correo", None, now, reply.as_event(with_sender=True))
        return fault
    first_answer = fault.vendor_replied_at is None  # to the last report: a fault back may get a new ticket
    fault.vendor_replied_at = fault.vendor_replied_at or now
    ticket = ticket_in(f"{reply.subject}\n{reply.text}")
    if ticket and (first_answer or not fault.vendor_ticket):
        fault.vendor_ticket = ticket
    session.add(fault)
    await _event(session, fault, "respuesta_proveedor", None, now, reply.as_event())
    return fault


def ticket_in(text: str) -> str | None:
    """The vendor's ticket number in its reply. One of our case numbers is not theirs: vendors often
    quote ours first ("recibimos su caso F-2026-0001 y abrimos el ticket 88123")."""
    return next((m.group(1) for m in TICKET.finditer(text) if not CASE_REF.fullmatch(m.group(1))), None)


def from_vendor(address: str, vendor: Contact | None) -> bool:
    """Its technicians write from addresses of their own, in the domains of those we write to."""
    domains = {email.rpartition("@")[2].lower() for email in (vendor.emails if vendor else [])}
    return address.rpartition("@")[2].lower() in domains


async def resolve(
    session: AsyncSession, now: datetime, fault_id: int, person: Person, treatment: str, cause: str
) -> tuple[Outcome, Fault | None]:
    """In the caller's unit of work, which queues the fault's message and the chief's notice."""
    fault = await session.get(Fault, fault_id)
    if fault is None:
        return Outcome.NOT_FOUND, None
    if fault.resolved_at is not None:
        return Outcome.RESOLVED, fault
    if cause not in triage.CAUSES or not enough_words(treatment):
        return Outcome.STALE, fault
    fault.resolved_at, fault.resolved_by_id, fault.treatment, fault.cause = now, person.id, treatment.strip(), cause
    fault.stage = triage.RESUELTA
    session.add(fault)
    await _event(session, fault, "resuelta", person, now, f"{cause}: {treatment.strip()}", stage=triage.RESUELTA)
    return Outcome.OK, fault


async def restored(session: AsyncSession, now: datetime, fault_id: int, text: str) -> Fault | None:
    """The health monitor sees the picture back. A fault it opened itself is resolved now (the
    restoration time); one a person opened gets the restoration in its timeline and stays theirs.
    In the caller's unit of work, which queues the fault's message as it becomes."""
    fault = await session.get(Fault, fault_id)
    if fault is None or fault.resolved_at is not None:
        return fault
    if fault.opened_by_id is not None:
        await _event(session, fault, "restablecida", None, now, text)
        return fault
    fault.resolved_at, fault.treatment = now, text
    fault.cause = triage.SUGGESTED_CAUSE.get(fault.finding or "", "otro")
    fault.stage = triage.RESUELTA
    session.add(fault)
    await _event(session, fault, "resuelta", None, now, text, stage=triage.RESUELTA)
    return fault


def picture_back(events: list[FaultEvent]) -> FaultEvent | None:
    """The monitor's "picture back" on a fault, while it is its latest word on the camera."""
    latest = next((e for e in reversed(events) if e.kind in ("restablecida", "perdida")), None)
    return latest if latest is not None and latest.kind == "restablecida" else None


async def lost_again(session: AsyncSession, now: datetime, fault: Fault, text: str) -> bool:
    """The health monitor finds the picture gone again on an open fault it had seen it back on (a
    person's, which its recovery leaves open): the timeline records it, so the message stops inviting
    a closure. In the caller's unit of work, which queues the message as it becomes; False when the
    picture was not back, and there is nothing to record."""
    if not picture_back(await fault_events(session, fault.id)):  # type: ignore[arg-type]
        return False
    await _event(session, fault, "perdida", None, now, text)
    return True


async def reopen(session: AsyncSession, services: Services, fault_id: int, text: str) -> Fault | None:
    """A camera failing again soon after the monitor's fault was resolved (by the monitor itself or by a
    person): the same fault, not a new one. Back at the vendor step, the vendor is told it is back, in
    the thread of its first report, when it may think it fixed: a person resolved it, or it had
    answered. Its answer is then awaited (and chased) afresh; the ticket it gave stays for reference.
    A fault the monitor closed on its own while the vendor stayed silent was never over for the
    vendor: no second e-mail, and the wait and the chase from the first one carry on. In the caller's
    unit of work, which queues the fault's message (and the e-mail) as it becomes."""
    now = services.now()
    fault = await session.get(Fault, fault_id)
    if fault is None or fault.resolved_at is None or fault.opened_by_id is not None:
        return None
    if await open_fault_for(session, fault.scope, fault.site_code, fault.camera_code):
        return None  # someone opened one on it meanwhile: that one is the fault now
    vendor_may_think_fixed = fault.resolved_by_id is not None or fault.vendor_replied_at is not None
    stage = stage_reached(await fault_events(session, fault_id))
    fault.resolved_at = fault.treatment = fault.cause = fault.resolved_by_id = None  # whoever resolves it next
    fault.stage = stage
    session.add(fault)
    await _event(session, fault, "reabierta", None, now, text, stage=stage)
    vendor = services.unit.mail.maintenance_vendor
    if stage == triage.PROVEEDOR and vendor_may_think_fixed and vendor is not None and vendor.emails:
        first = next(iter(await mails_for_ref(session, fault.number)), None)
        mail = vendor_again_mail(fault, services.unit, services.tz, text, now)
        await _email_vendor(session, services, fault, mail, now, in_reply_to=first.message_id if first else None)
    return fault


async def note_asked(session: AsyncSession, now: datetime, fault: Fault, asker: Person, admin: Person) -> None:
    """Step 1 asked of the customs administrator by Telegram, in the caller's unit of work."""
    await _event(session, fault, "consulta_aduana", asker, now, admin.name)


async def note_handed_over(services: Services, fault_id: int, person: Person) -> None:
    """The incoming shift accepted the open fault in the handover: it is in the timeline."""
    async with services.db.write() as session:
        fault = await session.get(Fault, fault_id)
        if fault is not None:
            await _event(session, fault, "relevo", person, services.now())


def stage_reached(events: list[FaultEvent]) -> str:
    """The triage step a resolved fault had got to, which its stage (resuelta) no longer tells."""
    return next((e.stage for e in reversed(events) if e.stage and e.stage != triage.RESUELTA), triage.ADUANA)


def waited(case: FaultCase, now: datetime) -> dict[str, timedelta]:
    stages = [(e.at, e.stage) for e in case.events if e.stage and e.kind != "abierta"]
    return triage.split(stages, case.fault.opened_at, case.fault.resolved_at or now)  # type: ignore[arg-type]


async def vendor_silent(services: Services, hours: float) -> list[Fault]:
    """Faults e-mailed to the vendor with no reply after `hours`, and not chased in the last `hours`:
    the coordinators hear of a silent vendor again and again while it stays silent."""
    now, delay = services.now(), timedelta(hours=hours)
    async with services.db.read() as session:
        return [
            f
            for f in await open_faults(session)
            if f.vendor_emailed_at
            and not f.vendor_replied_at
            and f.vendor_emailed_at + delay <= now
            and (f.vendor_reminded_at is None or f.vendor_reminded_at + delay <= now)
        ]


async def claim_vendor_reminder(session: AsyncSession, services: Services, fault: Fault) -> bool:
    """Stamp this round's chase once, in the caller's unit of work, which queues the notices it owes."""
    now = services.now()
    return await claim_again(session, Fault, fault.id, "vendor_reminded_at", fault.vendor_reminded_at, now)  # type: ignore[arg-type]
