"""/turno (check in or out), /quien (who is on duty now and next), /rol (change one day's roster)."""

from __future__ import annotations

from telegram import Update

from bot import turnos
from bot.context import VigiaContext
from bot.i18n import t
from bot.roles import SUPERVISORS, UNIT_STAFF
from bot.shifts import TODAY, local_time, parse_day, slot_meant, span
from bot.text import fold
from bot.turnos import Duty
from handlers.commands import Command
from storage.people import Person


async def turno(update: Update, context: VigiaContext) -> None:
    person, services = context.person, context.services
    assert person is not None and update.effective_message is not None
    checked_in, slot = await turnos.toggle_check_in(services, person)
    time = local_time(services.now(), services.tz, services.now())
    if not checked_in:
        await update.effective_message.reply_text(t(context.language, "turno.checked_out", time=time))
        return
    duty = await turnos.duty(services, slot)
    key = "turno.checked_in" if duty.rostered(person) else "turno.checked_in_off_roster"
    await update.effective_message.reply_text(t(context.language, key, time=time, shift=slot.name, span=span(slot)))


def _duty_lines(duty: Duty, title_key: str, language: str, context: VigiaContext) -> list[str]:
    services = context.services
    lines = [t(language, title_key, shift=duty.slot.name, span=span(duty.slot))]
    if duty.changed_today:
        lines[0] += " " + t(language, "turno.changed")
    for person in duty.people:
        arrived = duty.checked_in.get(person.id)  # type: ignore[arg-type]
        lines.append(
            t(language, "turno.person_in", name=person.name, time=local_time(arrived, services.tz, services.now()))
            if arrived
            else t(language, "turno.person_expected", name=person.name)
        )
    return lines if duty.people else [*lines, t(language, "turno.nobody")]


async def quien(update: Update, context: VigiaContext) -> None:
    current, following = await turnos.now_and_next(context.services)
    language = context.language
    lines = [
        *_duty_lines(current, "turno.now", language, context),
        "",
        *_duty_lines(following, "turno.next", language, context),
    ]
    await update.effective_message.reply_text("\n".join(lines))  # type: ignore[union-attr]


async def rol(update: Update, context: VigiaContext) -> None:
    """`/rol <día> <turno> <persona…>`: the day's roster of one shift, replacing the usual one."""
    services, language, message = context.services, context.language, update.effective_message
    assert message is not None and context.person is not None
    technicians = await turnos.technicians(services)
    listing = {
        "shifts": ", ".join(s.name for s in services.unit.shifts),
        "people": ", ".join(p.key for p in technicians),
    }
    args = list(context.args or ())
    if len(args) < 3:
        await message.reply_text(t(language, "turno.rol_usage", **listing))
        return
    day = parse_day(args[0], services.now().astimezone(services.tz).date())
    if day is None:
        await message.reply_text(t(language, "turno.rol_bad_day", value=args[0]))
        return
    hoy = fold(args[0]) in TODAY
    slot = slot_meant(services.unit.shifts, day, args[1], services.tz, services.now(), hoy)
    if slot is None:
        await message.reply_text(t(language, "turno.rol_bad_shift", value=args[1], shifts=listing["shifts"]))
        return
    people: list[Person] = []
    for word in args[2:]:
        match = next((p for p in technicians if fold(p.key) == fold(word.lstrip("@"))), None)
        if match is None:
            await message.reply_text(t(language, "turno.rol_bad_person", value=word, people=listing["people"]))
            return
        people.append(match)
    await turnos.change_roster(services, slot, people, context.person)
    await message.reply_text(
        t(
            language,
            "turno.rol_done",
            shift=slot.name,
            day=f"{slot.day:%d/%m}",
            span=span(slot),
            people=", ".join(p.name for p in people),
        )
    )


COMMANDS = (
    Command("turno", turno, roles=UNIT_STAFF),
    Command("quien", quien, roles=UNIT_STAFF),
    Command("rol", rol, roles=SUPERVISORS),
)
