"""The texts of anomalies: the report in the group, the call list, the private alert, the timeline."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.anomalias import Case
from bot.i18n import Html, Whole, plain, t
from bot.mail.inbox import event_words
from bot.shifts import age, local_time
from bot.text import shortened
from bot.timeline import history
from bot.unit_config import UnitConfig
from storage.anomalias import Anomaly, AnomalyNotice, AnomalyStatus

# The report is one message, edited as the case advances, and Telegram takes 4,096 characters; t()
# cuts each value at 1,000, which four long justifications still pass. The report shows the start of
# each: the whole is in its own post, right below, and in the timeline.
REPORT_JUSTIFICATION = 300


def _notice_line(notice: AnomalyNotice, names: dict[int, str], language: str, now: datetime, tz: ZoneInfo) -> str:
    def when(moment: datetime) -> str:
        return local_time(moment, tz, now)

    line = t(
        language,
        "anomalia.notice",
        name=names.get(notice.person_id, ""),
        role=t(language, f"role.{notice.role}"),
        backup=Html(t(language, "anomalia.backup")) if notice.backup else "",
    )
    if notice.called_at:
        key = "anomalia.call_done" if notice.call_outcome == "realizada" else "anomalia.call_missed"
        line += t(language, key, time=when(notice.called_at))
    if notice.notified_at:
        line += t(language, "anomalia.alerted", time=when(notice.notified_at))
    if notice.acknowledged_at:
        line += t(language, "anomalia.acknowledged", time=when(notice.acknowledged_at))
    if notice.justified_at:
        line += t(language, "anomalia.justified", time=when(notice.justified_at))
    return line


def report_text(case: Case, unit: UnitConfig, language: str, now: datetime, tz: ZoneInfo) -> str:
    anomaly, names = case.anomaly, case.names
    lines = [
        t(language, "anomalia.title", number=anomaly.number, category=unit.category_name(anomaly.category)),
        t(language, "anomalia.site", site=unit.site_name(anomaly.site_code)),
    ]
    if anomaly.cameras:
        lines.append(t(language, "anomalia.cameras", cameras=anomaly.cameras.replace(",", ", ")))
    lines += [
        t(
            language,
            "anomalia.reporter",
            name=names.get(anomaly.reporter_id, ""),
            time=local_time(anomaly.created_at, tz, now),
        ),
        "",
        t(language, "consigna.body", text=anomaly.description),
        "",
        t(language, "anomalia.notified"),
    ]
    lines += [_notice_line(n, names, language, now, tz) for n in case.notices] or [t(language, "anomalia.nobody")]
    for notice in (n for n in case.notices if n.justification):
        lines.append(
            t(
                language,
                "anomalia.justification_line",
                name=names.get(notice.person_id, ""),
                via=t(language, f"anomalia.via.{notice.justified_via}"),
                time=local_time(notice.justified_at, tz, now),
                text=shortened(notice.justification, REPORT_JUSTIFICATION),
            )
        )  # type: ignore[arg-type]
    lines.append("")
    if anomaly.status == AnomalyStatus.CERRADA and anomaly.closed_at:
        lines.append(
            t(
                language,
                "anomalia.status.cerrada",
                name=names.get(anomaly.closed_by_id or 0, ""),
                time=local_time(anomaly.closed_at, tz, now),
                note=anomaly.closing_note or "",
            )
        )
    else:
        lines.append(t(language, f"anomalia.status.{anomaly.status}"))
    return "\n".join(lines)


def alert_text(case: Case, unit: UnitConfig, language: str, tz: ZoneInfo) -> str:
    fields = _alert_fields(case, unit, tz)
    return t(language, "anomalia.alert", **fields | {"cameras": fields["cameras"] or "-"})


def alert_brief(case: Case, unit: UnitConfig, language: str, tz: ZoneInfo) -> str:
    """The alert without its labels, for a backlog of them in one message (bot/notices_bundle.py),
    where the cases are a blank line apart: the description keeps its lines, not its blank ones."""
    fields = _alert_fields(case, unit, tz)
    cameras = t(language, "anomalia.alert_brief_cameras", cameras=fields["cameras"]) if fields["cameras"] else ""
    description = "\n".join(line for line in fields["description"].splitlines() if line.strip())
    return t(language, "anomalia.alert_brief", **fields | {"cameras": Html(cameras), "description": description})


def _alert_fields(case: Case, unit: UnitConfig, tz: ZoneInfo) -> dict[str, str]:
    anomaly = case.anomaly
    return {
        "number": anomaly.number,
        "site": unit.site_name(anomaly.site_code),
        "category": unit.category_name(anomaly.category),
        "cameras": anomaly.cameras.replace(",", ", "),
        "reporter": case.names.get(anomaly.reporter_id, ""),
        "time": f"{anomaly.created_at.astimezone(tz):%d/%m %H:%M}",
        "description": anomaly.description,
    }


def timeline_text(case: Case, language: str, now: datetime, tz: ZoneInfo) -> str:
    """The case's events, a justification whole (what the case is judged on), anything else cut."""
    entries = []
    for event in case.events:
        what = plain(language, f"anomalia.event.{event.kind}") + (f": {event_words(event.text)}" if event.text else "")
        who = case.names.get(event.person_id or 0, "Vigía")
        entries.append((event.at, who, Whole(what) if event.kind == "justificada" else what))
    title = t(language, "anomalia.timeline_title", number=case.anomaly.number)
    return history(language, title, entries, tz, now)


def list_text(anomalies: list[Anomaly], unit: UnitConfig, language: str, now: datetime) -> str:
    if not anomalies:
        return t(language, "anomalia.none_open")
    lines = [t(language, "anomalia.list_title")]
    lines += [
        t(
            language,
            "anomalia.list_line",
            number=a.number,
            site=unit.site_name(a.site_code),
            category=unit.category_name(a.category),
            age=age(now - a.created_at, language),
            status=t(language, f"anomalia.short.{a.status}"),
        )
        for a in anomalies
    ]
    return "\n".join(lines)
