"""Anomalies nobody answered: no "Recibido" in time alerts the backup and the coordinator; no
justification in time reminds the notified people, then tells the chief. Each step is claimed in
the unit of work that queues its notices in the Telegram outbox, so it is owed once, is delivered
even through a 500 or an outage, and catches up at start-up."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import anomalias, notices
from bot.anomalias import Case
from bot.anomalias_images import images_of
from bot.anomalias_notify import owe_alert, post_justification, send_images, show_report
from bot.context import VigiaContext
from bot.mail.inbox import register_reply_handler
from bot.services import Services
from jobs.common import Job
from storage.people import Person, escalation_contacts, linked_with_role

INTERVAL_S = 60

register_reply_handler("A-", anomalias.record_email_reply)


async def unacknowledged(context: VigiaContext) -> None:
    """The backup's alert, the coordinator's two notices, then the report's edit, in that order; the
    backup's images go straight to them once it is all stored, ahead of the alert."""
    services = context.services
    for notice in await anomalias.unacknowledged(services):
        loaded = await anomalias.load(services, notice.anomaly_id)  # its images, read before the unit of work
        images = await images_of(services, [p.evidence_id for p in loaded.photos]) if loaded else []
        async with services.db.write() as session:
            anomaly = await anomalias.claim_unacknowledged(session, services, notice.id)  # type: ignore[arg-type]
            if anomaly is None:
                continue
            backup = await anomalias.add_backup(session, services, anomaly, notice, images)
            backup_person = await session.get(Person, backup.person_id) if backup else None
            case = await anomalias.case_of(session, anomaly.id)  # type: ignore[arg-type]
            assert case is not None
            if backup is not None and backup_person is not None:
                await owe_alert(session, services, case, backup, backup_person)
            primary = await session.get(Person, notice.person_id)
            coordinators = await escalation_contacts(session)
            minutes = anomalias.ack_minutes(services, anomaly)
            key = f"anomalia:{anomaly.id}:unacknowledged:{notice.id}"
            await notices.tell_each(
                session,
                services,
                coordinators,
                "anomalia.escalated_coordinator",
                key=f"{key}:coordinator",
                number=anomaly.number,
                site=services.unit.site_name(anomaly.site_code),
                minutes=minutes,
                names=", ".join(case.names.get(n.person_id, "") for n in case.notices),
            )
            if primary is not None and backup_person is not None:
                await notices.tell_each(
                    session,
                    services,
                    coordinators,
                    "anomalia.escalated_backup",
                    key=f"{key}:backup",
                    name=primary.name,
                    number=anomaly.number,
                    minutes=minutes,
                )
            await show_report(session, services, anomaly.id)  # type: ignore[arg-type]
        if backup_person is not None:
            await send_images(context.bot, case, [backup_person], images)


async def unjustified(context: VigiaContext) -> None:
    """The reminder to whoever has not justified, then, later, the chief's notice."""
    services = context.services
    for stage, owe in (("justification_reminded_at", _remind), ("justification_escalated_at", _tell_chiefs)):
        for anomaly in await anomalias.unjustified(services, stage):
            async with services.db.write() as session:
                if await anomalias.claim_unjustified(session, services, anomaly.id, stage) is None:  # type: ignore[arg-type]
                    continue
                case = await anomalias.case_of(session, anomaly.id)  # type: ignore[arg-type]
                assert case is not None
                await owe(session, services, case)


async def _remind(session: AsyncSession, services: Services, case: Case) -> None:
    anomaly = case.anomaly
    waiting = [await session.get(Person, n.person_id) for n in case.notices if n.justified_at is None]
    await notices.tell_each(
        session,
        services,
        filter(None, waiting),
        "anomalia.reminder",
        key=f"anomalia:{anomaly.id}:reminder",
        number=anomaly.number,
        site=services.unit.site_name(anomaly.site_code),
    )


async def _tell_chiefs(session: AsyncSession, services: Services, case: Case) -> None:
    anomaly = case.anomaly
    await notices.tell_each(
        session,
        services,
        await linked_with_role(session, "jefe"),
        "anomalia.escalated_chief",
        key=f"anomalia:{anomaly.id}:escalation",
        number=anomaly.number,
        site=services.unit.site_name(anomaly.site_code),
        hours=round(2 * services.unit.anomalias.justification_hours),
        names=", ".join(case.names.get(n.person_id, "") for n in case.notices),
    )


async def justifications_by_email(context: VigiaContext) -> None:
    """Justifications that arrived by e-mail are shown in the group like the ones from Telegram (whose
    handler owes the post at once, so this finds them claimed)."""
    services = context.services
    for notice in await anomalias.unposted_justifications(services):
        async with services.db.write() as session:
            await post_justification(session, services, notice.id)  # type: ignore[arg-type]


JOBS = (
    Job("anomalias.justifications", justifications_by_email, every_s=INTERVAL_S, catch_up=True),
    Job("anomalias.unacknowledged", unacknowledged, every_s=INTERVAL_S, catch_up=True),
    Job("anomalias.unjustified", unjustified, every_s=INTERVAL_S, catch_up=True),
)
