"""Where the cameras stand now and over time, from the monitor's tally: /estado, the monthly
bitácora and the reports all read availability from here, so they always agree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.health.rules import availability, grade
from bot.services import Services
from storage.health import CameraUptime, health_rows, uptime_between


@dataclass(frozen=True)
class CameraStatus:
    code: str
    name: str
    probed: bool
    conditions: str  # the last probe's findings, comma-separated; "" healthy


@dataclass
class SiteStatus:
    code: str
    name: str
    cameras: list[CameraStatus] = field(default_factory=list)
    availability: float | None = None  # over the period asked
    hourly: list[float | None] = field(default_factory=list)  # availability hour by hour, oldest first

    def count(self, wanted: str) -> int:
        return sum(
            1 for c in self.cameras if c.probed and grade(c.conditions.split(",") if c.conditions else []) == wanted
        )

    @property
    def up(self) -> int:
        return self.count("up")

    @property
    def degraded(self) -> int:
        return self.count("degraded")

    @property
    def down(self) -> int:
        return self.count("down")


def _percent(rows: list[CameraUptime]) -> float | None:
    return availability(sum(r.up for r in rows), sum(r.degraded for r in rows), sum(r.down for r in rows))


async def availability_by_site(services: Services, start: datetime, end: datetime) -> dict[str, float | None]:
    """Share of probes with a useful picture per site code, maintenance excluded; None: no data."""
    async with services.db.read() as session:
        rows = await uptime_between(session, start, end)
    site_of = {c.code: c.site for c in services.unit.cameras}
    by_site: dict[str, list[CameraUptime]] = defaultdict(list)
    for row in rows:
        if row.camera_code in site_of:
            by_site[site_of[row.camera_code]].append(row)
    return {site.code: _percent(by_site.get(site.code, [])) for site in services.unit.sites}


async def site_statuses(services: Services, site_code: str | None, hours: int = 24) -> list[SiteStatus]:
    """Each site (or the one asked): its cameras' last findings, and the last `hours` hour by hour."""
    unit, now = services.unit, services.now()
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    async with services.db.read() as session:
        rows = await health_rows(session)
        tally = await uptime_between(session, start, end)
    by_camera_hour = {(r.camera_code, r.hour): r for r in tally}
    statuses = []
    for site in unit.sites:
        if site_code is not None and site.code != site_code:
            continue
        cameras = [c for c in unit.cameras if c.site == site.code and c.enabled]
        status = SiteStatus(site.code, site.name)
        for camera in cameras:
            row = rows.get(camera.code)
            status.cameras.append(
                CameraStatus(
                    camera.code,
                    camera.name,
                    row is not None and row.last_probe_at is not None,
                    row.conditions if row else "",
                )
            )
        hours_list = [start + timedelta(hours=h) for h in range(hours)]
        status.hourly = [
            _percent([by_camera_hour[(c.code, h)] for c in cameras if (c.code, h) in by_camera_hour])
            for h in hours_list
        ]
        status.availability = _percent([r for r in tally if any(r.camera_code == c.code for c in cameras)])
        statuses.append(status)
    return statuses
