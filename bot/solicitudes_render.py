"""The texts of information requests: the card in the requests topic, the list with days left,
the timeline, and the registration's answer."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.i18n import plain, t
from bot.services import Services
from bot.solicitudes import Case, answer_of, days_off
from bot.solicitudes_form import Problem
from bot.solicitudes_rules import State, days_left
from bot.timeline import history
from storage.solicitudes import Solicitud

ANSWERED = frozenset({State.AUTORIZACION_FIRMA, State.RESPONDIDA})  # the card shows the answer written


def unit_name(services: Services, solicitud: Solicitud) -> str:
    unit = services.unit.solicitudes.unit(solicitud.unit_code)
    return unit.name if unit else solicitud.unit_code


def left_text(services: Services, solicitud: Solicitud, language: str, today: date) -> str:
    left = days_left(today, solicitud.due_on, days_off(services))
    key = "solicitud.left" if left > 0 else ("solicitud.due_today" if left == 0 else "solicitud.overdue")
    return t(language, key, days=abs(left), due=f"{solicitud.due_on:%d/%m/%Y}")


def window_text(solicitud: Solicitud, tz: ZoneInfo) -> str:
    if solicitud.window_start is None:
        return ""
    start = solicitud.window_start.astimezone(tz)
    end = solicitud.window_end.astimezone(tz) if solicitud.window_end else None
    return f"{start:%d/%m/%Y %H:%M}" + (f" – {end:%d/%m/%Y %H:%M}" if end else "")


def card(services: Services, case: Case, language: str, today: date) -> str:
    solicitud, tz = case.solicitud, services.tz
    lines = [
        t(language, "solicitud.title", number=solicitud.number, kind=t(language, f"solicitud.kind.{solicitud.kind}")),
        t(
            language,
            "solicitud.from",
            unit=unit_name(services, solicitud),
            requester=solicitud.requester,
            channel=t(language, f"solicitud.channel.{solicitud.channel}"),
            reference=solicitud.reference or "—",
            received=f"{solicitud.received_on:%d/%m/%Y}",
        ),
        t(language, "solicitud.asked", text=solicitud.asked),
    ]
    where = [services.unit.site_name(solicitud.site_code)] if solicitud.site_code else []
    where += [c for c in solicitud.cameras.split(",") if c] + [window_text(solicitud, tz)]
    where += [t(language, "solicitud.plates", plates=solicitud.plates)] if solicitud.plates else []
    if any(where):
        lines.append("📍 " + " · ".join(w for w in where if w))
    lines.append(t(language, "solicitud.state", state=t(language, f"solicitud.state.{solicitud.state}")))
    if solicitud.closed_at is None:
        lines.append(left_text(services, solicitud, language, today))
    if solicitud.consigna_id is not None:  # the consigna names the request back (its origin and source_ref)
        lines.append(t(language, "solicitud.consigna", id=solicitud.consigna_id))
    if solicitud.state in ANSWERED and (answer := answer_of(case.events)):  # what the Director signs
        lines.append(t(language, "solicitud.answer", text=answer))
    for role, count in Counter(d.role for d in case.documents).items():  # a line per role: the card stays short
        times = f" ×{count}" if count > 1 else ""
        lines.append(t(language, "solicitud.document", role=t(language, f"solicitud.role.{role}"), times=times))
    return "\n".join(lines)


def timeline(services: Services, case: Case, language: str, now: datetime) -> str:
    entries = [
        (
            event.at,
            case.names.get(event.person_id or 0, "Vigía"),
            plain(language, f"solicitud.action.{event.action}") + (f": {event.text}" if event.text else ""),
        )
        for event in case.events
    ]
    title = t(language, "solicitud.timeline_title", number=case.solicitud.number)
    return history(language, title, entries, services.tz, now)


def listing(services: Services, open_ones: list[Solicitud], language: str, today: date) -> str:
    if not open_ones:
        return t(language, "solicitud.none_open")
    lines = [t(language, "solicitud.list_title")]
    for solicitud in open_ones:
        lines.append(
            t(
                language,
                "solicitud.list_line",
                number=solicitud.number,
                unit=unit_name(services, solicitud),
                state=t(language, f"solicitud.state.{solicitud.state}"),
                left=left_text(services, solicitud, language, today),
            )
        )
    return "\n".join(lines)


def problems_text(problems: list[Problem], language: str) -> str:
    lines = [t(language, "solicitud.form.problems")]
    for problem in problems:
        where = t(language, "solicitud.form.line", line=problem.line) if problem.line else ""
        lines.append(f"• {where}{t(language, f'solicitud.form.{problem.key}', value=problem.value)}")
    return "\n".join(lines)
