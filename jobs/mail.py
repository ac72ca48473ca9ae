"""E-mail jobs: deliver the outbox every 30 s, read the reply inbox every minute.

Both catch up at start-up: mail queued while the bot was down goes out at once, and replies that
arrived meanwhile are read. After each delivery, mail given up or stuck is told to people
(bot/mail/alarms.py).
"""

from __future__ import annotations

from bot.context import VigiaContext
from bot.mail import alarms, outbox
from bot.mail import inbox as mail_inbox
from jobs.common import Job

DELIVER_INTERVAL_S = 30
INBOX_INTERVAL_S = 60


async def deliver(context: VigiaContext) -> None:
    await outbox.deliver_due(context.services)
    await alarms.announce_failures(context.services)
    await alarms.report_stuck(context.services)


async def read_inbox(context: VigiaContext) -> None:
    await mail_inbox.poll(context.services)


JOBS = (
    Job("mail.deliver", deliver, every_s=DELIVER_INTERVAL_S, catch_up=True),
    Job("mail.inbox", read_inbox, every_s=INBOX_INTERVAL_S, catch_up=True),
)
