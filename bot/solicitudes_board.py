"""A request's card in the requests topic (posted once, edited as it moves, with the buttons of
its state), and the private questions to the Director/Subdirector: authorise a unit's request,
or sign an external answer, with the documents attached."""

from __future__ import annotations

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot import solicitudes
from bot.cameras.evidence import read
from bot.i18n import t
from bot.services import Services
from bot.solicitudes import WRITTEN
from bot.solicitudes_render import card
from bot.solicitudes_rules import State, actions
from bot.telegram_io import post, tell
from storage.people import linked_with_role
from storage.posted import remember_message
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


async def publish(bot: Bot, services: Services, solicitud_id: int, ask: bool = False) -> None:
    """Post or edit the card; with `ask`, a state just entered that the Director answers is asked."""
    case = await solicitudes.load(services, solicitud_id)
    if case is None:
        return
    language, solicitud = services.unit.language, case.solicitud
    text = card(services, case, language, solicitudes.today(services))
    if solicitud.message_id is None:
        message = await post(bot, services, "solicitudes", text, keyboard(solicitud, language))
        await remember_message(services.db, Solicitud, solicitud_id, message.chat_id, message.message_id)
    else:
        try:
            markup = keyboard(solicitud, language)
            await bot.edit_message_text(text, solicitud.chat_id, solicitud.message_id, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
    if ask and solicitud.state in PRIVATE:
        await ask_direccion(bot, services, case)


async def ask_direccion(bot: Bot, services: Services, case: solicitudes.Case) -> None:
    """The summary, the documents and the buttons, privately to each linked Director/Subdirector."""
    async with services.db.read() as session:
        directors = await linked_with_role(session, "direccion")
    files = [await read(services, d.evidence_id) for d in case.documents]
    pending = case.solicitud.state == State.AUTORIZACION_PENDIENTE
    key = "solicitud.ask_authorisation" if pending else "solicitud.ask_signature"
    today = solicitudes.today(services)
    for director in directors:
        language = director.language
        text = t(language, key, number=case.solicitud.number) + "\n\n" + card(services, case, language, today)
        if not await tell(bot, director, text):
            continue
        for document, (evidence, data) in zip(case.documents, files, strict=True):
            name = f"{case.solicitud.number}-{document.role}{evidence.path[evidence.path.rindex('.') :]}"
            await bot.send_document(director.telegram_id, data, filename=name)  # type: ignore[arg-type]
        markup = keyboard(case.solicitud, language, private=True)
        await bot.send_message(
            director.telegram_id,  # type: ignore[arg-type]
            t(language, "solicitud.decide", number=case.solicitud.number),
            reply_markup=markup,
        )
