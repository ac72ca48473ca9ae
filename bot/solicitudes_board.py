"""A request's card in the requests topic (posted once, edited as it moves, with the buttons of
its state), and the private questions to the Director/Subdirector: authorise a unit's request,
or sign an external answer, with the documents attached; and the memorandum to print."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import consignas_board, notices, solicitudes, turnos
from bot.i18n import phrase, t
from bot.services import Services
from bot.solicitudes import WRITTEN
from bot.solicitudes_form import Form
from bot.solicitudes_render import card
from bot.solicitudes_rules import Authorisation, State, actions, overwritten_on, reminders
from storage.consignas import Consigna
from storage.evidence import Evidence
from storage.notices import NoticeKind, Record
from storage.people import Person, escalation_contacts, linked_with_role
from storage.solicitudes import Solicitud, SolicitudDocument, open_requests

TOPIC = "solicitudes"
PRIVATE = {State.AUTORIZACION_PENDIENTE, State.AUTORIZACION_FIRMA}  # the Director answers these privately
AUTOMATIC = {"admitir", "pedir_autorizacion"}


def keyboard(solicitud: Solicitud, language: str, at_step: int | None = None) -> InlineKeyboardMarkup | None:
    """The card's buttons; with `at_step`, the Director's private ones, which carry the steps taken so
    far: that message stays in their chat after the request moves on, and a later round is new."""
    shown: list[str] = []
    private, suffix = at_step is not None, "" if at_step is None else f":{at_step}"
    if (solicitud.state in PRIVATE) is private:
        shown = [a for a in actions(solicitud.state, solicitud.kind) if a not in AUTOMATIC]
    if solicitud.state == State.BUSQUEDA and not private:
        shown.append("hallazgo")  # attach what the search found
    if solicitud.state == State.AUTORIZACION_PENDIENTE and not private:
        shown.append(WRITTEN)  # or the Director answered on paper
    if not private:
        shown.append("documento")  # a page or a letter that arrives later, in any state
    buttons = [
        InlineKeyboardButton(t(language, f"solicitud.button.{a}"), callback_data=f"sol:{solicitud.id}:{a}{suffix}")
        for a in shown
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)]) if buttons else None


async def register(services: Services, form: Form, person: Person) -> tuple[Solicitud, Authorisation]:
    """A request recorded with its card, and the Director's question when it waits for them."""
    return await solicitudes.register(services, form, person, owe=_card(services, ask=True))


async def attach(
    services: Services, solicitud: Solicitud, file: solicitudes.ReceivedFile, role: str, person: Person | None
) -> Evidence:
    """A document kept and linked with the card's edit, and the Director's copy while they decide."""
    return await solicitudes.attach(services, solicitud, file, role, person, owe=_card(services))


def _card(services: Services, ask: bool = False) -> solicitudes.Owe:
    async def owe(session: AsyncSession, solicitud: Solicitud) -> None:
        case = await solicitudes.load_in(session, solicitud.id)  # type: ignore[arg-type]
        assert case is not None
        await owe_card(session, services, case, ask)

    return owe


async def owe_card(session: AsyncSession, services: Services, case: solicitudes.Case, ask: bool = False) -> None:
    """Post or edit the card; with `ask`, a state just entered that the Director answers is asked.
    While the Director's decision is pending, every document of the request reaches them, one
    attached after the question too. All through the Telegram outbox, in the caller's unit of work."""
    language, solicitud = services.unit.language, case.solicitud
    text = card(services, case, language, solicitudes.today(services))
    record = Record.of(Solicitud, solicitud.id)
    await notices.show(session, services, record, TOPIC, text, keyboard(solicitud, language))
    if solicitud.state in PRIVATE:
        await to_direccion(session, services, case, ask)


async def act(
    services: Services,
    solicitud_id: int,
    person: Person,
    action: str,
    text: str | None,
    chat_id: int | None,
    at_step: int | None = None,
) -> tuple[solicitudes.Outcome, Solicitud | None]:
    """A step, and in its unit of work everything it owes on Telegram: the card, the Director's
    question, the memorandum to print (to `chat_id`, where an answer was written; once signed, to
    whoever sent it to signature), a new consigna's post. A crash after the step loses none of them."""

    async def owe(session: AsyncSession, solicitud: Solicitud) -> None:
        assert solicitud.id is not None
        case = await solicitudes.load_in(session, solicitud.id)  # once, for the card and the memo
        assert case is not None
        await owe_card(session, services, case, ask=solicitud.state in PRIVATE)
        if action in ("responder", "no_pertinente") and chat_id is not None:  # a memo, if the step made one
            await owe_memo(session, services, case, chat_id)
        elif action == "firmar":
            await owe_memo(session, services, case, None)
        if solicitud.consigna_id is not None and (action == "pertinente" or solicitud.state in solicitudes.CLOSING):
            consigna = await session.get(Consigna, solicitud.consigna_id)
            assert consigna is not None
            await consignas_board.show(session, services, consigna)

    return await solicitudes.act(services, solicitud_id, person, action, text, owe=owe, at_step=at_step)


async def to_direccion(session: AsyncSession, services: Services, case: solicitudes.Case, ask: bool) -> None:
    """Privately to each linked Director/Subdirector: with `ask`, the summary (with the answer to
    sign), the documents and the buttons, owed once per state the request enters (the steps taken so
    far tell the entries apart; a document attached meanwhile does not); without it, only documents
    they do not have yet."""
    solicitud = case.solicitud
    pending = solicitud.state == State.AUTORIZACION_PENDIENTE
    question = "solicitud.ask_authorisation" if pending else "solicitud.ask_signature"
    steps = solicitudes.steps_taken(case.events)
    today, asked = solicitudes.today(services), f"solicitud:{solicitud.id}:{solicitud.state}:{steps}"
    documents = [(d, await session.get(Evidence, d.evidence_id)) for d in case.documents]
    for director in await linked_with_role(session, "direccion"):
        if director.telegram_id is None:
            continue
        language, key = director.language, f"{asked}:{director.id}"
        if ask:
            text = t(language, question, number=solicitud.number) + "\n\n" + card(services, case, language, today)
            await notices.queue(session, services, key=f"{key}:summary", chat_id=director.telegram_id, text=text)
        for document, evidence in documents:
            assert evidence is not None
            await notices.hand(
                session,
                services,
                director,
                evidence.id,  # type: ignore[arg-type]
                key=f"solicitud:{solicitud.id}:document:{document.id}:{director.id}",  # each file once
                filename=document_name(solicitud, document, evidence),
                caption=t(
                    language,
                    "solicitud.document_caption",
                    number=solicitud.number,
                    role=t(language, f"solicitud.role.{document.role}"),
                    sha=evidence.sha256,
                ),
            )
        if ask:
            await notices.queue(
                session,
                services,
                key=f"{key}:decide",
                chat_id=director.telegram_id,
                text=t(language, "solicitud.decide", number=solicitud.number),
                markup=keyboard(solicitud, language, at_step=steps),
            )


async def ask_directors_linked_since(services: Services) -> None:
    """A Director who opened the bot after a request came to wait on them is asked now (the
    solicitudes.direccion job): each question is owed once per Director and entry, so those asked
    already get nothing new."""
    async with services.db.read() as session:
        waiting = [s.id for s in await open_requests(session) if s.state in PRIVATE]
    for solicitud_id in waiting:
        async with services.db.write() as session:
            case = await solicitudes.load_in(session, solicitud_id)  # type: ignore[arg-type]
            if case is not None and case.solicitud.state in PRIVATE:
                await to_direccion(session, services, case, ask=True)


def document_name(solicitud: Solicitud, document: SolicitudDocument, evidence: Evidence) -> str:
    if document.role == "memo":
        return f"Memorandum-UTMV-{solicitud.number}.pdf"
    return f"{solicitud.number}-{document.role}{PurePosixPath(evidence.path).suffix}"


async def owe_memo(session: AsyncSession, services: Services, case: solicitudes.Case, chat_id: int | None) -> None:
    """The memorandum that goes out, to print, sign and seal: owed once. It goes to `chat_id` (where
    an internal answer was written); without one (the Director signed), privately to whoever sent it
    to signature: the Director already has this very file from the question."""
    memo = solicitudes.latest_memo(case.documents)
    if memo is None:
        return
    evidence = await session.get(Evidence, memo.evidence_id)
    assert evidence is not None
    if chat_id is None:
        sender = solicitudes.sent_to_signature_by(case.events)
        person = await session.get(Person, sender) if sender else None
        chat_id = person.telegram_id if person else None
    if chat_id is None:
        return
    await notices.queue(
        session,
        services,
        key=f"solicitud:{case.solicitud.id}:memo:{evidence.id}:{chat_id}",
        chat_id=chat_id,
        kind=NoticeKind.DOCUMENT,
        evidence_id=evidence.id,
        filename=document_name(case.solicitud, memo, evidence),
        text=f"SHA-256: {evidence.sha256}",
    )


async def remind_deadlines(services: Services) -> None:
    """Reminders at half time, the working day before and when overdue, to the chief and the
    coordinators, each once per request and kind: claimed and queued in one unit of work (the
    solicitudes.deadlines job)."""
    today = solicitudes.today(services)
    async with services.db.read() as session:
        readers = {p.id: p for p in await linked_with_role(session, "jefe") + await escalation_contacts(session)}
    for request in await solicitudes.open_list(services):
        planned = reminders(request.received_on, request.due_on, solicitudes.days_off(services))
        due = [kind for day, kind in planned if day <= today]
        if not due:
            continue
        latest = due[-1]  # after downtime only the most urgent one is worth sending
        key = f"{request.number}:{latest}"
        if await turnos.already_sent(services, key, "solicitud"):
            continue
        async with turnos.once(services, key, "solicitud") as session:
            if session is not None:
                await notices.escalate(
                    session, services, readers.values(), TOPIC, _reminder(request, latest), key=f"solicitud:{key}"
                )


def _reminder(request: Solicitud, kind: str) -> Callable[[str], str]:
    def write(language: str) -> str:
        state = t(language, f"solicitud.state.{request.state}")
        return t(
            language, f"solicitud.reminder.{kind}", number=request.number, state=state, due=f"{request.due_on:%d/%m/%Y}"
        )

    return write


async def warn_retention(services: Services) -> None:
    """The coordinators are warned, once per request, when the video asked for is about to be
    overwritten by the recorder (the solicitudes.retention job)."""
    async with services.db.read() as session:
        readers = await escalation_contacts(session)
    for request in await solicitudes.open_list(services):
        if not solicitudes.at_risk(services, request) or request.window_start is None:
            continue
        start = request.window_start.astimezone(services.tz).date()
        gone = overwritten_on(start, solicitudes.retention_days(services, request.site_code))
        if await turnos.already_sent(services, request.number, "retencion"):  # the common case: a read, no write
            continue
        async with turnos.once(services, request.number, "retencion") as session:
            if session is None:
                continue
            at_risk = phrase("solicitud.retention_warning", number=request.number, date=f"{gone:%d/%m/%Y}")
            await notices.escalate(
                session, services, readers, TOPIC, at_risk, key=f"solicitud:{request.number}:retencion"
            )
