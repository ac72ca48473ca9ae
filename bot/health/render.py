"""The monitor's words: what a fault it opens says, what its recovery says, and the /estado caption."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.health.status import CameraStatus, Estado, StatusRow
from bot.i18n import plain, t
from bot.shifts import local_time
from bot.unit_config import UnitConfig
from storage.health import CameraHealth


def conditions_text(language: str, conditions: str) -> str:
    found = [c for c in conditions.split(",") if c]
    return ", ".join(plain(language, f"salud.condition.{c}") for c in found)


def camera_fault(unit: UnitConfig, row: CameraHealth) -> str:
    """Plain text (stored, escaped when shown): what the monitor found on the camera."""
    return plain(unit.language, "salud.fault.camera", found=conditions_text(unit.language, row.conditions))


def _name(unit: UnitConfig, code: str) -> str:
    camera = unit.camera(code)
    return camera.name if camera else code


def site_fault(unit: UnitConfig, codes: list[str], pictured: str | None = "") -> str:
    """What the monitor found on a site, and whose picture the message shows: `pictured` is the camera
    whose last good frame is kept, None when none of them gave one since the monitor started (a
    restart in the outage), "" to say nothing of it (a fault reopened keeps its first picture)."""
    names = ", ".join(_name(unit, code) for code in codes)
    text = plain(unit.language, "salud.fault.site", count=len(codes), cameras=names)
    if pictured is None:
        return f"{text} {plain(unit.language, 'salud.fault.site_no_picture')}"
    if pictured:
        return f"{text} {plain(unit.language, 'salud.fault.site_picture', camera=_name(unit, pictured))}"
    return text


def restored_text(unit: UnitConfig) -> str:
    return plain(unit.language, "salud.restored")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _found(language: str, camera: CameraStatus) -> str:
    if not camera.probed:
        return plain(language, "salud.status.not_probed")
    return conditions_text(language, camera.conditions) or plain(language, "salud.chart.up")


def _availability(language: str, row: StatusRow) -> str:
    return plain(language, "salud.status.availability", day=_percent(row.last_day), week=_percent(row.week))


def _site_line(language: str, row: StatusRow) -> str:
    counts = {"up": row.up, "degraded": row.degraded, "down": row.down}
    return t(language, "salud.status.line", site=row.name, availability=_availability(language, row), **counts)


def status_caption(language: str, estado: Estado, tz: ZoneInfo, now: datetime) -> str:
    """What a phone shows under the /estado picture: every site with the cameras in trouble; a site
    with its days and each camera's figures; a camera with its days and its last good picture."""
    if estado.whole is None:
        lines = [t(language, "salud.status.title")]
        for site in estado.rows:
            lines.append(_site_line(language, site))
            lines += [
                t(language, "salud.status.camera", camera=camera.name, found=_found(language, camera))
                for camera in site.cameras
                if camera.grade != "up"
            ]
        return "\n".join(lines)
    whole = estado.whole
    days = " · ".join(f"{day:%d/%m} {_percent(share)}" for day, share in zip(estado.days, whole.daily, strict=True))
    if estado.scope == "sitio":
        lines = [f"📊 {_site_line(language, whole)}", t(language, "salud.status.days", days=days)]
        lines.append(t(language, "salud.status.cameras"))
        for row in estado.rows:
            (camera,) = row.cameras
            found = "" if camera.probed and camera.grade == "up" else f" — {_found(language, camera)}"
            day, week = _percent(row.last_day), _percent(row.week)
            lines.append(t(language, "salud.status.camera_line", camera=row.name, day=day, week=week, found=found))
        return "\n".join(lines)
    (camera,) = whole.cameras
    now_text = _found(language, camera)
    lines = [t(language, "salud.status.camera_title", camera=camera.name, site=estado.site_name, now=now_text)]
    lines += [_availability(language, whole), t(language, "salud.status.days", days=days)]
    if camera.grade != "up" or not camera.probed:
        good = camera.last_good_at
        seen = local_time(good, tz, now) if good else plain(language, "salud.status.never")
        lines.append(t(language, "salud.status.last_good", time=seen))
    return "\n".join(lines)
