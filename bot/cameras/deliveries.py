"""What /foto, /mosaico and /clip produce: the picture or clip, burnt-in text, and its evidence row.

Free of Telegram: the handlers send what these return. Burnt-in text is in the unit's language
(the picture is a record for everyone), and plain: no HTML, no escaping.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from bot.cameras.capture import CameraUnavailable, encode_jpeg, fit_within
from bot.cameras.clip import ClipInfo
from bot.cameras.directory import CameraRef, SiteRef
from bot.cameras.evidence import keep, scratch_dir
from bot.cameras.mosaic import Tile, compose
from bot.cameras.overlay import burn_in
from bot.i18n import plain
from bot.services import Services
from storage.evidence import Evidence, EvidenceKind, last_capture
from storage.people import Person

MAX_PHOTO_SIDE = 4096  # Telegram accepts width + height up to 10000; 4K cameras pass untouched


def local_time(services: Services, moment: datetime) -> str:
    return f"{moment.astimezone(services.settings.tz):%d/%m/%Y %H:%M:%S}"


def _comment(kind: str, code: str, moment: datetime, requester: Person | None) -> str:
    who = requester.key if requester else "-"
    return f"Vigia {kind}; camera={code}; captured={moment.isoformat()}; requester={who}"


@dataclass(frozen=True)
class Photo:
    jpeg: bytes
    evidence: Evidence
    captured_at: datetime


def render_photo(image: np.ndarray, lines: list[str], quality: int, comment: str) -> bytes:
    return encode_jpeg(burn_in(fit_within(image, MAX_PHOTO_SIDE), lines), quality, comment)


async def take_photo(services: Services, camera: CameraRef, requester: Person | None) -> Photo:
    """A fresh frame with camera, site, local time and requester burnt in, kept as evidence."""
    frame = await services.cameras.snapshot(camera.code)
    language = services.unit.language
    lines = [
        f"{camera.name} · {camera.site_name}",
        plain(
            language, "camaras.burn.requested", time=local_time(services, frame.captured_at), person=_name(requester)
        ),
    ]
    comment = _comment("photo", camera.code, frame.captured_at, requester)
    jpeg = await services.cameras.run(render_photo, frame.image, lines, services.unit.capture.jpeg_quality, comment)
    evidence = await keep(
        services,
        jpeg,
        kind=EvidenceKind.PHOTO,
        captured_at=frame.captured_at,
        requester=requester,
        camera_id=camera.id,
        site_id=camera.site_id,
    )
    return Photo(jpeg, evidence, frame.captured_at)


@dataclass(frozen=True)
class Mosaic:
    jpeg: bytes
    evidence: Evidence
    captured_at: datetime
    failed: list[tuple[CameraRef, CameraUnavailable]]


async def take_mosaic(services: Services, site: SiteRef, requester: Person | None) -> Mosaic:
    """Every camera of the site in one grid; a camera without picture is a labelled tile."""
    started = services.now()
    frames = await services.cameras.snapshots(c.code for c in site.cameras)
    language = services.unit.language
    tiles, failed = [], []
    for camera in site.cameras:
        result = frames[camera.code]
        if isinstance(result, CameraUnavailable):
            failed.append((camera, result))
            tiles.append(Tile(camera.name, None, plain(language, "camaras.burn.no_signal")))
        else:
            tiles.append(Tile(camera.name, result.image))
    header = [
        plain(language, "camaras.burn.mosaic", site=site.name, count=len(site.cameras)),
        plain(language, "camaras.burn.requested", time=local_time(services, started), person=_name(requester)),
    ]
    comment = _comment("mosaic", site.code, started, requester)
    quality = services.unit.capture.jpeg_quality
    jpeg = await services.cameras.run(lambda: encode_jpeg(compose(tiles, header), quality, comment))
    evidence = await keep(
        services, jpeg, kind=EvidenceKind.MOSAIC, captured_at=started, requester=requester, site_id=site.id
    )
    return Mosaic(jpeg, evidence, started, failed)


@dataclass(frozen=True)
class Clip:
    path: Path
    info: ClipInfo
    evidence: Evidence
    captured_at: datetime


async def take_clip(services: Services, camera: CameraRef, seconds: int, requester: Person | None) -> Clip:
    """`seconds` of video (and sound) from the camera, fitted under the upload limit, kept as evidence."""
    started = services.now()
    scratch = scratch_dir(services) / f"{uuid.uuid4().hex}.mp4"
    limit = int(services.unit.capture.upload_limit_mb * 1024 * 1024)
    try:
        info = await services.cameras.clip(camera.code, seconds, scratch, limit)
        evidence = await keep(
            services,
            scratch,
            kind=EvidenceKind.CLIP,
            captured_at=started,
            requester=requester,
            camera_id=camera.id,
            site_id=camera.site_id,
            duration_s=info.duration_s,
        )
    finally:
        for leftover in scratch.parent.glob(f"{scratch.stem}*"):
            leftover.unlink(missing_ok=True)
    return Clip(services.settings.data_dir / evidence.path, info, evidence, started)


async def last_seen(services: Services, camera: CameraRef) -> datetime | None:
    """When the camera last gave a picture: in this run, or kept as evidence before."""
    async with services.db.read() as session:
        stored = await last_capture(session, camera.id)
    seen = [moment for moment in (services.cameras.last_ok(camera.code), stored) if moment is not None]
    return max(seen) if seen else None


def _name(person: Person | None) -> str:
    return person.name if person else "Vigía"
