"""E-mail jobs: deliver the outbox every 30 s, read the reply inbox every minute.

Both catch up at start-up: mail queued while the bot was down goes out at once, and replies that
arrived meanwhile are read. A mail that fails for good is announced once in the group (in its
workflow's topic), so a person can pass the message on by phone.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot import notices
from bot.context import VigiaContext
from bot.i18n import t
from bot.mail import inbox as mail_inbox
from bot.mail import outbox
from jobs.common import Job
from storage.claims import claim
from storage.mail import OutboxMail, failed_unnotified, stuck_mails
from storage.people import escalation_contacts

log = logging.getLogger(__name__)

DELIVER_INTERVAL_S = 30
INBOX_INTERVAL_S = 60
TOPIC_OF_PREFIX = {"A": "anomalias", "F": "fallas", "S": "solicitudes", "I": "informes"}


async def deliver(context: VigiaContext) -> None:
    await outbox.deliver_due(context.services)
    await announce_failures(context)
    await report_stuck(context)


async def report_stuck(context: VigiaContext) -> None:
    """Mail that has waited longer than `mail.stuck_after_minutes` (an SMTP outage, a wrong
    password) is told to the coordinators once, with the last error, so someone acts."""
    services = context.services
    minutes = services.unit.mail.stuck_after_minutes
    async with services.db.read() as session:
        stuck = await stuck_mails(session, services.now() - timedelta(minutes=minutes))
    for mail in stuck:
        async with services.db.write() as session:
            if not await claim(session, OutboxMail, mail.id, "stuck_reported_at", services.now()):  # type: ignore[arg-type]
                continue
            await notices.tell_each(
                session,
                services,
                await escalation_contacts(session),
                "mail.stuck",
                key=f"mail:{mail.id}:stuck",
                ref=mail.ref,
                subject=mail.subject,
                minutes=minutes,
                error=mail.last_error or "-",
            )


async def read_inbox(context: VigiaContext) -> None:
    await mail_inbox.poll(context.services)


async def announce_failures(context: VigiaContext) -> None:
    """Each mail given up is told to the group once, in its workflow's topic (the general one for
    mail of no workflow), through the Telegram outbox."""
    services = context.services
    async with services.db.read() as session:
        failed = await failed_unnotified(session)
    for mail in failed:
        assert mail.id is not None
        text = t(
            services.unit.language,
            "mail.failed",
            ref=mail.ref,
            subject=mail.subject,
            to=", ".join(mail.to + mail.cc),
            error=mail.last_error or "-",
        )
        async with services.db.write() as session:
            if not await claim(session, OutboxMail, mail.id, "failure_notified_at", services.now()):
                continue
            key, topic = f"mail:{mail.id}:failed", TOPIC_OF_PREFIX.get(mail.ref[:1])
            if topic:
                await notices.post(session, services, topic, text, key=key)
            else:
                await notices.queue(session, services, key=key, chat_id=services.unit.group.chat_id, text=text)


JOBS = (
    Job("mail.deliver", deliver, every_s=DELIVER_INTERVAL_S, catch_up=True),
    Job("mail.inbox", read_inbox, every_s=INBOX_INTERVAL_S, catch_up=True),
)
