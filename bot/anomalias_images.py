"""The images of an anomaly: fresh snapshots of the chosen cameras and the reporter's own photos,
all kept as evidence linked to the case, read back for every alert and e-mail."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Iterable

from bot.cameras.capture import CameraUnavailable
from bot.cameras.deliveries import take_photo
from bot.cameras.directory import load_directory
from bot.cameras.evidence import keep, register_case_source
from bot.services import Services
from storage.anomalias import open_anomalies
from storage.db import Database
from storage.evidence import Evidence, EvidenceKind
from storage.people import Person

log = logging.getLogger(__name__)
CASE_PREFIX = "anomalia"


def case_ref(number: str) -> str:
    return f"{CASE_PREFIX}:{number}"


async def _open_refs(db: Database) -> Collection[str]:
    async with db.read() as session:
        return [case_ref(a.number) for a in await open_anomalies(session)]


register_case_source(CASE_PREFIX, _open_refs)


async def collect(services: Services, cameras: list[str], own_photos: list[bytes], reporter: Person) -> list[int]:
    """Evidence ids: one snapshot per chosen camera that answers (a silent one is skipped and logged),
    then the reporter's photos. The cameras are asked all at once: a report naming three cameras that
    hang waits one capture deadline, not three."""
    directory = await load_directory(services.db, set(services.cameras.sources))

    async def snapshot(code: str) -> int | None:
        camera = directory.camera_by_code(code)
        if camera is None:
            return None
        try:
            return (await take_photo(services, camera, reporter)).evidence.id
        except CameraUnavailable as exc:
            log.warning("anomaly snapshot of %s failed: %s", code, exc.reason)
            return None

    ids = list(await asyncio.gather(*(snapshot(code) for code in cameras)))
    for data in own_photos:
        row = await keep(services, data, kind=EvidenceKind.PHOTO, captured_at=services.now(), requester=reporter)
        ids.append(row.id)
    return [i for i in ids if i is not None]


async def images_of(services: Services, evidence_ids: Iterable[int | None]) -> list[bytes]:
    """The stored bytes, in order; a purged or missing file is left out. Read before a unit of work
    opens, not inside it: the files are read while SQLite's one writer would wait."""
    evidence_ids = [e for e in evidence_ids if e]
    if not evidence_ids:  # an urgent report without cameras: no session at all, in a burst of them
        return []
    paths = []
    async with services.db.read() as session:
        for evidence_id in evidence_ids:
            row = await session.get(Evidence, evidence_id)
            if row is not None and row.purged_at is None:
                paths.append(services.settings.data_dir / row.path)
    return [await services.cameras.run(path.read_bytes) for path in paths if path.is_file()]
