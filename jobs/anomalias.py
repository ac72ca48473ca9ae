"""Anomalies nobody answered: no "Recibido" in time alerts the backup and the coordinator; no
justification in time reminds the notified people, then tells the chief. Each step is claimed in
the unit of work that queues its notices in the Telegram outbox (bot/anomalias_notify.py), so it is
owed once, is delivered even through a 500 or an outage, and catches up at start-up."""

from __future__ import annotations

from bot import anomalias, anomalias_notify
from bot.context import VigiaContext
from bot.mail.inbox import register_reply_handler
from jobs.common import Job

INTERVAL_S = 60

register_reply_handler("A-", anomalias.record_email_reply, anomalias.by_number)


async def unacknowledged(context: VigiaContext) -> None:
    await anomalias_notify.escalate_unacknowledged(context.services)


async def unjustified(context: VigiaContext) -> None:
    await anomalias_notify.chase_unjustified(context.services)


async def justifications_by_email(context: VigiaContext) -> None:
    await anomalias_notify.post_emailed_justifications(context.services)


JOBS = (
    Job("anomalias.justifications", justifications_by_email, every_s=INTERVAL_S, catch_up=True),
    Job("anomalias.unacknowledged", unacknowledged, every_s=INTERVAL_S, catch_up=True),
    Job("anomalias.unjustified", unjustified, every_s=INTERVAL_S, catch_up=True),
)
