"""SIRAM plate reads: importing the system's CSV exports and searching them (procedure II-1..3:
requests are searched in the video system and in the SIRAM reads).

An import is all or nothing: the reads and the import's row go in one transaction, so a bad line
anywhere leaves the database as it was. A file is known by its SHA-256: importing the same file
again adds nothing. Reading, hashing and parsing run in a worker thread, never on the event loop;
the rows go to the database in chunks (COPY on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import codecs
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import audit, notices, text
from bot.i18n import Html, t
from bot.placas import Read, SiramFileError, fold, iter_rows, normalize
from bot.services import Services
from storage.people import Person, escalation_contacts
from storage.siram import PlateRead, ReadFilter, SiramImport, import_by_sha256, newest_reads, read_counts

Source = Literal["cli", "folder"]
CHUNK_ROWS = 20_000
BLOCK_BYTES = 1 << 20
SHOWN = 20  # reads listed in one answer; the totals say how many more there are
CONFUSIONS_SHOWN = 5  # places kept for look-alike plates when the exact ones would fill the answer
COLUMNS = ("plate", "plate_key", "read_at", "site_code", "lane", "image", "import_id")

__all__ = ["ImportResult", "SearchResult", "SiramFileError", "import_file", "search"]


@dataclass(frozen=True)
class ImportResult:
    file_name: str
    sha256: str
    rows: int  # reads added: 0 for a file imported before
    import_id: int
    duplicate_of: SiramImport | None = None  # the earlier import of the same file

    @property
    def duplicate(self) -> bool:
        return self.duplicate_of is not None


@dataclass(frozen=True)
class SearchResult:
    plate: str  # as searched, normalized
    exact: list[PlateRead]  # newest first
    exact_total: int
    confusions: list[PlateRead]  # other plates a reader may have confused with it, newest first
    confusion_total: int


def _fingerprint(path: Path) -> tuple[str, str]:
    """(SHA-256, encoding): UTF-8 (with or without BOM) when every byte decodes, else Windows-1252."""
    digest, decoder, utf8 = hashlib.sha256(), codecs.getincrementaldecoder("utf-8")(), True
    with path.open("rb") as stream:
        while block := stream.read(BLOCK_BYTES):
            digest.update(block)
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return digest.hexdigest(), "utf-8-sig" if utf8 else "cp1252"


def _chunks(reads: Iterator[Read], sites: dict[str, str], import_id: int, to_db: Callable) -> Iterator[list[tuple]]:
    """Rows ready for the driver, in chunks sorted by key: the key index then takes each chunk in
    order instead of at random places (a million reads into SQLite: ~7 s instead of ~11 s)."""
    while chunk := sorted(islice(reads, CHUNK_ROWS), key=itemgetter(1)):
        yield [
            (
                read.plate,
                read.plate_key,
                to_db(read.read_at),
                _site(read.site_code, sites),
                read.lane,
                read.image,
                import_id,
            )
            for read in chunk
        ]


def _site(value: str, sites: dict[str, str]) -> str:
    """The unit's code for a site as the export names it ("HACHADURA" → `hachadura`), else as is."""
    code = sites.get(value)
    if code is None:
        code = sites[value] = sites.get(text.fold(value), value)
    return code


def _site_codes(services: Services) -> dict[str, str]:
    codes = {text.fold(site.name): site.code for site in services.unit.sites}
    return codes | {text.fold(site.code): site.code for site in services.unit.sites}


async def import_file(services: Services, path: Path, source: Source) -> ImportResult:
    """Import one SIRAM export; raises SiramFileError (line and problem) and then adds nothing."""
    sha256, encoding = await asyncio.to_thread(_fingerprint, path)
    async with services.db.read() as session:
        earlier = await import_by_sha256(session, sha256)
    if earlier is not None:
        return ImportResult(path.name, sha256, 0, earlier.id, earlier)  # type: ignore[arg-type]
    stream = await asyncio.to_thread(path.open, encoding=encoding, errors="replace", newline="")
    parsing: asyncio.Future | None = None
    try:
        async with services.db.write() as session:
            earlier = await import_by_sha256(session, sha256)  # imported meanwhile by another caller
            if earlier is not None:
                return ImportResult(path.name, sha256, 0, earlier.id, earlier)  # type: ignore[arg-type]
            now = services.now()
            record = SiramImport(file_name=path.name[:255], sha256=sha256, imported_at=now, source=source)
            session.add(record)
            await session.flush()
            connection = await session.connection()
            reads = iter_rows(stream, services.unit.siram, services.tz)
            chunks = _chunks(reads, _site_codes(services), record.id, _read_at_to_db(connection.dialect))  # type: ignore[arg-type]
            # The next chunk is parsed in a worker thread while this one goes to the database.
            parsing = asyncio.ensure_future(asyncio.to_thread(next, chunks, None))
            while chunk := await parsing:
                parsing = asyncio.ensure_future(asyncio.to_thread(next, chunks, None))
                await _insert(connection, chunk)
                record.rows += len(chunk)
            session.add(record)
            await audit.record(
                session,
                "siram.import",
                now=now,
                object_type="siram_import",
                object_id=record.id,
                detail={"file": path.name, "rows": record.rows, "sha256": sha256, "source": source},
            )
    finally:
        if parsing is not None and not parsing.done():
            await asyncio.wait([parsing])  # the thread still reads the file: let it finish first
        await asyncio.to_thread(stream.close)
    return ImportResult(path.name, sha256, record.rows, record.id)  # type: ignore[arg-type]


def _read_at_to_db(dialect: Dialect) -> Callable:
    """asyncpg takes datetimes; SQLite gets the very text SQLAlchemy stores (range queries compare it)."""
    if dialect.name == "postgresql":
        return lambda value: value
    return PlateRead.__table__.c.read_at.type.bind_processor(dialect)  # type: ignore[attr-defined]


async def _insert(connection: AsyncConnection, rows: list[tuple]) -> None:
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table("plate_read", records=rows, columns=COLUMNS)  # type: ignore[union-attr]
        return
    placeholders = ", ".join("?" for _ in COLUMNS)
    await connection.exec_driver_sql(f"INSERT INTO plate_read ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows)


async def search(
    services: Services,
    plate: str,
    start: datetime | None = None,
    end: datetime | None = None,
    site: str | None = None,
    *,
    by: Person | None = None,
) -> SearchResult:
    """Reads of `plate` in [start, end) at `site`: exact ones first, then the reader's look-alikes.

    A search made by a person is written to the audit log (who looked for which plate).
    """
    plate = normalize(plate)
    wanted = ReadFilter(fold(plate), start, end, site)
    async with services.db.read() as session:
        exact_total, confusion_total = await read_counts(session, wanted, plate)
        exact_room = SHOWN - min(confusion_total, CONFUSIONS_SHOWN)
        exact = await newest_reads(session, wanted, plate, exact=True, limit=exact_room) if exact_total else []
        room = SHOWN - len(exact)
        confusions = await newest_reads(session, wanted, plate, exact=False, limit=room) if confusion_total else []
    if by is not None:
        async with services.db.write() as session:
            await audit.record(
                session,
                "placa.search",
                now=services.now(),
                actor=by,
                object_type="placa",
                object_id=plate,
                detail={"start": start, "end": end, "site": site, "found": exact_total + confusion_total},
            )
    return SearchResult(plate, exact, exact_total, confusions, confusion_total)


async def tell_rejected(services: Services, name: str, error: SiramFileError, rejected: Path, error_file: Path) -> None:
    """A rejected export in the audit log and, in the same unit of work, told to the coordinators:
    which line, what is wrong with it, and where the file and its error note are now."""
    async with services.db.write() as session:
        await audit.record(
            session,
            "siram.rejected",
            now=services.now(),
            object_type="siram_file",
            object_id=name,
            detail={"line": error.line, "problem": error.problem, "moved_to": str(rejected)},
        )
        rejection_key = f"siram:rejected:{services.now():%Y%m%dT%H%M%S.%f}:{rejected.name}"[:100]

        def write(language: str) -> str:
            problem = Html(t(language, f"siram.problem.{error.problem}", **error.details))
            folder = str(rejected.parent)
            return t(
                language,
                "siram.rejected",
                file=name,
                line=error.line,
                problem=problem,
                folder=folder,
                error_file=error_file.name,
            )

        coordinators = await escalation_contacts(session)
        await notices.escalate(session, services, coordinators, None, write, key=rejection_key)
