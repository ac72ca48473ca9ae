"""The cameras and sites people can ask for: database ids (for buttons) joined with the unit file.

Only cameras that are active in the database, enabled in the unit file and have a source count.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database
from storage.sites import all_cameras, all_sites


@dataclass(frozen=True)
class CameraRef:
    id: int
    code: str
    name: str
    site_id: int
    site_code: str
    site_name: str

    @property
    def words(self) -> str:
        return f"{self.name} {self.site_code} {self.site_name}"


@dataclass(frozen=True)
class SiteRef:
    id: int
    code: str
    name: str
    cameras: tuple[CameraRef, ...]

    @property
    def words(self) -> str:
        return self.name


@dataclass(frozen=True)
class Directory:
    cameras: tuple[CameraRef, ...]
    sites: tuple[SiteRef, ...]  # only sites with at least one camera

    def camera(self, camera_id: int) -> CameraRef | None:
        return next((c for c in self.cameras if c.id == camera_id), None)

    def site(self, site_id: int) -> SiteRef | None:
        return next((s for s in self.sites if s.id == site_id), None)

    def camera_by_code(self, code: str) -> CameraRef | None:
        return next((c for c in self.cameras if c.code == code), None)


async def load_directory(db: Database, configured: set[str]) -> Directory:
    """`configured`: codes of the cameras the capture service can reach."""
    async with db.read() as session:
        sites = {s.id: s for s in await all_sites(session) if s.active}
        rows = await all_cameras(session)
    cameras = tuple(
        CameraRef(c.id, c.code, c.name, c.site_id, sites[c.site_id].code, sites[c.site_id].name)
        for c in sorted(rows, key=lambda c: c.code)
        if c.id is not None and c.active and c.enabled and c.code in configured and c.site_id in sites
    )
    site_refs = tuple(
        SiteRef(site.id, site.code, site.name, tuple(c for c in cameras if c.site_id == site.id))
        for site in sorted(sites.values(), key=lambda s: s.name)
        if site.id is not None and any(c.site_id == site.id for c in cameras)
    )
    return Directory(cameras, site_refs)
