"""Publishing anomalies to Telegram: the report in its topic, kept current, the private alerts, the
reporter's call list and the justifications posted back to the group.

Each is queued in the Telegram outbox (bot/notices.py) in the unit of work of the step that owes it,
so a 500, an outage or a crash delays it but never loses or doubles it. The steps a person takes in
Telegram (file, call, acknowledge, justify, close) are here for that reason: each opens the unit of
work of a rule in bot/anomalias.py and queues what it owes there (handlers/anomalias.py calls them).
The alert's images are owed with it, right after it: one photo, or albums of up to ten.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import anomalias, anomalias_draft, notices
from bot.anomalias import Case, NewReport, Outcome
from bot.anomalias_images import images_of
from bot.anomalias_mail import queue_reminder_mail
from bot.anomalias_render import alert_brief, alert_text, report_text
from bot.i18n import Whole, phrase, t
from bot.services import Services
from bot.text import pieces
from storage.anomalias import Anomaly, AnomalyNotice, AnomalyStatus
from storage.notices import NoticeKind, Record
from storage.people import Person, escalation_contacts

log = logging.getLogger(__name__)


def report_keyboard(case: Case, language: str) -> InlineKeyboardMarkup | None:
    if case.anomaly.status == AnomalyStatus.CERRADA:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(language, "anomalia.button.close"), callback_data=f"anm:close:{case.anomaly.id}")]]
    )


TOPIC = "anomalias"
ALERT_STEPS = {"ack": "acknowledged_at", "just": "justified_at"}  # an alert's buttons, and what ends each


def _alert_button(data: object) -> tuple[str, int] | None:
    """("ack" or "just", the notice's id) for an alert's button ("anm:ack:12"); None for any other."""
    action, _, ident = str(data or "").removeprefix("anm:").partition(":")
    return (action, int(ident)) if action in ALERT_STEPS and ident.isdigit() else None


def alert_notice_ids(markup: InlineKeyboardMarkup | None) -> list[int]:
    """The alerts a message's buttons name (one, or a burst's several)."""
    buttons = [_alert_button(b.callback_data) for row in (markup.inline_keyboard if markup else ()) for b in row]
    return [button[1] for button in buttons if button is not None]


def alert_refreshed(
    markup: InlineKeyboardMarkup | None, notices: dict[int, AnomalyNotice]
) -> InlineKeyboardMarkup | None:
    """The alert message's keyboard without the buttons whose step is done, as the database says now
    (`notices`: the alerts the buttons name). A message may carry several cases' buttons (a burst's
    alerts share one), and a press may come from a copy older than the last edit: each button is
    judged on its own notice, so a quick second press cannot bring back a button the first removed."""

    def done(data: object) -> bool:
        button = _alert_button(data)
        notice = notices.get(button[1]) if button else None
        return button is not None and notice is not None and getattr(notice, ALERT_STEPS[button[0]]) is not None

    rows = [[b for b in row if not done(b.callback_data)] for row in (markup.inline_keyboard if markup else ())]
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


def alert_keyboard(notice: AnomalyNotice, language: str) -> InlineKeyboardMarkup | None:
    buttons = []
    if notice.acknowledged_at is None:
        buttons.append(InlineKeyboardButton(t(language, "anomalia.button.ack"), callback_data=f"anm:ack:{notice.id}"))
    if notice.justified_at is None:
        buttons.append(
            InlineKeyboardButton(t(language, "anomalia.button.justify"), callback_data=f"anm:just:{notice.id}")
        )
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def show_report(session: AsyncSession, services: Services, anomaly_id: int) -> Case | None:
    """Owe the group's report as the caller's unit of work leaves the case: posted the first time,
    edited after (a post or edit still waiting just takes the newer text). Returns the case."""
    case = await anomalias.case_of(session, anomaly_id)
    if case is not None:
        await _show(session, services, case)
    return case


async def _show(session: AsyncSession, services: Services, case: Case, fresh: bool = False) -> None:
    """`show_report` for a case already loaded in the caller's unit of work (and changed there);
    `fresh` for one filed in it."""
    language = services.unit.language
    text = report_text(case, services.unit, language, services.now(), services.tz)
    record = Record.of(Anomaly, case.anomaly.id)
    await notices.show(session, services, record, TOPIC, text, report_keyboard(case, language), fresh)


async def owe_alert(
    session: AsyncSession, services: Services, case: Case, notice: AnomalyNotice, person: Person
) -> bool:
    """The private alert with its buttons, in the unit of work that makes the notice (so it is owed
    once, with no query), then the report's images; `notified_at` says it is queued, and the outbox
    keeps its message id in `alert_message_id`. False for someone who never opened the bot (they
    still get the e-mail). A burst of alerts to one person shares messages, each button labelled
    with its case's number, and the albums follow."""
    if person.telegram_id is None:
        return False
    await notices.queue(
        session,
        services,
        key=f"anomalia:{case.anomaly.id}:alert:{notice.id}",
        chat_id=person.telegram_id,
        text=alert_text(case, services.unit, person.language, services.tz),
        brief=alert_brief(case, services.unit, person.language, services.tz),
        markup=alert_keyboard(notice, person.language),
        record=Record.of(AnomalyNotice, notice.id, "alert_message_id"),
        bundle_label=case.anomaly.number,
        fresh=True,
    )
    for photo in case.photos:  # after the alert: the words that call for action never wait for an upload
        await notices.hand(
            session,
            services,
            person,
            photo.evidence_id,
            key=f"anomalia:{case.anomaly.id}:photo:{person.id}:{photo.evidence_id}",  # once, whatever their roles
            kind=NoticeKind.PHOTO,
            caption=case.anomaly.number,  # which case, in a chat that gets several
            bundle_label=case.anomaly.number,  # one album
        )
    notice.notified_at = services.now()
    session.add(notice)
    return True


async def post_justification(session: AsyncSession, services: Services, notice_id: int) -> None:
    """Back to the group, as a reply to the report, after the report's own edit, whole: in as many
    messages as it takes (by e-mail it has no limit). Claimed in the caller's unit of work, so it is
    owed once whether the justification came by Telegram (at once) or by e-mail (by the anomalies job)."""
    if not await anomalias.claim_posting(session, services, notice_id):
        return
    notice = await session.get(AnomalyNotice, notice_id)
    assert notice is not None
    person = await session.get(Person, notice.person_id)
    case = await show_report(session, services, notice.anomaly_id)
    assert person is not None and case is not None
    language = services.unit.language
    text = t(
        language,
        "anomalia.justification_posted",
        name=person.name,
        role=t(language, f"role.{notice.role}"),
        number=case.anomaly.number,
        via=t(language, f"anomalia.via.{notice.justified_via or 'telegram'}"),
        text=Whole(notice.justification or ""),
    )
    key = f"anomalia:{notice.anomaly_id}:justification:{notice_id}"
    for n, piece in enumerate(filter(str.strip, pieces(text))):  # Telegram refuses a blank message
        await notices.post(
            session,
            services,
            TOPIC,
            piece,
            key=f"{key}:{n}" if n else key,
            reply_to=Record.of(Anomaly, notice.anomaly_id),
        )


@dataclass(frozen=True)
class Origin:
    """Where a report was made: its call list is owed there, as a reply would be (quoting the report
    in a group; `quote` None in a private chat, where a reply does not quote)."""

    chat_id: int
    thread_id: int | None
    quote: int | None


async def file(
    services: Services,
    report: NewReport,
    reporter: Person,
    evidence_ids: list[int],
    images: list[bytes],
    origin: Origin,
    language: str,
    draft_id: int | None = None,
) -> bool:
    """File the case and queue, in the same unit of work, its e-mails (sent at once) and its Telegram
    notices (sent by the outbox after this update); `images` are read by the caller before, not under
    the write lock, for the e-mails. A guided report's draft (`draft_id`) goes in that unit of work too:
    False, and nothing filed, when it was gone already."""
    async with services.db.write() as session:
        if draft_id is not None and not await anomalias_draft.take(session, draft_id):
            return False
        case, people = await anomalias.file_report(session, services, report, reporter, evidence_ids, images)
        await _owe_notices(session, services, case, people, origin, language)
    services.kick_outbox()
    return True


async def _owe_notices(
    session: AsyncSession, services: Services, case: Case, people: dict[int, Person], origin: Origin, language: str
) -> None:
    """Private alerts first (the people who must act), then the reporter's call list (where they
    reported, in their `language`) and the group's report."""
    for notice in case.notices:
        await owe_alert(session, services, case, notice, people[notice.person_id])
    text, keyboard = _call_list(case, people, language)
    await notices.queue(
        session,
        services,
        key=f"anomalia:{case.anomaly.id}:calls",
        chat_id=origin.chat_id,
        thread_id=origin.thread_id,
        text=text,
        markup=keyboard,
        quote=origin.quote,
        fresh=True,
    )
    await _show(session, services, case, fresh=True)  # its notices, now alerted, are the ones above


def _call_list(case: Case, people: dict[int, Person], language: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """Phone first: whom to call, their number (phones turn numbers into call links), a button each."""
    lines = [t(language, "anomalia.filed", number=case.anomaly.number), "", t(language, "anomalia.call_first")]
    rows = []
    for notice in case.notices:
        person = people[notice.person_id]
        lines.append(
            t(
                language,
                "anomalia.call_person",
                name=person.name,
                role=t(language, f"role.{notice.role}"),
                phone=person.phone or t(language, "anomalia.no_phone"),
            )
        )
        first = person.name.split()[0]
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "anomalia.button.called", name=first), callback_data=f"anm:call:{notice.id}:realizada"
                ),
                InlineKeyboardButton(
                    t(language, "anomalia.button.no_answer", name=first),
                    callback_data=f"anm:call:{notice.id}:no_contesta",
                ),
            ]
        )
    if not case.notices:
        lines.append(t(language, "anomalia.nobody"))
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


async def _step(
    services: Services, anomaly_id: int | None, step: Callable[[AsyncSession], Awaitable[Outcome]]
) -> Outcome:
    """A step of the case and the report's edit it owes, in one unit of work, before anyone is answered:
    a crash after the commit leaves the edit owed, not lost."""
    assert anomaly_id is not None
    async with services.db.write() as session:
        outcome = await step(session)
        if outcome is Outcome.OK:
            await show_report(session, services, anomaly_id)
    return outcome


async def record_call(services: Services, anomaly_id: int | None, notice_id: int, person: Person, call: str) -> Outcome:
    """How the reporter's phone call to one notified person went (`call`: "realizada" or "no_contesta"):
    the procedure asks for the phone first, and the timeline shows it was made."""
    return await _step(
        services, anomaly_id, lambda session: anomalias.record_call(session, services, notice_id, person, call)
    )


async def acknowledge(services: Services, anomaly_id: int | None, notice_id: int, person: Person) -> Outcome:
    """The alerted person's "Recibido", which stops the escalation to their backup."""
    return await _step(
        services, anomaly_id, lambda session: anomalias.acknowledge(session, services, notice_id, person)
    )


async def close(services: Services, anomaly_id: int, person: Person, note: str) -> Outcome:
    """A supervisor's closing note; anomalias.close refuses anyone else, whoever answered the prompt."""
    return await _step(
        services, anomaly_id, lambda session: anomalias.close(session, services, anomaly_id, person, note)
    )


async def justify(
    services: Services, notice_id: int, person: Person, text: str, via: str
) -> tuple[Outcome, Anomaly | None]:
    """The alerted person's written justification and its post to the group, in one unit of work.
    Returns the case's anomaly too, whatever the outcome, for the answer to name it."""
    async with services.db.write() as session:
        outcome = await anomalias.justify(session, services, notice_id, person, text, via)
        if outcome is Outcome.OK:
            await post_justification(session, services, notice_id)
        _, anomaly = await anomalias.notice_and_case(session, notice_id)
    return outcome, anomaly


async def escalate_unacknowledged(services: Services) -> None:
    """No "Recibido" in time (the anomalias.unacknowledged job): the backup's alert, the coordinator's
    two notices, then the report's edit, in that order, claimed in one unit of work so each is owed
    once."""
    for notice in await anomalias.unacknowledged(services):
        loaded = await anomalias.load(services, notice.anomaly_id)
        backed = loaded is not None and anomalias.backup_key(services, loaded.anomaly, notice) is not None
        # the images for the backup's e-mail, read before the unit of work; none if nobody backs up
        images = await images_of(services, [p.evidence_id for p in loaded.photos]) if backed else []  # type: ignore[union-attr]
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
            minutes = anomalias.ack_minutes(services, anomaly)
            key = f"anomalia:{anomaly.id}:unacknowledged"
            names = ", ".join(case.names.get(n.person_id, "") for n in case.notices)
            site = services.unit.site_name(anomaly.site_code)
            unanswered = phrase(
                "anomalia.escalated_coordinator", number=anomaly.number, site=site, minutes=minutes, names=names
            )
            coordinators = await escalation_contacts(session)
            # about the case: once, however many of its alerts went unanswered
            await notices.escalate(session, services, coordinators, TOPIC, unanswered, key=f"{key}:coordinator")
            if primary is not None and backup_person is not None:
                backed_up = phrase(
                    "anomalia.escalated_backup", name=primary.name, number=anomaly.number, minutes=minutes
                )
                await notices.escalate(
                    session, services, coordinators, TOPIC, backed_up, key=f"{key}:{notice.id}:backup"
                )
            await show_report(session, services, anomaly.id)  # type: ignore[arg-type]


async def chase_unjustified(services: Services) -> None:
    """No justification in time (the anomalias.unjustified job): the reminder to whoever has not
    justified, then, later, the chief's notice; each claimed in the unit of work that queues it."""
    for stage, owe in (("justification_reminded_at", _remind), ("justification_escalated_at", _tell_chiefs)):
        for anomaly in await anomalias.unjustified(services, stage):
            async with services.db.write() as session:
                if await anomalias.claim_unjustified(session, services, anomaly.id, stage) is None:  # type: ignore[arg-type]
                    continue
                case = await anomalias.case_of(session, anomaly.id)  # type: ignore[arg-type]
                assert case is not None
                await owe(session, services, case)


async def _remind(session: AsyncSession, services: Services, case: Case) -> None:
    """Each person alerted who has not justified: on Telegram when linked, and by e-mail, as a reply
    to their alert mail (someone who never opened the bot was alerted only there)."""
    anomaly = case.anomaly
    site = services.unit.site_name(anomaly.site_code)
    reminder = phrase("anomalia.reminder", number=anomaly.number, site=site)
    for notice in anomalias.awaited(case.notices):
        person = await session.get(Person, notice.person_id)
        assert person is not None
        await notices.tell(session, services, person, reminder(person.language), key=f"anomalia:{anomaly.id}:reminder")
        await queue_reminder_mail(session, anomaly, person, site, services.tz, services.now())


async def _tell_chiefs(session: AsyncSession, services: Services, case: Case) -> None:
    anomaly = case.anomaly
    site, hours = services.unit.site_name(anomaly.site_code), round(2 * services.unit.anomalias.justification_hours)
    names = ", ".join(case.names.get(n.person_id, "") for n in anomalias.awaited(case.notices))
    key = "anomalia.escalated_chief" if names else "anomalia.escalated_chief_nobody"  # a case routed to nobody
    unjustified = phrase(key, number=anomaly.number, site=site, hours=hours, names=names)
    chiefs = await escalation_contacts(session, "jefe")
    await notices.escalate(session, services, chiefs, TOPIC, unjustified, key=f"anomalia:{anomaly.id}:escalation")


async def post_emailed_justifications(services: Services) -> None:
    """Justifications that arrived by e-mail are shown in the group like the ones from Telegram (whose
    handler owes the post at once, so this finds them claimed), each in a unit of work of its own."""
    for notice in await anomalias.unposted_justifications(services):
        async with services.db.write() as session:
            await post_justification(session, services, notice.id)  # type: ignore[arg-type]
