"""The handover message, edited as items are accepted, and the chief's shift summary."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Html, t
from bot.relevo import SECTIONS, Section
from bot.shifts import Slot, local_time, span
from bot.text import TELEGRAM_MAX, shortened, telegram_length
from storage.consignas import Consigna, ConsignaStatus
from storage.people import Person
from storage.relevo import Handover, HandoverItem

# The handover is one message (Telegram takes 4,096 characters, and 100 buttons under it) listing the
# open items: each shows the start of its text (a consigna made from a request carries the whole
# request), which its own message has in full. About 30 items fit; past that, each section lists what
# fits and ends with how many more and the command that lists them all ("Aceptar todo" takes them too).
ITEM_WIDTH = 100
MAX_LISTED = 99  # each with its button, and "Aceptar todo"


def handover_text(
    handover: Handover,
    items: list[HandoverItem],
    outgoing: Slot,
    incoming: Slot,
    receivers: list[Person],
    names: dict[int, str],
    language: str,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[str, set[int]]:
    """The message, and the ids of the items it lists: only those get a button of their own."""
    head = [
        t(
            language,
            "relevo.title",
            outgoing=outgoing.name,
            outgoing_span=span(outgoing),
            incoming=incoming.name,
            incoming_span=span(incoming),
        ),
        t(
            language,
            "relevo.from",
            name=names.get(handover.from_person_id, ""),
            time=local_time(handover.created_at, tz, now),
        ),
        t(language, "relevo.to", names=", ".join(p.name for p in receivers))
        if receivers
        else t(language, "relevo.to_nobody", shift=incoming.name),
    ]
    tail = ["", t(language, "relevo.notes", notes=handover.notes)] if handover.notes else []
    if handover.accepted_at is not None:
        name, time = names.get(handover.accepted_by_id or 0, ""), local_time(handover.accepted_at, tz, now)
        tail += ["", t(language, "relevo.accepted", name=name, time=time)]
    else:
        pending = sum(1 for item in items if item.accepted_at is None)
        tail += ["", t(language, "relevo.pending", count=pending, total=len(items))]
    sections = [(s, [(n, i) for n, i in enumerate(items, start=1) if i.kind == s.kind]) for s in SECTIONS]
    empty = t(language, "relevo.section_empty")
    # each section's heading, and its last line ("(ninguna)" or how many more), always have room
    reserved = [
        line
        for section, numbered in sections
        for line in (
            "",
            _heading(language, section),
            max(empty, _more(language, section, len(numbered)), key=telegram_length),
        )
    ]
    room = TELEGRAM_MAX - telegram_length("\n".join(head + reserved + tail))
    listed: set[int] = set()
    lines = list(head)
    for section, numbered in sections:
        lines += ["", _heading(language, section)]
        for n, item in numbered:
            line = _item_line(n, item, names, language, now, tz)
            if telegram_length(line) + 1 > room or len(listed) == MAX_LISTED:
                break
            room -= telegram_length(line) + 1
            lines.append(line)
            listed.add(item.id)  # type: ignore[arg-type]
        hidden = sum(1 for _, item in numbered if item.id not in listed)
        if hidden:
            lines.append(_more(language, section, hidden))
        elif not numbered:
            lines.append(empty)
    return "\n".join(lines + tail), listed


def _heading(language: str, section: Section) -> str:
    return t(language, f"relevo.section.{section.kind}")


def _more(language: str, section: Section, count: int) -> str:
    return t(language, "relevo.more", count=count, command=section.listing)


def _item_line(n: int, item: HandoverItem, names: dict[int, str], language: str, now: datetime, tz: ZoneInfo) -> str:
    label = shortened(item.label, ITEM_WIDTH)
    if item.accepted_at is None:
        return t(language, "relevo.item_open", n=n, label=label)
    return t(
        language,
        "relevo.item_accepted",
        n=n,
        label=label,
        name=names.get(item.accepted_by_id or 0, ""),
        time=local_time(item.accepted_at, tz, now),
    )


def summary_text(
    slot: Slot,
    consignas: list[Consigna],
    still_open: int,
    handover: Handover | None,
    names: dict[int, str],
    language: str,
    tz: ZoneInfo,
) -> str:
    def closed(status: ConsignaStatus) -> int:
        return sum(1 for c in consignas if c.status == status and c.closed_at and slot.start <= c.closed_at < slot.end)

    created = sum(1 for c in consignas if slot.start <= c.created_at < slot.end)
    if handover is None:
        about = t(language, "relevo.summary_none")
    else:
        by, at = names.get(handover.from_person_id, ""), f"{handover.created_at.astimezone(tz):%H:%M}"
        about = (
            t(
                language,
                "relevo.summary_accepted",
                by=by,
                at=at,
                name=names.get(handover.accepted_by_id or 0, ""),
                time=f"{handover.accepted_at.astimezone(tz):%H:%M}",
            )
            if handover.accepted_at
            else t(language, "relevo.summary_pending", by=by, at=at)
        )
    return t(
        language,
        "relevo.summary",
        shift=slot.name,
        day=f"{slot.start:%d/%m}",
        span=span(slot),
        created=created,
        done=closed(ConsignaStatus.CUMPLIDA),
        cancelled=closed(ConsignaStatus.CANCELADA),
        carried=still_open,
        handover=Html(about),
    )
