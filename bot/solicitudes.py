"""Information requests (procedure II): registered with their authorisation and legal deadline,
moved through their states by the people the procedure names, each step with its side effect
in the same unit of work: a consigna for the technicians, an e-mail to the requester, the memo.

Every document received or delivered is kept as evidence with its SHA-256 (lineamiento c).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit, consignas
from bot.cameras.evidence import keep, read, register_case_source
from bot.i18n import plain
from bot.mail import outbox
from bot.mail.compose import Attachment
from bot.roles import Role
from bot.services import Services
from bot.solicitudes_form import Form
from bot.solicitudes_rules import (
    ACTORS,
    Action,
    Authorisation,
    Channel,
    Decision,
    State,
    advance,
    authorisation,
    deadline,
    retention_risk,
)
from bot.text import case_number
from storage.consignas import Origin
from storage.db import Database
from storage.evidence import Evidence, EvidenceKind
from storage.people import Person, linked_with_role, person_names
from storage.solicitudes import (
    Solicitud,
    SolicitudDocument,
    SolicitudEvent,
    by_number,
    documents_of,
    events_of,
    next_seq,
    open_requests,
)

if TYPE_CHECKING:
    from bot.memo import Memo

AUTOMATIC = {Decision.PROCEDE: Action.ADMITIR, Decision.REQUIERE_AUTORIZACION: Action.PEDIR_AUTORIZACION}
WRITTEN = "autorizacion_escrita"  # the Director's authorisation arrived on paper: the chief records it
NEEDS_TEXT = {
    WRITTEN,
    Action.AMPLIAR,
    Action.COMPLETAR,
    Action.NO_PERTINENTE,
    Action.INFORMAR,
    Action.RESPONDER,
    Action.ENVIAR_A_FIRMA,
    Action.DEVOLVER,
    Action.RECHAZAR,
}
CLOSING = {State.RESPONDIDA, State.NO_PERTINENTE, State.RECHAZADA}
STEPS = set(Action)  # the events that move a request (others: a document attached, a note)
MAIL_SUBJECTS = {
    Action.AMPLIAR: "se necesitan más datos",
    Action.NO_PERTINENTE: "no pertinente",
    Action.RECHAZAR: "no autorizada",  # the Director refused the unit's request, or to sign the answer
    Action.RESPONDER: "respuesta",
    Action.FIRMAR: "respuesta",
}
NOT_ADMITTED = "no admitida"  # the subject when a request came the wrong way (lineamientos a and b)
# What a step owes on Telegram (bot/solicitudes_board.py), queued in the step's own unit of work.
Owe = Callable[[AsyncSession, "Solicitud"], Awaitable[None]]
RECORDS_WRITTEN = frozenset({Role.JEFE, Role.COORDINADOR})


class Outcome(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    STALE = "stale"
    WRONG_ROLE = "wrong_role"


@dataclass(frozen=True)
class Case:
    solicitud: Solicitud
    events: list[SolicitudEvent]
    documents: list[SolicitudDocument]
    names: dict[int, str]


async def _open_refs(db: Database) -> list[str]:
    async with db.read() as session:
        return [f"solicitud:{s.number}" for s in await open_requests(session)]


register_case_source("solicitud", _open_refs)


def days_off(services: Services) -> frozenset[date]:
    return frozenset(services.unit.solicitudes.days_off)


def today(services: Services) -> date:
    return services.now().astimezone(services.tz).date()


def retention_days(services: Services, site_code: str | None) -> int:
    site = next((s for s in services.unit.sites if s.code == site_code), None)
    return (site.retention_days if site else None) or services.unit.solicitudes.retention_days


def at_risk(services: Services, solicitud: Solicitud) -> bool:
    """The video asked for is about to be overwritten by the recorder (or already is): export it now."""
    if solicitud.window_start is None:
        return False
    start = solicitud.window_start.astimezone(services.tz).date()
    return retention_risk(today(services), start, retention_days(services, solicitud.site_code))


async def _event(
    session: AsyncSession, solicitud: Solicitud, action: str, person: Person | None, now: datetime, text: str | None
) -> None:
    session.add(
        SolicitudEvent(
            solicitud_id=solicitud.id,  # type: ignore[arg-type]
            at=now,
            person_id=person.id if person else None,
            action=action,
            state=solicitud.state,
            text=text,
        )
    )
    await audit.record(
        session,
        f"solicitud.{action}",
        now=now,
        actor=person,
        object_type="solicitud",
        object_id=solicitud.number,
        detail={"state": solicitud.state, "text": text} if text else {"state": solicitud.state},
    )


async def register(
    services: Services, form: Form, person: Person, owe: Owe | None = None
) -> tuple[Solicitud, Authorisation]:
    """Record the request and decide at once whether it proceeds, waits for the Director, or is refused;
    what `owe` queues (its card) commits with it."""
    unit, now = services.unit.solicitudes, services.now()
    decision = authorisation(form.kind, form.unit_code, form.channel, set(unit.direct_units))
    action = AUTOMATIC.get(decision.decision, Action.RECHAZAR)
    state = advance(State.REGISTRADA, form.kind, action)
    assert state is not None, (form.kind, action)
    due = deadline(form.received_on, form.kind, form.older_than_five_years, unit.internal_days, days_off(services))
    async with services.db.write() as session:
        solicitud = Solicitud(
            year=now.astimezone(services.tz).year,
            seq=await next_seq(session, now.astimezone(services.tz).year),
            kind=form.kind,
            unit_code=form.unit_code,
            channel=form.channel,
            reference=form.reference,
            received_on=form.received_on,
            requester=form.requester,
            requester_email=form.requester_email,
            asked=form.asked,
            site_code=form.site_code,
            cameras=",".join(form.cameras),
            window_start=form.window_start,
            window_end=form.window_end,
            plates=",".join(form.plates),
            older_than_five_years=form.older_than_five_years,
            state=State.REGISTRADA,
            due_on=due,
            created_at=now,
            registered_by_id=person.id,  # type: ignore[arg-type]
        )
        session.add(solicitud)
        await session.flush()
        await _event(session, solicitud, "registrada", person, now, None)
        solicitud.state = state
        solicitud.closed_at = now if state in CLOSING else None
        session.add(solicitud)
        await _event(session, solicitud, action, None, now, decision.reason)
        if action == Action.RECHAZAR and solicitud.requester_email:  # the reason says how to ask again
            language = services.unit.language
            reason = plain(language, f"solicitud.reason.{decision.reason}")
            body = plain(language, "solicitud.mail.wrong_channel", number=solicitud.number, reason=reason)
            await _mail(session, solicitud, NOT_ADMITTED, body, now)
        if owe is not None:
            await owe(session, solicitud)
    services.kick_outbox()
    return solicitud, decision


async def load(services: Services, solicitud_id: int) -> Case | None:
    async with services.db.read() as session:
        return await load_in(session, solicitud_id)


async def load_in(session: AsyncSession, solicitud_id: int) -> Case | None:
    """The request with its timeline, documents and names, as the caller's unit of work sees it."""
    solicitud = await session.get(Solicitud, solicitud_id)
    if solicitud is None:
        return None
    return Case(
        solicitud,
        await events_of(session, solicitud_id),
        await documents_of(session, solicitud_id),
        await person_names(session),
    )


async def find(services: Services, text: str) -> Solicitud | None:
    number = case_number(text, "s", today(services).year)
    if number is None:
        return None
    async with services.db.read() as session:
        return await by_number(session, *number)


async def open_list(services: Services) -> list[Solicitud]:
    async with services.db.read() as session:
        return await open_requests(session)


@dataclass(frozen=True)
class ReceivedFile:
    """A file sent for a request: its bytes, how it is stored, and its own name (an exported video
    is known by it)."""

    data: bytes
    suffix: str
    name: str | None = None


async def attach(
    services: Services,
    solicitud: Solicitud,
    file: ReceivedFile,
    role: str,
    person: Person | None,
    owe: Owe | None = None,
) -> Evidence:
    """A file of the request (its document, an export found), kept with its hash and linked to the
    request at once; what `owe` queues (the card, the Director's copy) commits with the link."""
    evidence = await _keep(services, solicitud, file, person)
    async with services.db.write() as session:
        await _link(session, services, solicitud, evidence, role, person, file.name)
        if owe is not None:
            await owe(session, solicitud)
    return evidence


async def _keep(services: Services, solicitud: Solicitud, file: ReceivedFile, person: Person | None) -> Evidence:
    """The file, stored and hashed before any unit of work (a write is one at a time)."""
    return await keep(
        services,
        file.data,
        kind=EvidenceKind.DOCUMENT,
        captured_at=services.now(),
        requester=person,
        case_ref=f"solicitud:{solicitud.number}",
        suffix=file.suffix,
    )


async def _link(
    session: AsyncSession,
    services: Services,
    solicitud: Solicitud,
    evidence: Evidence,
    role: str,
    person: Person | None,
    name: str | None = None,
) -> None:
    """The kept file becomes a document of the request, in the caller's unit of work. The file's own
    name goes in the timeline with the hash: an exported video is known by its name."""
    session.add(
        SolicitudDocument(
            solicitud_id=solicitud.id,  # type: ignore[arg-type]
            evidence_id=evidence.id,  # type: ignore[arg-type]
            role=role,
            added_at=services.now(),
            added_by_id=person.id if person else None,
        )
    )
    trail = f"{name} · SHA-256 {evidence.sha256}" if name else evidence.sha256
    await _event(session, solicitud, f"documento_{role}", person, services.now(), trail)


def memo_for(services: Services, solicitud: Solicitud, answer: str, signer: Person | None) -> Memo:
    from bot.memo import Memo  # fpdf2 on first use

    unit = services.unit.solicitudes.unit(solicitud.unit_code)
    return Memo(
        number=f"UTMV-{solicitud.number}",
        to=f"{solicitud.requester}\n{unit.name if unit else solicitud.unit_code}",
        sender="Unidad Técnica de Monitoreo y Video Vigilancia",
        issued_on=today(services),
        subject=f"Respuesta a la solicitud {solicitud.number}",
        body=answer,
        signer=signer.name if signer else "",
        position=_position(signer),
        reference=solicitud.reference,
    )


def _position(signer: Person | None) -> str:
    """The office printed under the signature of an official document: a coordinator who takes the
    step signs for the Coordinación Técnica, not for the chief; a memo signed for the chief's unit
    with no chief on Telegram still names the Jefatura."""
    office = "Coordinación Técnica" if signer is not None and signer.role == Role.COORDINADOR else "Jefatura"
    return f"{office}, Unidad Técnica de Monitoreo y Video Vigilancia"


def answer_of(events: list[SolicitudEvent]) -> str:
    """The answer the chief wrote when sending it to signature (external) or answering (internal)."""
    written = [e.text for e in events if e.action in (Action.RESPONDER, Action.ENVIAR_A_FIRMA) and e.text]
    return written[-1] if written else ""


def latest_memo(documents: list[SolicitudDocument]) -> SolicitudDocument | None:
    """The memorandum that goes out: the newest, since a returned answer gets a new one."""
    memos = [d for d in documents if d.role == "memo"]
    return memos[-1] if memos else None


def steps_taken(events: list[SolicitudEvent]) -> int:
    """How many steps moved the request (a document attached or a note does not): the Director's
    buttons carry it, so a button from an earlier round (before a *Devolver*) cannot sign the new one,
    and so does a step's text question, so an answer to it cannot take the step in a later round."""
    return sum(1 for event in events if event.action in STEPS)


def sent_to_signature_by(events: list[SolicitudEvent]) -> int | None:
    """Who sent the answer to the Director: the one who prints, signs and seals the memo once signed."""
    sent = [e.person_id for e in events if e.action == Action.ENVIAR_A_FIRMA]
    return sent[-1] if sent else None


async def act(
    services: Services,
    solicitud_id: int,
    person: Person,
    action: str,
    text: str | None = None,
    owe: Owe | None = None,
    at_step: int | None = None,
) -> tuple[Outcome, Solicitud | None]:
    """One step, checked against the request as it is now (a stale button changes nothing; one that
    carries `at_step` is stale once another step was taken) and against who may take it; its side
    effects commit with it, and so does what `owe` queues (the Telegram notices the step owes:
    bot/solicitudes_board.py act)."""
    now = services.now()
    written = action == WRITTEN
    if written:
        action, text = Action.AUTORIZAR, f"escrita: {text}"
    async with services.db.read() as session:
        current = await session.get(Solicitud, solicitud_id)
        events = await events_of(session, solicitud_id)
        answer = answer_of(events)
        signed = latest_memo(await documents_of(session, solicitud_id))
        memo = await session.get(Evidence, signed.evidence_id) if signed and action == Action.FIRMAR else None
        chiefs = await linked_with_role(session, "jefe")
    if current is None:
        return Outcome.NOT_FOUND, None
    refused = _refusal(current, person, action, written) or _moved_on(events, at_step)
    if refused is not None:
        return refused, current
    # An external answer's memo is made when it goes to signature, so the Director signs the very file
    # (same SHA-256) that *Firmar* e-mails; one sent to signature before there was a memo gets it at *Firmar*.
    memo_bytes = None  # the memo the requester is e-mailed, when this step e-mails one
    new_memo = None  # kept now, made a document of the request only if the step is taken (a race loses it)
    # II-1: "not pertinent" is an answer too, given the way the request came: a memorandum for a memorandum.
    answered_by_memo = action == Action.NO_PERTINENTE and current.channel == Channel.MEMORANDUM
    if (
        action in (Action.RESPONDER, Action.ENVIAR_A_FIRMA)
        or answered_by_memo
        or (action == Action.FIRMAR and memo is None)
    ):
        from bot.memo import render_memo  # fpdf2 on first use

        body = answer if action == Action.FIRMAR else text or ""
        signed_here = action in (Action.RESPONDER, Action.NO_PERTINENTE)
        signer = person if signed_here else (chiefs[0] if chiefs else None)  # for the chief's unit
        memo_bytes = await services.cameras.run(render_memo, memo_for(services, current, body, signer))
        new_memo = await _keep(services, current, ReceivedFile(memo_bytes, ".pdf"), person)
    elif memo is not None and action in MAIL_SUBJECTS and current.requester_email:
        _, memo_bytes = await read(services, memo.id)  # type: ignore[arg-type]  # before the unit of work: one writer
    async with services.db.write() as session:
        solicitud = await session.get(Solicitud, solicitud_id)
        assert solicitud is not None
        moved_on = _moved_on(await events_of(session, solicitud_id), at_step)
        refused = _refusal(solicitud, person, action, written) or moved_on  # again: someone may have moved it
        if refused is not None:
            return refused, solicitud
        if new_memo is not None:
            await _link(session, services, solicitud, new_memo, "memo", person)
        new = advance(solicitud.state, solicitud.kind, action)
        assert new is not None
        solicitud.state = new
        solicitud.closed_at = now if new in CLOSING else None
        session.add(solicitud)
        await _event(session, solicitud, action, person, now, text)
        if action == Action.PERTINENTE:
            draft = consignas.Draft(
                text=f"Solicitud {solicitud.number}: {solicitud.asked}",
                site_code=solicitud.site_code,
                camera_code=solicitud.cameras.split(",")[0] or None,
            )
            consigna = await consignas.create_in(
                session, draft, person, now, origin=Origin.SOLICITUD, source_ref=solicitud.number
            )
            solicitud.consigna_id = consigna.id
        elif new in CLOSING and solicitud.consigna_id is not None:  # the technicians' order ends with it
            language = services.unit.language
            state = plain(language, f"solicitud.state.{new}")
            await consignas.close_with_its_case(
                session,
                solicitud.consigna_id,
                person,
                now,
                done=new == State.RESPONDIDA,
                text=plain(language, "solicitud.consigna_ended", number=solicitud.number, state=state),
            )
        await _mail_requester(session, services, solicitud, action, text, memo_bytes, answer, now)
        if owe is not None:
            await owe(session, solicitud)
    services.kick_outbox()
    return Outcome.OK, solicitud


def refusal(case: Case, person: Person, action: str, at_step: int | None = None) -> Outcome | None:
    """Why `person` cannot take `action` on the request as it is now (None: they can). Checked when a
    button is pressed, so nobody types an answer for nothing, and again when the step is taken."""
    written = action == WRITTEN
    solicitud = case.solicitud
    return _refusal(solicitud, person, Action.AUTORIZAR if written else action, written) or _moved_on(
        case.events, at_step
    )


def _moved_on(events: list[SolicitudEvent], at_step: int | None) -> Outcome | None:
    return Outcome.STALE if at_step is not None and at_step != steps_taken(events) else None


def _refusal(solicitud: Solicitud, person: Person, action: str, written: bool = False) -> Outcome | None:
    if advance(solicitud.state, solicitud.kind, action) is None:
        return Outcome.STALE
    # The Director authorises; the chief or a coordinator may only record the Director's letter.
    actors = RECORDS_WRITTEN if written else ACTORS.get(State(solicitud.state), frozenset())
    if person.role not in actors:
        return Outcome.WRONG_ROLE
    return None


async def _mail_requester(
    session: AsyncSession,
    services: Services,
    solicitud: Solicitud,
    action: str,
    text: str | None,
    memo: bytes | None,
    answer: str,
    now: datetime,
) -> None:
    """What the requester hears: what is missing, why it is not pertinent or not authorised (an
    answer is owed even to a refused request: lineamiento c, LAIP), or the answer with its memo."""
    if action not in MAIL_SUBJECTS or not solicitud.requester_email:
        return
    attachments = [Attachment(f"Memorandum-UTMV-{solicitud.number}.pdf", "application/pdf", memo)] if memo else []
    body = answer if action == Action.FIRMAR else text or ""
    await _mail(session, solicitud, MAIL_SUBJECTS[action], body, now, attachments)


async def _mail(
    session: AsyncSession,
    solicitud: Solicitud,
    subject: str,
    body: str,
    now: datetime,
    attachments: list[Attachment] | None = None,
) -> None:
    await outbox.enqueue(
        session,
        ref=solicitud.number,
        to=solicitud.requester_email,  # type: ignore[arg-type]
        subject=f"[{solicitud.number}] Solicitud {solicitud.reference or ''}: {subject}".replace("  ", " "),
        text=f"{solicitud.requester}:\n\n{body}\n\nUnidad Técnica de Monitoreo y Video Vigilancia\n",
        attachments=attachments or [],
        now=now,
    )
