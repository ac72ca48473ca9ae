"""A fault's one message in the faults topic: posted once after the camera's last frame, then
edited in place as the triage moves, so the group sees the state without a stream of messages.

Both go through the Telegram outbox (bot/notices.py), queued in the unit of work that changes the
fault: a refusal or a crash delays them, never loses them, and the frame is owed once however many
times the message is retried. Used by the /falla commands and by the health monitor's job alike.

The steps a person takes on a fault (open it, answer the triage, resolve it) are here for the same
reason: each opens the unit of work of its rule in bot/fallas.py and owes there the message, the
vendor's e-mail or the chief's notice it makes due (handlers/fallas.py calls them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import fallas, notices, triage
from bot.cameras.evidence import keep_reply_attachments
from bot.fallas import FaultCase, Outcome, Target
from bot.fallas_mail import target_name
from bot.fallas_render import elapsed_line, fault_text
from bot.i18n import Html, phrase, t
from bot.mail.inbox import IncomingReply
from bot.services import Services
from bot.shifts import duration, local_time
from storage.fallas import Fault
from storage.notices import NoticeKind, Record, latest_for
from storage.people import Person, escalation_contacts, person_by_key
from storage.sites import Camera

TOPIC = "fallas"


def keyboard(fault: Fault, language: str) -> InlineKeyboardMarkup | None:
    """The buttons of the step the triage is at; "Resolver" is always there until it is resolved."""
    if fault.resolved_at is not None:
        return None
    prefix = f"fll:{fault.id}"
    rows: list[list[InlineKeyboardButton]] = []
    if fault.stage == triage.ADUANA and fault.finding is None:
        rows.append(
            [
                InlineKeyboardButton(t(language, f"falla.button.{a}"), callback_data=f"{prefix}:ans:{a}")
                for a in ("fallo_electrico", "visualizacion")
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(
                    t(language, "falla.button.todo_normal"), callback_data=f"{prefix}:ans:todo_normal"
                ),
                InlineKeyboardButton(t(language, "falla.button.ask_admin"), callback_data=f"{prefix}:ask"),
            ]
        )
    elif fault.stage == triage.ENLACE and fault.finding is None:
        rows.append(
            [
                InlineKeyboardButton(t(language, f"falla.button.{a}"), callback_data=f"{prefix}:ans:{a}")
                for a in ("falla_enlace", "enlace_correcto")
            ]
        )
    rows.append([InlineKeyboardButton(t(language, "falla.button.resolve"), callback_data=f"{prefix}:resolve")])
    return InlineKeyboardMarkup(rows)


async def show(session: AsyncSession, services: Services, fault: Fault) -> FaultCase:
    """Owe the fault's message as it is now, in the caller's unit of work: the first time, the camera's
    last frame just before it; then the message with the buttons of the step, edited in place after.
    Returns the case as rendered."""
    case = await fallas.case_of(session, fault)
    language, record = services.unit.language, Record.of(Fault, fault.id)
    if fault.message_id is None and await latest_for(session, record) is None:  # first post: the frame first
        await _frame(session, services, fault)
    text = fault_text(case, services.unit, language, services.now(), services.tz)
    await notices.show(session, services, record, TOPIC, text, keyboard(fault, language))
    return case


async def _frame(session: AsyncSession, services: Services, fault: Fault) -> None:
    """The last frame, owed once per fault (its key), so a message Telegram refuses is retried alone."""
    photo = await fallas.last_frame(session, services, fault)
    if photo is None:
        return
    time = local_time(photo.captured_at, services.tz, services.now())
    camera = await session.get(Camera, photo.camera_id) if photo.camera_id else None  # a site fault's: one of many
    name = camera.name if camera else ""
    caption = t(services.unit.language, "falla.last_frame", number=fault.number, camera=name, time=time)
    key = f"falla:{fault.id}:frame"
    await notices.post(session, services, TOPIC, caption, key=key, kind=NoticeKind.PHOTO, evidence_id=photo.id)


async def publish(services: Services, fault_id: int) -> None:
    """Owe the message of a fault the health monitor opened, in a unit of work of its own (jobs/salud.py,
    after the round, once the frame that explains it is kept)."""
    async with services.db.write() as session:
        fault = await session.get(Fault, fault_id)
        if fault is not None:
            await show(session, services, fault)


async def _monitored(services: Services, change: Callable[[AsyncSession], Awaitable[Fault | None]]) -> Fault | None:
    """One of the health monitor's changes to a fault (None: nothing to show) and its message's edit in
    one unit of work, so a crash after the commit delays the edit, never loses it (the next round would
    not redo the change, and with it the edit)."""
    async with services.db.write() as session:
        fault = await change(session)
        if fault is not None:
            await show(session, services, fault)
    return fault


async def detected(services: Services, target: Target, description: str) -> tuple[Fault, bool]:
    """The health monitor finds the target without a good picture: a new fault (True), posted by its job
    once the frame that explains it is kept, or the open one on the target, whose message is edited, in
    the same unit of work, with what changed on it (the picture lost again after it was back)."""
    async with services.db.write() as session:
        fault, created = await fallas.open_in(session, services, target, description, None)
        if not created and await fallas.lost_again(session, services.now(), fault, description):
            await show(session, services, fault)
    return fault, created


async def restored(services: Services, fault_id: int, text: str) -> Fault | None:
    """The health monitor sees the picture back (fallas.restored), its message edited with it."""
    return await _monitored(services, lambda session: fallas.restored(session, services.now(), fault_id, text))


async def reopen(services: Services, fault_id: int, text: str) -> Fault | None:
    """The health monitor reopens its fault (fallas.reopen): the message shows it open again with its
    buttons, and the vendor's e-mail it may owe goes out now, not at the mail outbox's next round."""
    fault = await _monitored(services, lambda session: fallas.reopen(session, services, fault_id, text))
    if fault is not None:
        services.kick_outbox()
    return fault


async def file(services: Services, target: Target, description: str, person: Person | None) -> tuple[Fault, bool]:
    """/falla: the fault and its message in one unit of work; an open fault on the same target, or for
    a camera the site fault the monitor holds it in, is returned instead (False), and its message is
    left as it is."""
    async with services.db.write() as session:
        fault, created = await fallas.open_in(session, services, target, description, person)
        if created:
            await show(session, services, fault)
    return fault, created


async def answer(
    services: Services, fault_id: int, person: Person | None, reply: str, source: str
) -> tuple[Outcome, Fault | None]:
    """A triage answer (by phone, or the administrator's one tap) and the fault's message as it now is,
    in one unit of work, before anyone is answered: a crash after the commit leaves the edit owed, not
    lost. A stale press redraws the message too, so buttons of a step already answered disappear."""
    frame = await fallas.vendor_frame(services, fault_id, reply)
    async with services.db.write() as session:
        outcome, fault = await fallas.answer(session, services, fault_id, person, reply, source, frame)
        if fault is not None:
            await show(session, services, fault)
    services.kick_outbox()
    return outcome, fault


async def record_reply(services: Services, ref: str, reply: IncomingReply) -> None:
    """IMAP (the F- reply handler): a reply to the vendor's e-mail, and the fault's message redrawn
    with it, in one unit of work. Its files are kept first: a crash in between keeps them twice on
    the next hand-over, never loses them."""
    fault = await fallas.reply_to(services, ref, reply)
    if fault is None:
        return
    await keep_reply_attachments(services, reply.attachments, fallas.case_ref(fault.number))
    async with services.db.write() as session:
        recorded = await fallas.record_reply(session, services, fault.id, reply)  # type: ignore[arg-type]
        if recorded is not None:
            await show(session, services, recorded)


async def resolve(services: Services, fault_id: int, person: Person, treatment: str, cause: str) -> Outcome:
    """The resolution, the fault's last edit and the chiefs' notice (procedure III-2: "Comunica a
    Jefatura") in one unit of work, so the chiefs are told exactly when it is stored."""
    now = services.now()
    async with services.db.write() as session:
        outcome, fault = await fallas.resolve(session, now, fault_id, person, treatment, cause)
        if outcome is Outcome.OK and fault is not None:
            await _tell_chiefs(session, services, await show(session, services, fault))
    return outcome


async def _tell_chiefs(session: AsyncSession, services: Services, case: FaultCase) -> None:
    """Each chief, in their language, once per resolution (a fault the monitor reopens may be resolved
    again: the key carries the resolution's time)."""
    fault = case.fault
    assert fault.resolved_at is not None
    key = f"falla:{fault.id}:resolved:{fault.resolved_at:%Y%m%dT%H%M%S}"

    def write(language: str) -> str:
        return t(
            language,
            "falla.chief_resolved",
            number=fault.number,
            target=target_name(fault, services.unit),
            cause=t(language, f"falla.cause.{fault.cause}"),
            elapsed=Html(elapsed_line(case, language, services.now())),
            treatment=fault.treatment or "",
        )

    chiefs = await escalation_contacts(session, "jefe")  # the coordinators if no chief is on Telegram
    await notices.escalate(session, services, chiefs, TOPIC, write, key=key)


async def ask_administrator(services: Services, fault: Fault, asker: Person) -> Person | None:
    """Step 1 by Telegram: the site's first active administrator with Telegram is asked privately,
    with one button per answer, through the outbox, and the timeline says who asked whom. None when
    the site has nobody to ask."""
    site = next((s for s in services.unit.sites if s.code == fault.site_code), None)
    async with services.db.write() as session:
        people = [await person_by_key(session, key) for key in (site.administrators if site else [])]
        admin = next((p for p in people if p is not None and p.active and p.telegram_id), None)
        if admin is None:
            return None
        answers = [
            InlineKeyboardButton(t(admin.language, f"falla.button.{a}"), callback_data=f"flla:{fault.id}:{a}")
            for a in ("fallo_electrico", "visualizacion", "todo_normal")
        ]
        question = t(
            admin.language, "falla.admin_question", number=fault.number, target=target_name(fault, services.unit)
        )
        if await notices.queue(
            session,
            services,
            key=f"falla:{fault.id}:admin_question:{services.now():%Y%m%dT%H%M}",  # again on request; a double tap once
            chat_id=admin.telegram_id,  # type: ignore[arg-type]
            text=question,
            markup=InlineKeyboardMarkup([[b] for b in answers]),
        ):
            await fallas.note_asked(session, services.now(), fault, asker, admin)
    return admin


async def chase_silent_vendors(services: Services) -> None:
    """The coordinators are told of a vendor that has not answered, every `vendor_reply_hours` while it
    stays silent: each round claimed and queued in one unit of work, so a refusal delays the notice
    and the next run does not repeat it (the fallas.vendor_silence job)."""
    hours = services.unit.fallas.vendor_reply_hours
    silent = await fallas.vendor_silent(services, hours)
    if not silent:
        return
    async with services.db.read() as session:
        coordinators = await escalation_contacts(session)
    for fault in silent:
        async with services.db.write() as session:
            if not await fallas.claim_vendor_reminder(session, services, fault):
                continue
            assert fault.vendor_emailed_at is not None
            waited = duration(services.now() - fault.vendor_emailed_at)
            silent_since = phrase(
                "falla.vendor_silent", number=fault.number, target=target_name(fault, services.unit), waited=waited
            )
            key = f"falla:{fault.id}:vendor_silent:{services.now():%Y%m%dT%H%M}"
            await notices.escalate(session, services, coordinators, TOPIC, silent_since, key=key)
