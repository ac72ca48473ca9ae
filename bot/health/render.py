"""The monitor's words: what a fault it opens says, what its recovery says, and the /estado caption."""

from __future__ import annotations

from bot.health.rules import grade
from bot.health.status import SiteStatus
from bot.i18n import plain, t
from bot.unit_config import UnitConfig
from storage.health import CameraHealth


def conditions_text(language: str, conditions: str) -> str:
    found = [c for c in conditions.split(",") if c]
    return ", ".join(plain(language, f"salud.condition.{c}") for c in found)


def camera_fault(unit: UnitConfig, row: CameraHealth) -> str:
    """Plain text (stored, escaped when shown): what the monitor found on the camera."""
    return plain(unit.language, "salud.fault.camera", found=conditions_text(unit.language, row.conditions))


def _name(unit: UnitConfig, code: str) -> str:
    return next((c.name for c in unit.cameras if c.code == code), code)


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


def status_caption(language: str, sites: list[SiteStatus], hours: int) -> str:
    lines = [t(language, "salud.status.title", hours=hours)]
    for site in sites:
        availability = "—" if site.availability is None else f"{site.availability:.1f} %"
        lines.append(
            t(
                language,
                "salud.status.line",
                site=site.name,
                up=site.up,
                degraded=site.degraded,
                down=site.down,
                availability=availability,
            )
        )
        for camera in site.cameras:
            if grade(camera.conditions.split(",") if camera.conditions else []) != "up":
                lines.append(
                    t(
                        language,
                        "salud.status.camera",
                        camera=camera.name,
                        found=conditions_text(language, camera.conditions),
                    )
                )
    return "\n".join(lines)
