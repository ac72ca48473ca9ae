"""Where the cameras stand now and over time, from the monitor's tally: /estado, the monthly
bitácora and the reports all sum its probes through `rules.probe_counts` (/estado by way of
`rules.availability_grid`, the bitácora and the reports as each site's `SiteShare`), so they always
agree.

/estado answers at three zooms: every site, one site camera by camera, or one camera; each with
the last 24 hours hour by hour and the last 7 days (local) day by day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from bot.health.maintenance import Target
from bot.health.rules import availability, availability_grid, grade, probe_counts
from bot.services import Services
from bot.unit_config import Camera
from storage.health import health_rows, uptime_between

HOURS, DAYS = 24, 7
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class CameraStatus:
    code: str
    name: str
    probed: bool
    conditions: str  # the last probe's findings, comma-separated; "" healthy
    last_good_at: datetime | None = None

    @property
    def grade(self) -> str:
        return grade(self.conditions.split(",") if self.conditions else [])


@dataclass
class StatusRow:
    """One line of /estado: a site (its enabled cameras), or one camera."""

    code: str
    name: str
    cameras: list[CameraStatus] = field(default_factory=list)
    hourly: list[float | None] = field(default_factory=list)  # the last 24 h hour by hour, oldest first
    daily: list[float | None] = field(default_factory=list)  # the last 7 local days, today (so far) last
    last_day: float | None = None  # over the last 24 h
    week: float | None = None  # over the 7 days

    def count(self, wanted: str) -> int:
        return sum(1 for c in self.cameras if c.probed and c.grade == wanted)

    @property
    def up(self) -> int:
        return self.count("up")

    @property
    def degraded(self) -> int:
        return self.count("degraded")

    @property
    def down(self) -> int:
        return self.count("down")


@dataclass
class Estado:
    scope: str  # todo | sitio | camara
    rows: list[StatusRow]  # what the picture draws: the sites, a site's cameras, or the camera
    whole: StatusRow | None  # the site or camera asked for; None for every site
    hours: list[datetime]  # UTC start of each hourly column
    days: list[date]  # local day of each daily column
    site_name: str = ""  # the camera's site, when one camera was asked for


class SiteShare(NamedTuple):
    percent: float | None  # the share of probes with a useful picture; None: no data
    probes: int  # how many it is a share of, maintenance excluded: its weight among the sites

    @classmethod
    def of(cls, up: int, degraded: int, down: int) -> SiteShare:
        return cls(availability(up, degraded, down), up + degraded + down)


async def availability_by_site(services: Services, start: datetime, end: datetime) -> dict[str, SiteShare]:
    """Each site code's availability over [start, end), with the probes it comes from, so the
    sites can be averaged as if their probes were summed (a site with more cameras weighs more)."""
    async with services.db.read() as session:
        rows = await uptime_between(session, start, end)
    site_of = {c.code: c.site for c in services.unit.cameras}
    counts = probe_counts(rows, site_of, start, end - start, 1)
    return {site.code: SiteShare.of(*counts.get(site.code, [(0, 0, 0)])[0]) for site in services.unit.sites}


async def estado(services: Services, target: Target | None) -> Estado:
    """Every site (`target` None), one site camera by camera, or one camera: now, the last 24 hours
    and the last 7 days. Days are local, from midnight (El Salvador keeps no daylight saving)."""
    unit, now, tz = services.unit, services.now(), services.tz
    hours_end = now.replace(minute=0, second=0, microsecond=0) + HOUR
    hours_start = hours_end - HOURS * HOUR
    today = now.astimezone(tz).date()
    days_start = datetime.combine(today - (DAYS - 1) * DAY, time(), tz)
    async with services.db.read() as session:
        health = await health_rows(session)
        tally = await uptime_between(session, min(hours_start, days_start), max(hours_end, days_start + DAYS * DAY))

    def statuses(cameras: list[Camera]) -> list[CameraStatus]:
        found = [(c, health.get(c.code)) for c in cameras]
        return [
            CameraStatus(
                c.code,
                c.name,
                row is not None and row.last_probe_at is not None,
                row.conditions if row else "",
                row.last_good_at if row else None,
            )
            for c, row in found
        ]

    def lines(groups: list[tuple[str, str, list[Camera]]]) -> list[StatusRow]:
        group_of = {camera.code: code for code, _, cameras in groups for camera in cameras}
        grids = [
            availability_grid(tally, group_of, hours_start, HOUR, HOURS),
            availability_grid(tally, group_of, days_start, DAY, DAYS),
            availability_grid(tally, group_of, hours_start, HOURS * HOUR, 1),
            availability_grid(tally, group_of, days_start, DAYS * DAY, 1),
        ]
        none = [None] * max(HOURS, DAYS)
        hourly, daily, last_day, week = ([grid.get(code, none) for code, _, _ in groups] for grid in grids)
        return [
            StatusRow(code, name, statuses(cameras), hourly[n][:HOURS], daily[n][:DAYS], last_day[n][0], week[n][0])
            for n, (code, name, cameras) in enumerate(groups)
        ]

    enabled, site_name = [c for c in unit.cameras if c.enabled], ""
    if target is None:
        sites = [(s.code, s.name, [c for c in enabled if c.site == s.code]) for s in unit.sites]
        rows, whole, scope = [row for row in lines(sites) if row.cameras], None, "todo"
    elif target.scope == "sitio":
        cameras = [c for c in enabled if c.site == target.code]
        (whole,) = lines([(target.code, target.name, cameras)])
        rows, scope = lines([(c.code, c.name, [c]) for c in cameras]), "sitio"
    else:
        camera = unit.camera(target.code)
        assert camera is not None  # the target was parsed from the unit's cameras
        rows, scope, site_name = lines([(camera.code, camera.name, [camera])]), "camara", unit.site_name(camera.site)
        whole = rows[0]
    hours = [hours_start + h * HOUR for h in range(HOURS)]
    days = [today - (DAYS - 1 - d) * DAY for d in range(DAYS)]
    return Estado(scope, rows, whole, hours, days, site_name)
