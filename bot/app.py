"""The composition root: build the PTB Application from services, wire handlers and jobs."""

from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

import handlers
import jobs
from bot import group_migration
from bot.context import SERVICES_KEY, VigiaApplication, VigiaContext
from bot.directory import sync_directory
from bot.notices_delivery import drained
from bot.services import Services
from bot.telegram_pacing import Pacing
from bot.update_order import PerChatOrder
from handlers.menus import publish_menus
from storage.people import all_people

log = logging.getLogger(__name__)


def build_application(services: Services) -> VigiaApplication:
    settings = services.settings
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .context_types(ContextTypes(context=VigiaContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .post_init(_start_services)
        .post_stop(_stop_couriers)
        .post_shutdown(_stop_services)
        .concurrent_updates(PerChatOrder())
    )
    if settings.telegram_rate_limit:
        builder = builder.rate_limiter(_within_telegram_limits(services))
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    app = builder.build()
    app.bot_data[SERVICES_KEY] = services
    handlers.register(app)
    jobs.register(app)
    app.job_queue.run_once(_announce, when=0, name="vigia.up")  # type: ignore[union-attr]
    return app  # type: ignore[return-value]


def _within_telegram_limits(services: Services) -> Pacing:
    """Queue instead of being refused: Telegram allows about 30 messages a second, 20 a minute into
    one group and about one a second into a chat. Spaced evenly with a margin (25 a second; 1 every
    3.2 s per group), never in bursts: a burst of 20 plus the bucket's refill would break a sliding
    60-second window, and one 429 pauses every chat, private alerts included. Every private message
    counts in its chat's allowance, which the outbox waits for (bot/telegram_pacing.py)."""
    return Pacing(interval_s=1 / 25, group_interval_s=3.2, max_retries=3, chat_pace=services.chat_pace)


async def _start_services(app: Application) -> None:
    """Schema first, then the directory, then menus: each step needs the one before."""
    services: Services = app.bot_data[SERVICES_KEY]
    log.info("database %s: applying pending migrations", services.db.safe_url)
    await services.db.upgrade()
    await group_migration.follow_recorded(services)  # a group that became a supergroup: its new id
    await sync_directory(services.db, services.unit, now=services.now())
    async with services.db.read() as session:
        people = await all_people(session)
    await publish_menus(app.bot, app.bot_data, services.unit.group.chat_id, people)


async def _announce(context: VigiaContext) -> None:
    """Jobs start once updates are being taken (polling, or the webhook's server listening), so this
    line in the journal means the bot can be written to."""
    log.info("Vigía is up as @%s, taking updates", context.bot.username)


async def _stop_couriers(app: Application) -> None:
    """Notices on their way finish (or stay owed) before the Bot API client closes."""
    await drained(app.bot_data[SERVICES_KEY])


async def _stop_services(app: Application) -> None:
    services: Services = app.bot_data[SERVICES_KEY]
    await services.cameras.aclose()
    await services.db.dispose()
