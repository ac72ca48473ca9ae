"""A fault's one message in the faults topic: posted once with the camera's last frame, then
edited in place as the triage moves, so the group sees the state without a stream of messages.
Used by the /falla commands and by the health monitor alike."""

from __future__ import annotations

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot import fallas, triage
from bot.fallas import FaultCase
from bot.fallas_render import fault_text
from bot.i18n import t
from bot.services import Services
from bot.shifts import local_time
from bot.telegram_io import post
from storage.fallas import Fault
from storage.posted import remember_message


def keyboard(fault: Fault, language: str) -> InlineKeyboardMarkup | None:
    """The buttons of the step the triage is at; "Resolver" is always there until it is resolved."""
    if fault.resolved_at is not None:
        return None
    prefix = f"fll:{fault.id}"
    rows: list[list[InlineKeyboardButton]] = []
    if fault.stage == triage.ADUANA and fault.finding is None:
        rows.append(
            [
                InlineKeyboardButton(t(language, f"falla.button.{a}"), callback_data=f"{prefix}:ans:{a}")
                for a in ("fallo_electrico", "visualizacion")
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "falla.button.todo_normal"), callback_data=f"{prefix}:ans:todo_normal"
                ),
                InlineKeyboardButton(t(language, "falla.button.ask_admin"), callback_data=f"{prefix}:ask"),
            ]
        )
    elif fault.stage == triage.ENLACE and fault.finding is None:
        rows.append(
            [
                InlineKeyboardButton(t(language, f"falla.button.{a}"), callback_data=f"{prefix}:ans:{a}")
                for a in ("falla_enlace", "enlace_correcto")
            ]
        )
    rows.append([InlineKeyboardButton(t(language, "falla.button.resolve"), callback_data=f"{prefix}:resolve")])
    return InlineKeyboardMarkup(rows)


async def publish(bot: Bot, services: Services, fault_id: int) -> FaultCase | None:
    """Post the fault into the faults topic the first time, edit it in place afterwards."""
    case = await fallas.load(services, fault_id)
    if case is None:
        return None
    language, fault = services.unit.language, case.fault
    text = fault_text(case, services.unit, language, services.now(), services.tz)
    if fault.message_id is None:
        frame = await fallas.last_frame(services, fault)
        if frame is not None:
            caption = t(
                language,
                "falla.last_frame",
                number=fault.number,
                time=local_time(frame[1], services.tz, services.now()),
            )
            await bot.send_photo(
                services.unit.group.chat_id,
                frame[0],
                caption=caption,
                message_thread_id=services.unit.group.topics.fallas,
            )
        message = await post(bot, services, "fallas", text, keyboard(fault, language))
        await remember_message(services.db, Fault, fault_id, message.chat_id, message.message_id)
        return case
    try:
        await bot.edit_message_text(text, fault.chat_id, fault.message_id, reply_markup=keyboard(fault, language))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
    return case
