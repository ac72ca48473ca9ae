"""A case's history as people read it, one line per event (`14:05 · Ana López: abrió la falla`),
the same for anomalies, faults and information requests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import t
from bot.shifts import local_time


def history(
    language: str, title: str, entries: Iterable[tuple[datetime, str, str]], tz: ZoneInfo, now: datetime
) -> str:
    """`title` (already rendered), then each (when, who, what) entry; `what` is plain text, cut like
    any value unless the caller marks it `Whole` (a justification, which the chief reads in full): a
    timeline is sent in as many messages as it takes, but a stranger's 60 KB e-mail would make it
    fifteen."""
    lines = [title]
    for at, who, what in entries:
        lines.append(t(language, "timeline.line", time=local_time(at, tz, now), name=who, what=what))
    return "\n".join(lines)
