"""Publishing consignas to Telegram: each consigna's own message, and the pinned board."""

from __future__ import annotations

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot import consignas
from bot.consignas_render import board_text, consigna_text
from bot.i18n import t
from bot.services import Services
from bot.telegram_io import post, publish_board
from storage.consignas import Consigna, ConsignaStatus, events_of
from storage.people import person_names
from storage.posted import remember_message

BOARD = "consignas"


def keyboard(consigna: Consigna, language: str) -> InlineKeyboardMarkup | None:
    if consigna.status != ConsignaStatus.ABIERTA:
        return None
    buttons = [
        InlineKeyboardButton(t(language, f"consigna.button.{action}"), callback_data=f"cns:{action}:{consigna.id}")
        for action in ("take", "note", "done", "cancel")
    ]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


async def _text(services: Services, consigna: Consigna) -> str:
    async with services.db.read() as session:
        names = await person_names(session)
        events = await events_of(session, consigna.id)  # type: ignore[arg-type]
    return consigna_text(consigna, events, names, services.unit.language, services.now(), services.tz)


async def publish(bot: Bot, services: Services, consigna: Consigna) -> None:
    message = await post(
        bot, services, "consignas", await _text(services, consigna), keyboard(consigna, services.unit.language)
    )
    await remember_message(services.db, Consigna, consigna.id, message.chat_id, message.message_id)  # type: ignore[arg-type]
    consigna.chat_id, consigna.message_id = message.chat_id, message.message_id
    await refresh_board(bot, services)


async def refresh(bot: Bot, services: Services, consigna: Consigna) -> None:
    """Edit the consigna's message to its current state, then the board."""
    if consigna.chat_id and consigna.message_id:
        try:
            await bot.edit_message_text(
                await _text(services, consigna),
                consigna.chat_id,
                consigna.message_id,
                reply_markup=keyboard(consigna, services.unit.language),
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
    await refresh_board(bot, services)


async def refresh_board(bot: Bot, services: Services) -> None:
    async with services.db.read() as session:
        names = await person_names(session)
    text = board_text(await consignas.open_list(services), names, services.unit.language, services.now(), services.tz)
    await publish_board(bot, services, BOARD, "consignas", text)
