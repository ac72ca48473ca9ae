"""The texts of consignas: one consigna's message, and the board that lists the open ones."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import Html, t
from bot.shifts import age, local_time
from bot.text import TELEGRAM_MAX, pieces, telegram_length
from storage.consignas import Consigna, ConsignaEvent, ConsignaStatus

BOARD_TEXT_WIDTH = 60


def holder_name(consigna: Consigna, names: dict[int, str], language: str) -> str:
    return names.get(consigna.holder_id, "") if consigna.holder_id else t(language, "consigna.no_holder")


def stamp(moment: datetime, tz: ZoneInfo) -> str:
    """ "04/12 10:00": a consigna's message is not redrawn as time passes, so its times are absolute
    and carry their day ("hace un momento" or a bare "10:00" would be wrong the next day)."""
    return f"{moment.astimezone(tz):%d/%m %H:%M}"


def consigna_text(
    consigna: Consigna, events: list[ConsignaEvent], names: dict[int, str], language: str, now: datetime, tz: ZoneInfo
) -> str:
    """As it stands at `now`: only whether it is overdue depends on it, and the consignas.overdue job
    redraws it once when it falls due (bot/consignas_board.py chase_overdue)."""
    origin = t(language, f"consigna.origin.{consigna.origin}")
    lines = [
        t(language, "consigna.title", id=consigna.id, origin=Html(origin)),
        t(language, "consigna.body", text=consigna.text),
    ]
    name = names.get(consigna.created_by_id or 0, "Vigía")
    lines.append(t(language, "consigna.created_by", name=name, time=stamp(consigna.created_at, tz)))
    if consigna.site_code or consigna.camera_code:
        lines.append(
            t(language, "consigna.place", place=" · ".join(filter(None, [consigna.site_code, consigna.camera_code])))
        )
    if consigna.due_at:
        lines.append(t(language, "consigna.due", time=stamp(consigna.due_at, tz)))
    notes = [
        t(language, "consigna.note_line", time=stamp(e.at, tz), name=names.get(e.person_id or 0, ""), text=e.text or "")
        for e in events
        if e.kind == "nota"
    ]
    ending = _ending(consigna, names, language, now, tz)
    if notes:
        lines.append(t(language, "consigna.notes"))
        room = TELEGRAM_MAX - telegram_length("\n".join(lines + ending)) - NOTES_MARGIN
        shown = _newest_that_fit(notes, room)
        if len(shown) < len(notes):
            lines.append(t(language, "consigna.earlier_notes", count=len(notes) - len(shown)))
        lines += shown
    return "\n".join(lines + ending)


NOTES_MARGIN = 100  # for the "earlier notes" line


def _newest_that_fit(notes: list[str], room: int) -> list[str]:
    """The newest notes whose lines fit in `room`: a consigna that ran for days keeps its message."""
    shown: list[str] = []
    for note in reversed(notes):
        room -= telegram_length(note) + 1
        if room < 0:
            break
        shown.insert(0, note)
    return shown


def _ending(consigna: Consigna, names: dict[int, str], language: str, now: datetime, tz: ZoneInfo) -> list[str]:
    """How it ended, or who holds it and whether it is late."""
    lines: list[str] = []
    closer, closed_at = names.get(consigna.closed_by_id or 0, ""), consigna.closed_at
    if consigna.status == ConsignaStatus.CUMPLIDA and closed_at:
        lines.append(t(language, "consigna.done", name=closer, time=stamp(closed_at, tz), result=consigna.result or ""))
    elif consigna.status == ConsignaStatus.CANCELADA and closed_at:
        reason = consigna.cancel_reason or ""
        lines.append(t(language, "consigna.cancelled", name=closer, time=stamp(closed_at, tz), reason=reason))
    else:
        holder = names.get(consigna.holder_id or 0)
        lines.append(t(language, "consigna.holder", name=holder) if holder else t(language, "consigna.no_holder"))
        if consigna.due_at and consigna.due_at <= now:
            lines.append(t(language, "consigna.overdue"))
    return lines


def pinned(board: str, language: str) -> str:
    """The board as pinned: one message, so a list too long for it ends with how many more /consignas
    shows (every line is a consigna)."""
    shown = pieces(board, TELEGRAM_MAX - 200)[0]
    hidden = board.count("\n") - shown.count("\n")
    return shown if not hidden else shown + "\n" + t(language, "consigna.board_more", count=hidden)


def board_text(consignas: list[Consigna], names: dict[int, str], language: str, now: datetime, tz: ZoneInfo) -> str:
    """Oldest first: the longer an order waits, the more it needs to be seen."""
    if not consignas:
        return (
            t(language, "consigna.board_title", time=local_time(now, tz, now))
            + "\n"
            + t(language, "consigna.none_open")
        )
    lines = [t(language, "consigna.board_title", time=local_time(now, tz, now))]
    for consigna in sorted(consignas, key=lambda c: c.created_at):
        text = consigna.text if len(consigna.text) <= BOARD_TEXT_WIDTH else consigna.text[: BOARD_TEXT_WIDTH - 1] + "…"
        line = t(
            language,
            "consigna.board_line",
            id=consigna.id,
            text=text,
            holder=holder_name(consigna, names, language),
            age=age(now - consigna.created_at, language),
        )
        if consigna.due_at and consigna.due_at <= now:
            line += " ⏰"
        lines.append("• " + line)
    return "\n".join(lines)
