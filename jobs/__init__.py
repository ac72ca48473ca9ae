"""Scheduled work on PTB's JobQueue: each workflow module lists its JOBS, registered here.

Jobs call services in bot/, keep their state in the database, and catch up after downtime: a
job marked `catch_up` also runs once as soon as the bot starts (APScheduler would otherwise
wait a whole interval, since a repeating job's first run is never in the past).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram.ext import Application

from bot.context import SERVICES_KEY, VigiaContext
from bot.notices_delivery import start
from jobs import (
    anomalias,
    consignas,
    evidence_retention,
    fallas,
    informes,
    mail,
    notices,
    relevo,
    salud,
    siram,
    solicitudes,
)
from jobs.common import CATCH_UP

WORKFLOWS = (
    consignas,
    relevo,
    anomalias,
    fallas,
    salud,
    siram,
    informes,
    solicitudes,
    evidence_retention,
    mail,
    notices,
)


def register(app: Application) -> None:
    queue = app.job_queue
    assert queue is not None, "install python-telegram-bot[job-queue]"
    services = app.bot_data[SERVICES_KEY]

    def kick_outbox() -> None:
        """One delivery run soon; a burst of kicks coalesces into the run on its way or waiting."""
        if not services.mail_running and not queue.get_jobs_by_name("mail.deliver.now"):
            queue.run_once(mail.deliver, when=0, name="mail.deliver.now", job_kwargs=CATCH_UP)

    services.kick_outbox = kick_outbox
    for module in WORKFLOWS:
        for job in module.JOBS:
            callback = then_deliver(job.callback) if job.then_deliver else job.callback
            queue.run_repeating(callback, interval=job.every_s, first=job.every_s, name=job.name)
            if job.catch_up:
                queue.run_once(callback, when=0, name=f"{job.name}.start", job_kwargs=CATCH_UP)


def then_deliver(job: Callable[[VigiaContext], Awaitable[None]]) -> Callable[[VigiaContext], Awaitable[None]]:
    """What a job queued, and whatever still waits, starts on its way as soon as the job ends (one
    query; the job does not wait for Telegram), not at the outbox's next round."""

    async def run(context: VigiaContext) -> None:
        try:
            await job(context)
        finally:
            await start(context.bot, context.services)

    return run
