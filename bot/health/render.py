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


def site_fault(unit: UnitConfig, codes: list[str]) -> str:
    names = ", ".join(next((c.name for c in unit.cameras if c.code == code), code) for code in codes)
    return plain(unit.language, "salud.fault.site", count=len(codes), cameras=names)


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
