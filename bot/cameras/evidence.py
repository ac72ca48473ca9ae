"""Evidence files: kept by SHA-256 under the data directory, re-sent on request, purged on schedule.

Later workflows link evidence to their cases (`case_ref` such as "anomalia:12") and register a
source of open case refs for their prefix. Retention never removes evidence whose case is open,
nor evidence whose prefix nobody registered: only a workflow can say that its case is closed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePath

from bot import audit
from bot.mail.compose import Attachment
from bot.services import Services
from storage.db import Database
from storage.evidence import Evidence, EvidenceKind, expired, shared_file
from storage.people import Person
from storage.sites import Camera, Site

log = logging.getLogger(__name__)
FOLDER = "evidence"
SUFFIXES = {
    EvidenceKind.PHOTO: ".jpg",
    EvidenceKind.MOSAIC: ".jpg",
    EvidenceKind.CLIP: ".mp4",
    EvidenceKind.DOCUMENT: "",
}
CaseSource = Callable[[Database], Awaitable[Collection[str]]]
_CASE_SOURCES: dict[str, CaseSource] = {}


class EvidenceMissing(Exception):
    """The row exists but its file was purged, removed, or no longer matches its hash."""

    def __init__(self, evidence: Evidence, reason: str) -> None:
        super().__init__(reason)
        self.evidence, self.reason = evidence, reason


def register_case_source(prefix: str, open_refs: CaseSource) -> None:
    """`open_refs(db)` returns the case refs ("anomalia:12", ...) of `prefix` that are still open."""
    _CASE_SOURCES[prefix] = open_refs


def unregister_case_source(prefix: str) -> None:
    _CASE_SOURCES.pop(prefix, None)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _place(data_dir: Path, content: bytes | Path, suffix: str) -> tuple[str, int, str]:
    """Move or write `content` to evidence/<2 hex>/<sha256><suffix>; (sha256, size, relative path)."""
    if isinstance(content, Path):
        sha, size = sha256_file(content), content.stat().st_size
    else:
        sha, size = hashlib.sha256(content).hexdigest(), len(content)
    relative = Path(FOLDER) / sha[:2] / f"{sha}{suffix}"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Path):
        shutil.move(content, target)
    elif not target.exists():
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            handle.write(content)
        os.replace(handle.name, target)
    return sha, size, relative.as_posix()


def scratch_dir(services: Services) -> Path:
    """Where clips are recorded before they are hashed and moved into place (same file system)."""
    path = services.settings.data_dir / FOLDER / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def keep(
    services: Services,
    content: bytes | Path,
    *,
    kind: EvidenceKind,
    captured_at: datetime,
    requester: Person | None,
    camera_id: int | None = None,
    site_id: int | None = None,
    duration_s: float | None = None,
    case_ref: str | None = None,
    suffix: str | None = None,
) -> Evidence:
    """Store the file, write its row and the audit entry in one unit of work."""
    suffix = SUFFIXES[kind] if suffix is None else suffix
    sha, size, relative = await services.cameras.run(_place, services.settings.data_dir, content, suffix)
    async with services.db.write() as session:
        row = Evidence(
            kind=kind.value,
            camera_id=camera_id,
            site_id=site_id,
            sha256=sha,
            size_bytes=size,
            captured_at=captured_at,
            requester_id=requester.id if requester else None,
            path=relative,
            duration_s=duration_s,
            case_ref=case_ref,
        )
        session.add(row)
        await session.flush()
        await audit.record(
            session,
            f"camaras.{kind.value}",
            now=services.now(),
            actor=requester,
            object_type="evidence",
            object_id=row.id,
            detail={"camera_id": camera_id, "site_id": site_id, "sha256": sha, "size": size},
        )
    return row


@dataclass(frozen=True)
class Described:
    evidence: Evidence
    path: Path
    camera: str | None  # camera name
    site: str | None  # site name
    requester: str | None  # person name


async def fetch_for_resend(services: Services, evidence_id: int, requester: Person | None) -> Described:
    """The stored file, checked against its hash; the re-send is audited."""
    async with services.db.read() as session:
        row = await session.get(Evidence, evidence_id)
        if row is None:
            raise LookupError(evidence_id)
        camera = await session.get(Camera, row.camera_id) if row.camera_id else None
        site_id = row.site_id or (camera.site_id if camera else None)
        site = await session.get(Site, site_id) if site_id else None
        person = await session.get(Person, row.requester_id) if row.requester_id else None
    path = services.settings.data_dir / row.path
    if row.purged_at is not None:
        raise EvidenceMissing(row, "purged")
    if not path.is_file():
        raise EvidenceMissing(row, "missing")
    if await services.cameras.run(sha256_file, path) != row.sha256:
        log.error("evidence %s: %s no longer matches its SHA-256", row.id, row.path)
        raise EvidenceMissing(row, "altered")
    async with services.db.write() as session:
        await audit.record(
            session, "camaras.evidencia", now=services.now(), actor=requester, object_type="evidence", object_id=row.id
        )
    return Described(row, path, camera.name if camera else None, site.name if site else None, person and person.name)


async def read(services: Services, evidence_id: int) -> tuple[Evidence, bytes]:
    """A kept file's row and bytes, checked against its hash: what is delivered is what was recorded."""
    async with services.db.read() as session:
        row = await session.get(Evidence, evidence_id)
    if row is None:
        raise LookupError(evidence_id)
    path = services.settings.data_dir / row.path
    if row.purged_at is not None or not path.is_file():
        raise EvidenceMissing(row, "purged" if row.purged_at else "missing")
    data, sha = await services.cameras.run(_read_hashed, path)  # a report's PDF is too big to hash on the loop
    if sha != row.sha256:
        raise EvidenceMissing(row, "altered")
    return row, data


def _read_hashed(path: Path) -> tuple[bytes, str]:
    data = path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


async def open_case_refs(db: Database) -> dict[str, set[str]]:
    return {prefix: set(await source(db)) for prefix, source in _CASE_SOURCES.items()}


def linked_to_open_case(case_ref: str | None, open_refs: dict[str, set[str]]) -> bool:
    if not case_ref:
        return False
    prefix = case_ref.split(":", 1)[0]
    return prefix not in open_refs or case_ref in open_refs[prefix]


async def enforce_retention(services: Services) -> list[int]:
    """Purge evidence older than the retention period, except evidence of open cases; the ids purged."""
    now = services.now()
    cutoff = now - timedelta(days=services.unit.evidence.retention_days)
    open_refs = await open_case_refs(services.db)
    purged: list[int] = []
    after_id = 0
    while True:
        async with services.db.read() as session:
            batch = await expired(session, cutoff, after_id)
        if not batch:
            break
        after_id = batch[-1].id or after_id
        for row in batch:
            if linked_to_open_case(row.case_ref, open_refs):
                continue
            async with services.db.write() as session:
                if not await shared_file(session, row.sha256, except_id=row.id or 0):
                    await services.cameras.run(_remove, services.settings.data_dir / row.path)
                fresh = await session.get(Evidence, row.id)
                if fresh is not None and fresh.purged_at is None:
                    fresh.purged_at = now
                    session.add(fresh)
                    purged.append(row.id or 0)
    if purged:
        async with services.db.write() as session:
            detail = {"count": len(purged), "first": purged[0], "last": purged[-1], "cutoff": cutoff.isoformat()}
            await audit.record(session, "camaras.retention", now=now, object_type="evidence", detail=detail)
        log.info("evidence retention: purged %d files captured before %s", len(purged), cutoff.isoformat())
    return purged


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


async def keep_reply_attachments(services: Services, attachments: Iterable[Attachment], case_ref: str) -> list[int]:
    """Files that came with an e-mailed reply (a justification's photos, a vendor's report) are
    evidence of their case, like the bot's own captures."""
    ids = []
    for attachment in attachments:
        kind = EvidenceKind.PHOTO if attachment.content_type == "image/jpeg" else EvidenceKind.DOCUMENT
        suffix = PurePath(attachment.filename).suffix.lower()[:10] if kind is EvidenceKind.DOCUMENT else None
        row = await keep(
            services,
            attachment.data,
            kind=kind,
            captured_at=services.now(),
            requester=None,
            case_ref=case_ref,
            suffix=suffix,
        )
        ids.append(row.id)
    return [i for i in ids if i is not None]
