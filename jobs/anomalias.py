"""Anomalies nobody answered: no "Recibido" in time alerts the backup and the coordinator; no
justification in time reminds the notified people, then tells the chief. Each step is claimed
in the database first, so it happens once, and catches up at start-up."""

from __future__ import annotations

from bot import anomalias
from bot.anomalias_notify import post_justification, refresh_report, send_alert
from bot.context import VigiaContext
from bot.mail.inbox import register_reply_handler
from bot.telegram_io import tell_each
from jobs.common import Job
from storage.people import Person, escalation_contacts, linked_with_role

INTERVAL_S = 60

register_reply_handler("A-", anomalias.record_email_reply)


async def unacknowledged(context: VigiaContext) -> None:
    services = context.services
    for anomaly, notice, backup in await anomalias.claim_unacknowledged(services):
        case = await anomalias.load(services, anomaly.id)  # type: ignore[arg-type]
        assert case is not None
        category = services.unit.anomalias.category(anomaly.category)
        minutes = category.ack_minutes if category else 10
        async with services.db.read() as session:
            primary = await session.get(Person, notice.person_id)
            backup_person = await session.get(Person, backup.person_id) if backup else None
            coordinators = await escalation_contacts(session)
        if backup is not None and backup_person is not None:
            await send_alert(context.bot, services, case, backup, backup_person)
        names = ", ".join(case.names.get(n.person_id, "") for n in case.notices)
        site = services.unit.site_name(anomaly.site_code)
        await tell_each(
            context.bot,
            coordinators,
            "anomalia.escalated_coordinator",
            number=anomaly.number,
            site=site,
            minutes=minutes,
            names=names,
        )
        if primary is not None and backup_person is not None:
            await tell_each(
                context.bot,
                coordinators,
                "anomalia.escalated_backup",
                name=primary.name,
                number=anomaly.number,
                minutes=minutes,
            )
        await refresh_report(context.bot, services, anomaly.id)  # type: ignore[arg-type]


async def unjustified(context: VigiaContext) -> None:
    services = context.services
    for anomaly in await anomalias.claim_unjustified(services, "justification_reminded_at"):
        case = await anomalias.load(services, anomaly.id)  # type: ignore[arg-type]
        assert case is not None
        async with services.db.read() as session:
            waiting = [await session.get(Person, n.person_id) for n in case.notices if n.justified_at is None]
        await tell_each(
            context.bot,
            filter(None, waiting),
            "anomalia.reminder",
            number=anomaly.number,
            site=services.unit.site_name(anomaly.site_code),
        )
    for anomaly in await anomalias.claim_unjustified(services, "justification_escalated_at"):
        case = await anomalias.load(services, anomaly.id)  # type: ignore[arg-type]
        assert case is not None
        async with services.db.read() as session:
            chiefs = await linked_with_role(session, "jefe")
        hours = round(2 * services.unit.anomalias.justification_hours)
        names = ", ".join(case.names.get(n.person_id, "") for n in case.notices)
        await tell_each(
            context.bot,
            chiefs,
            "anomalia.escalated_chief",
            number=anomaly.number,
            site=services.unit.site_name(anomaly.site_code),
            hours=hours,
            names=names,
        )


async def justifications_by_email(context: VigiaContext) -> None:
    """Justifications that arrived by e-mail are shown in the group like the ones from Telegram."""
    services = context.services
    for notice in await anomalias.unposted_justifications(services):
        case = await anomalias.load(services, notice.anomaly_id)
        async with services.db.read() as session:
            person = await session.get(Person, notice.person_id)
        if case is not None and person is not None:
            await post_justification(context.bot, services, case, notice, person)


JOBS = (
    Job("anomalias.justifications", justifications_by_email, every_s=INTERVAL_S, catch_up=True),
    Job("anomalias.unacknowledged", unacknowledged, every_s=INTERVAL_S, catch_up=True),
    Job("anomalias.unjustified", unjustified, every_s=INTERVAL_S, catch_up=True),
)
