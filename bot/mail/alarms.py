"""Mail that did not go out, told to people so someone acts: a mail given up, once in the group (in
its workflow's topic), so a person can pass the message on by phone; a mail stuck longer than
`mail.stuck_after_minutes` (an SMTP outage, a wrong password), once to the coordinators (with none on
Telegram, in the group), with the last error. Each is claimed and queued in one unit of work, so it is told once."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot import notices
from bot.i18n import phrase, t
from storage.claims import claim
from storage.mail import OutboxMail, failed_unnotified, stuck_mails
from storage.people import escalation_contacts

if TYPE_CHECKING:
    from bot.services import Services

TOPIC_OF_PREFIX = {"A": "anomalias", "F": "fallas", "S": "solicitudes", "I": "informes"}


async def announce_failures(services: Services) -> None:
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
            await notices.post(session, services, TOPIC_OF_PREFIX.get(mail.ref[:1]), text, key=f"mail:{mail.id}:failed")


async def report_stuck(services: Services) -> None:
    minutes = services.unit.mail.stuck_after_minutes
    async with services.db.read() as session:
        stuck = await stuck_mails(session, services.now() - timedelta(minutes=minutes))
    for mail in stuck:
        async with services.db.write() as session:
            if not await claim(session, OutboxMail, mail.id, "stuck_reported_at", services.now()):  # type: ignore[arg-type]
                continue
            waiting = phrase(
                "mail.stuck", ref=mail.ref, subject=mail.subject, minutes=minutes, error=mail.last_error or "-"
            )
            coordinators = await escalation_contacts(session)
            topic = TOPIC_OF_PREFIX.get(mail.ref[:1])
            await notices.escalate(session, services, coordinators, topic, waiting, key=f"mail:{mail.id}:stuck")
