"""The one error handler: log everything under a reference, show the user that reference."""

from __future__ import annotations

import logging
import secrets

from telegram import Update
from telegram.error import TelegramError

from bot.context import VigiaContext
from bot.i18n import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: VigiaContext) -> None:
    """The reference lets whoever reads the logs find the traceback a user reports."""
    reference = secrets.token_hex(3).upper()
    summary = update.to_dict() if isinstance(update, Update) else repr(update)
    log.error("error %s while handling %s", reference, summary, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_message is None:
        return
    try:
        await update.effective_message.reply_text(t(context.language, "error.internal", ref=reference))
    except TelegramError:
        log.warning("could not tell the user about error %s", reference)
