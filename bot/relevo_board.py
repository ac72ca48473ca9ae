"""The handover's one message in the consignas topic: posted when /relevo composes it, then edited as
the incoming shift accepts its items, with a button for each item still open and one for all.

The message goes through the Telegram outbox (bot/notices.py), owed before anyone is answered: once
stored, a refusal or a crash delays it, never loses it. The rules of composing and accepting stay in
bot/relevo.py; this module is what /relevo and its buttons call (handlers/relevo.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import notices, relevo, turnos
from bot.i18n import t
from bot.relevo import Acceptance
from bot.relevo_render import handover_text
from bot.services import Services
from bot.turnos import Duty
from storage.notices import Record
from storage.people import Person, person_names
from storage.relevo import Handover, HandoverItem

TOPIC = "consignas"
BUTTONS_PER_ROW = 4


@dataclass(frozen=True)
class Accepted:
    """What a press on the handover did, and what its answer names: who was expected to accept."""

    outcome: Acceptance
    receivers: list[Person] = field(default_factory=list)
    items: list[HandoverItem] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.outcome in (Acceptance.OK, Acceptance.COMPLETE)


def keyboard(handover: Handover, items: list[HandoverItem], language: str) -> InlineKeyboardMarkup | None:
    if handover.accepted_at is not None:
        return None
    singles = [
        InlineKeyboardButton(t(language, "relevo.button.item", n=n), callback_data=f"rlv:{handover.id}:{item.id}")
        for n, item in enumerate(items, start=1)
        if item.accepted_at is None
    ]
    rows = [singles[i : i + BUTTONS_PER_ROW] for i in range(0, len(singles), BUTTONS_PER_ROW)]
    rows.append([InlineKeyboardButton(t(language, "relevo.button.all"), callback_data=f"rlv:{handover.id}:all")])
    return InlineKeyboardMarkup(rows)


async def _incoming(services: Services, handover: Handover) -> Duty:
    """The incoming shift on duty: those who may accept, and whom the message names."""
    return await turnos.duty(services, relevo.slot_of(services, handover.incoming_slot_key))


async def _show(services: Services, handover_id: int) -> None:
    """Owe the handover's message as it is now (posted the first time, edited after)."""
    handover, items = await relevo.load(services, handover_id)
    assert handover is not None
    incoming = await _incoming(services, handover)
    async with services.db.read() as session:
        names = await person_names(session)
    text = handover_text(
        handover,
        items,
        relevo.slot_of(services, handover.slot_key),
        incoming.slot,
        incoming.people,
        names,
        services.unit.language,
        services.now(),
        services.tz,
    )
    markup = keyboard(handover, items, services.unit.language)
    async with services.db.write() as session:
        await notices.show(session, services, Record.of(Handover, handover.id), TOPIC, text, markup)


async def hand_over(services: Services, person: Person, notes: str) -> tuple[Handover, bool]:
    """/relevo: the outgoing shift's handover, composed (or the open one) and its message owed; False
    when it was open and shown already, so the person is pointed to it instead. A handover stored but
    never shown (a crash in between) is shown now."""
    handover, created = await relevo.compose(services, person, notes)
    if not created and handover.message_id is not None:
        return handover, False
    await _show(services, handover.id)  # type: ignore[arg-type]
    return handover, True


async def accept(services: Services, handover_id: int, item_id: int | None, person: Person) -> Accepted:
    """One item, or all (`item_id` None), accepted by someone of the incoming shift; the message is
    owed as it now is before they are answered."""
    handover, _ = await relevo.load(services, handover_id)
    if handover is None:
        return Accepted(Acceptance.NOT_FOUND)
    receivers = (await _incoming(services, handover)).people
    outcome, items = await relevo.accept(services, handover_id, item_id, person, receivers)
    accepted = Accepted(outcome, receivers, items)
    if accepted.done:
        await _show(services, handover_id)
    return accepted
