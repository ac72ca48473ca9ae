"""A request's card in the requests topic (posted once, edited as it moves, with the buttons of
its state), and the private questions to the Director/Subdirector: authorise a unit's request,
or sign an external answer, with the documents attached."""

from __future__ import annotations

from pathlib import PurePosixPath

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import notices, solicitudes
from bot.i18n import t
from bot.services import Services
from bot.solicitudes import WRITTEN
from bot.solicitudes_render import card
from bot.solicitudes_rules import State, actions
from storage.evidence import Evidence
from storage.notices import NoticeKind, Record
from storage.people import linked_with_role
from storage.solicitudes import Solicitud

PRIVATE = {State.AUTORIZACION_PENDIENTE, State.AUTORIZACION_FIRMA}  # the Director answers these privately
AUTOMATIC = {"admitir", "pedir_autorizacion"}


def keyboard(solicitud: Solicitud, language: str, private: bool = False) -> InlineKeyboardMarkup | None:
    shown: list[str] = []
    if (solicitud.state in PRIVATE) is private:
        shown = [a for a in actions(solicitud.state, solicitud.kind) if a not in AUTOMATIC]
    if solicitud.state == State.BUSQUEDA and not private:
        shown.append("hallazgo")  # attach what the search found
    if solicitud.state == State.AUTORIZACION_PENDIENTE and not private:
        shown.append(WRITTEN)  # or the Director answered on paper
    buttons = [
        InlineKeyboardButton(t(language, f"solicitud.button.{a}"), callback_data=f"sol:{solicitud.id}:{a}")
        for a in shown
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)]) if buttons else None


async def publish(services: Services, solicitud_id: int, ask: bool = False) -> None:
    """Post or edit the card; with `ask`, a state just entered that the Director answers is asked.
    Both go through the Telegram outbox, in one unit of work."""
    case = await solicitudes.load(services, solicitud_id)
    if case is None:
        return
    language, solicitud = services.unit.language, case.solicitud
    text = card(services, case, language, solicitudes.today(services))
    async with services.db.write() as session:
        record = Record.of(Solicitud, solicitud_id)
        await notices.show(session, services, record, "solicitudes", text, keyboard(solicitud, language))
        if ask and solicitud.state in PRIVATE:
            await ask_direccion(session, services, case)


async def ask_direccion(session: AsyncSession, services: Services, case: solicitudes.Case) -> None:
    """The summary, the documents and the buttons, privately to each linked Director/Subdirector:
    owed once per state the request enters (its timeline's length tells the entries apart)."""
    solicitud = case.solicitud
    pending = solicitud.state == State.AUTORIZACION_PENDIENTE
    question = "solicitud.ask_authorisation" if pending else "solicitud.ask_signature"
    today, asked = solicitudes.today(services), f"solicitud:{solicitud.id}:{solicitud.state}:{len(case.events)}"
    documents = [(d, await session.get(Evidence, d.evidence_id)) for d in case.documents]
    for director in await linked_with_role(session, "direccion"):
        if director.telegram_id is None:
            continue
        language, key = director.language, f"{asked}:{director.id}"
        text = t(language, question, number=solicitud.number) + "\n\n" + card(services, case, language, today)
        await notices.queue(session, services, key=f"{key}:summary", chat_id=director.telegram_id, text=text)
        for document, evidence in documents:
            assert evidence is not None
            name = f"{solicitud.number}-{document.role}{PurePosixPath(evidence.path).suffix}"
            await notices.hand(
                session,
                services,
                director,
                evidence.id,
                key=f"{key}:document:{document.id}",
                filename=name,  # type: ignore[arg-type]
            )
        await notices.queue(
            session,
            services,
            key=f"{key}:decide",
            chat_id=director.telegram_id,
            text=t(language, "solicitud.decide", number=solicitud.number),
            markup=keyboard(solicitud, language, private=True),
        )


async def owe_memo(services: Services, chat_id: int, solicitud_id: int) -> None:
    """The memorandum just produced, to print, sign and seal, through the outbox: owed once."""
    case = await solicitudes.load(services, solicitud_id)
    memos = [d for d in case.documents if d.role == "memo"] if case else []
    if not memos or case is None:
        return
    evidence_id = memos[-1].evidence_id
    async with services.db.write() as session:
        evidence = await session.get(Evidence, evidence_id)
        assert evidence is not None
        await notices.queue(
            session,
            services,
            key=f"solicitud:{solicitud_id}:memo:{evidence_id}:{chat_id}",
            chat_id=chat_id,
            kind=NoticeKind.DOCUMENT,
            evidence_id=evidence_id,
            filename=f"Memorandum-UTMV-{case.solicitud.number}.pdf",
            text=f"SHA-256: {evidence.sha256}",
        )
