"""The Telegram surface: one module per workflow, registered here in one place.

Handler groups: -2 the access gate, 0 the workflows, DELIVERY_GROUP the Telegram outbox (what the
update's handler queued goes out once it is handled). Adding a workflow means adding its module
to WORKFLOWS; its COMMANDS then appear in /ayuda and the menus by themselves, its BUTTONS
(callback query handlers) are registered, and its PROMPTS answer the questions it asks (those in
OPEN_PROMPTS stay open for more answers, and lapse in private: handlers/prompts.py).
"""

from __future__ import annotations

from telegram.ext import Application, TypeHandler

from bot.context import VigiaContext
from bot.notices_delivery import start_queued
from handlers import (
    access,
    anomalias,
    anomalias_guided,
    ayuda,
    camaras,
    consignas,
    fallas,
    informes,
    linking,
    placas,
    prompts,
    relevo,
    salud,
    solicitudes,
    turnos,
)
from handlers.commands import COMMANDS_KEY, as_handler
from handlers.errors import on_error

DELIVERY_GROUP = 100

WORKFLOWS = (
    ayuda,
    turnos,
    consignas,
    relevo,
    anomalias_guided,
    anomalias,
    fallas,
    salud,
    camaras,
    placas,
    informes,
    solicitudes,
    linking,
)


def register(app: Application) -> None:
    app.add_handler(access.HANDLER, group=access.GATE_GROUP)
    commands = tuple(command for module in WORKFLOWS for command in module.COMMANDS)
    app.bot_data[COMMANDS_KEY] = commands
    for command in commands:
        app.add_handler(as_handler(command))
    for module in WORKFLOWS:
        app.add_handlers(list(getattr(module, "BUTTONS", ())))
    app.bot_data[prompts.ANSWERS_KEY] = {k: v for m in WORKFLOWS for k, v in getattr(m, "PROMPTS", {}).items()}
    app.bot_data[prompts.OPEN_KEY] = frozenset(k for m in WORKFLOWS for k in getattr(m, "OPEN_PROMPTS", ()))
    app.add_handler(prompts.HANDLER)
    app.add_handler(TypeHandler(object, deliver_owed), group=DELIVERY_GROUP)
    app.add_error_handler(on_error)


async def deliver_owed(_: object, context: VigiaContext) -> None:
    """Starts the couriers for what this update queued and not yet started, and returns: the next
    update does not wait for Telegram."""
    start_queued(context.bot, context.services)
