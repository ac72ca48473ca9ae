"""The handover message, edited as items are accepted, and the chief's shift summary."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Html, t
from bot.relevo import SECTIONS
from bot.shifts import Slot, local_time, span
from bot.text import shortened
from storage.consignas import Consigna, ConsignaStatus
from storage.people import Person
from storage.relevo import Handover, HandoverItem

# The handover is one message (Telegram takes 4,096 characters) listing every open item: each shows
# the start of its text (a consigna made from a request carries the whole request), which its own
# message has in full. About 30 items fit.
ITEM_WIDTH = 100


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
) -> str:
    lines = [
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
    for kind in (section.kind for section in SECTIONS):
        lines += ["", t(language, f"relevo.section.{kind}")]
        numbered = [(n, item) for n, item in enumerate(items, start=1) if item.kind == kind]
        lines += [_item_line(n, item, names, language, now, tz) for n, item in numbered] or [
            t(language, "relevo.section_empty")
        ]
    if handover.notes:
        lines += ["", t(language, "relevo.notes", notes=handover.notes)]
    lines.append("")
    if handover.accepted_at is not None:
        lines.append(
            t(
                language,
                "relevo.accepted",
                name=names.get(handover.accepted_by_id or 0, ""),
                time=local_time(handover.accepted_at, tz, now),
            )
        )
    else:
        pending = sum(1 for item in items if item.accepted_at is None)
        lines.append(t(language, "relevo.pending", count=pending, total=len(items)))
    return "\n".join(lines)


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
