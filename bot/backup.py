"""`vigia backup --out DIR` and `vigia restore --from DIR`: the database and the evidence files, with
a manifest of hashes, so that a restore can prove it puts back exactly what was taken.

Consistent while the bot runs:
- SQLite: one step of the online backup API (`sqlite3.Connection.backup`) copies the database as
  it was at one moment; in WAL mode the bot's writes go on meanwhile.
- PostgreSQL: `pg_dump --format=custom` reads through the snapshot of a REPEATABLE READ transaction
  of ours (`pg_export_snapshot()`), so the dump and the evidence we list see the same moment.
The evidence to copy is read from that same snapshot (for SQLite, from the copy itself): the backup
holds the files its own database refers to, no more and no less. Evidence files are named by their
SHA-256 and never change, so copying them after the snapshot is safe; one the retention job purged
in between is reported as missing, like one that was lost or altered on disk. Such a file is not
copied: it is listed in the manifest's `problems` and the command exits 1, but the rest of the
backup is written and good.

The manifest is written last: a folder without one is an interrupted backup, and restore refuses
it. Restore checks every hash before it writes anything, and never replaces an existing database
unless told to (`--force`).
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import sqlite3
import sys
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from pydantic import BaseModel, ValidationError
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import Connection
from sqlmodel import col

from bot.cameras.evidence import sha256_file
from bot.logs import redact
from bot.services import Services
from storage.db import Database, alembic_config
from storage.evidence import Evidence

MANIFEST = "manifest.json"
DUMP_FILES = {"sqlite": "vigia.db", "postgresql": "vigia.pgdump"}
PG_RESTORE_OPTIONS = ("--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error")
Kind = Literal["sqlite", "postgresql"]


class BackupError(Exception):
    """Why a backup or a restore cannot go on, in words for the operator."""


class FileEntry(BaseModel):
    path: str  # relative: to the backup folder, and to VIGIA_DATA_DIR for evidence
    size: int
    sha256: str


class DatabaseEntry(FileEntry):
    kind: Kind
    alembic_revision: str


class Problem(BaseModel):
    evidence_id: int
    path: str
    problem: Literal["missing", "altered"]


class Manifest(BaseModel):
    format: Literal[1] = 1
    created_at: datetime
    vigia_version: str
    database: DatabaseEntry
    files: list[FileEntry]
    problems: list[Problem] = []


@dataclass(frozen=True)
class Kept:
    """An evidence row that still has its file."""

    evidence_id: int
    path: str
    sha256: str


@dataclass(frozen=True)
class Snapshot:
    revision: str
    kept: list[Kept]


# --- the commands ---------------------------------------------------------------------------------


async def backup_command(services: Services, out: Path) -> int:
    try:
        manifest = await backup(services, out)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    database = manifest.database
    print(
        f"{out}: {database.kind} database at schema {database.alembic_revision} ({database.size} bytes), "
        f"{len(manifest.files)} evidence files ({sum(entry.size for entry in manifest.files)} bytes); "
        f"hashes in {out / MANIFEST}"
    )
    for problem in manifest.problems:
        print(f"evidence {problem.evidence_id} ({problem.path}) {problem.problem}: not in the backup", file=sys.stderr)
    return 1 if manifest.problems else 0


async def restore_command(services: Services, source: Path, force: bool) -> int:
    try:
        manifest = await restore(services, source, force=force)
    except BackupError as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"restored the {manifest.database.kind} database at schema {manifest.database.alembic_revision} and "
        f"{len(manifest.files)} evidence files from {source} (backup of {manifest.created_at:%Y-%m-%d %H:%M} UTC); "
        "start the bot: it applies any newer migrations"
    )
    for problem in manifest.problems:
        print(f"evidence {problem.evidence_id} ({problem.path}) was {problem.problem} at backup time", file=sys.stderr)
    return 0


# --- backup ---------------------------------------------------------------------------------------


async def backup(services: Services, out: Path) -> Manifest:
    """Write the backup into `out`, which must be new or empty: a backup never overwrites another."""
    await asyncio.to_thread(_new_folder, out)
    db, kind = services.db, _kind(services.db)
    dump = out / DUMP_FILES[kind]
    if kind == "sqlite":
        snapshot = await asyncio.to_thread(_sqlite_backup, _sqlite_path(db), dump)
    else:
        snapshot = await _pg_dump(db, dump)
    files, problems = await asyncio.to_thread(_copy_evidence, services.settings.data_dir, out, snapshot.kept)
    entry = await asyncio.to_thread(_entry, out, dump.name)
    manifest = Manifest(
        created_at=services.now(),
        vigia_version=version("vigia"),
        database=DatabaseEntry(kind=kind, alembic_revision=snapshot.revision, **entry.model_dump()),
        files=files,
        problems=problems,
    )
    (out / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return manifest


def _new_folder(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty; give a new folder for each backup")
    out.mkdir(parents=True, exist_ok=True)


def _sqlite_backup(source: Path, target: Path) -> Snapshot:
    """The whole database in one backup step: a copy of one moment, while the bot keeps writing."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return _read_snapshot(connection)
    finally:
        engine.dispose()


async def _pg_dump(db: Database, target: Path) -> Snapshot:
    """pg_dump reads through our transaction's exported snapshot, which stays open until it is done."""
    pg_dump = _tool("pg_dump")
    async with db.engine.connect() as connection:
        await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            snapshot_id = (await connection.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
            await _run_tool(pg_dump, db, "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}")
            return await connection.run_sync(_read_snapshot)


def _read_snapshot(connection: Connection) -> Snapshot:
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None:
        raise BackupError("the database has no schema yet (vigia db upgrade creates it): nothing to back up")
    statement = (
        select(Evidence.id, Evidence.path, Evidence.sha256)
        .where(col(Evidence.purged_at).is_(None))
        .order_by(col(Evidence.id))
    )
    return Snapshot(revision, [Kept(*row) for row in connection.execute(statement)])


def _copy_evidence(data_dir: Path, out: Path, kept: Iterable[Kept]) -> tuple[list[FileEntry], list[Problem]]:
    """Each file once (rows with identical bytes share one), checked against its row's hash."""
    files: dict[str, FileEntry] = {}
    problems: list[Problem] = []
    for row in kept:
        if row.path in files and files[row.path].sha256 == row.sha256:
            continue
        outcome = _copy_one(data_dir, out, row)
        if isinstance(outcome, Problem):
            problems.append(outcome)
        else:
            files[row.path] = outcome
    return list(files.values()), problems


def _copy_one(data_dir: Path, out: Path, row: Kept) -> FileEntry | Problem:
    """Hash the copy, not the original: what is verified is what the backup holds."""
    relative = _relative(row.path)
    source = data_dir / relative
    if not source.is_file():
        return Problem(evidence_id=row.evidence_id, path=row.path, problem="missing")
    target = out / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    entry = _entry(out, row.path)
    if entry.sha256 != row.sha256:
        target.unlink()
        return Problem(evidence_id=row.evidence_id, path=row.path, problem="altered")
    return entry


def _entry(root: Path, relative: str) -> FileEntry:
    path = root / relative
    return FileEntry(path=relative, size=path.stat().st_size, sha256=sha256_file(path))


# --- restore --------------------------------------------------------------------------------------


async def restore(services: Services, source: Path, *, force: bool) -> Manifest:
    """Verify the whole backup first and refuse an occupied database; only then write: evidence
    files first, the database last, so an interrupted restore never leaves a database whose
    files are not there yet."""
    manifest = await asyncio.to_thread(_verified_manifest, source)
    kind = _kind(services.db)
    if manifest.database.kind != kind:
        raise BackupError(f"the backup holds a {manifest.database.kind} database, but DATABASE_URL names {kind}")
    _known_revision(manifest.database.alembic_revision)
    if kind == "sqlite":
        await _restore_sqlite(services, manifest, source, force)
    else:
        await _restore_postgres(services, manifest, source, force)
    return manifest


def _verified_manifest(source: Path) -> Manifest:
    """Every file there, with its size and SHA-256: a damaged or tampered backup restores nothing."""
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} not found: not a Vigía backup, or one that was interrupted")
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise BackupError(f"{path} is not a Vigía manifest: {exc.errors()[0]['msg']}") from None
    wrong = []
    for entry in (manifest.database, *manifest.files):
        copy = source / _relative(entry.path)
        if not copy.is_file():
            wrong.append(f"{entry.path}: missing")
        elif copy.stat().st_size != entry.size or sha256_file(copy) != entry.sha256:
            wrong.append(f"{entry.path}: does not match its SHA-256 in the manifest")
    if wrong:
        raise BackupError("the backup does not match its manifest; nothing was restored:\n  " + "\n  ".join(wrong))
    return manifest


def _known_revision(revision: str) -> None:
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        raise BackupError(f"the backup's schema {revision} is newer than this Vigía: upgrade Vigía first") from None


async def _restore_sqlite(services: Services, manifest: Manifest, source: Path, force: bool) -> None:
    database = _sqlite_path(services.db)
    if database.exists() and not force:
        raise BackupError(f"{database} exists; stop the bot and add --force to replace it")
    await asyncio.to_thread(_place_files, source, services.settings.data_dir, manifest.files)
    await asyncio.to_thread(_place_sqlite, source / manifest.database.path, database)


async def _restore_postgres(services: Services, manifest: Manifest, source: Path, force: bool) -> None:
    db, dump = services.db, source / manifest.database.path
    if await _has_schema(db) and not force:
        raise BackupError(f"{db.safe_url} already holds Vigía's tables; stop the bot and add --force to replace them")
    await asyncio.to_thread(_place_files, source, services.settings.data_dir, manifest.files)
    await db.dispose()  # no connection of ours in the way of pg_restore's DROPs
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        command = shlex.join(["pg_restore", *PG_RESTORE_OPTIONS, f"--dbname={_libpq(db)[0]}", str(dump)])
        raise BackupError(
            "the evidence files are in place, but pg_restore is not on PATH: install the PostgreSQL client "
            f"tools, or restore the database elsewhere with (password in PGPASSWORD):\n  {command}"
        )
    await _run_tool(pg_restore, db, *PG_RESTORE_OPTIONS, str(dump))


async def _has_schema(db: Database) -> bool:
    async with db.engine.connect() as connection:
        return await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))


def _place_files(source: Path, data_dir: Path, files: Iterable[FileEntry]) -> None:
    """A file already there with the right hash stays; any other is replaced in one rename."""
    for entry in files:
        target = data_dir / _relative(entry.path)
        if target.is_file() and sha256_file(target) == entry.sha256:
            continue
        os.replace(_staged_copy(source / entry.path, target), target)


def _place_sqlite(dump: Path, database: Path) -> None:
    """The old database's WAL and shared memory go too: SQLite would replay that WAL onto the
    restored file and corrupt it."""
    staged = _staged_copy(dump, database)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.replace(staged, database)


def _staged_copy(source: Path, target: Path) -> Path:
    """A copy beside `target`, on its file system, ready to be renamed over it at once."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(source, staged)
    return staged


# --- shared ---------------------------------------------------------------------------------------


def _kind(db: Database) -> Kind:
    return "sqlite" if db.url.get_backend_name() == "sqlite" else "postgresql"


def _sqlite_path(db: Database) -> Path:
    return Path(db.url.database or "")


def _relative(path: str) -> PurePosixPath:
    """A path inside the folder: a manifest anyone can edit must not make restore write elsewhere."""
    relative = PurePosixPath(path)
    if not relative.parts or relative.is_absolute() or ".." in relative.parts:
        raise BackupError(f"{path!r} is not a path inside the backup")
    return relative


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client tools (apt-get install postgresql-client), "
            "of the server's major version or newer"
        )
    return found


def _libpq(db: Database) -> tuple[str, dict[str, str]]:
    """The connection for PostgreSQL's own tools; the password travels in the environment, not on
    the command line, where `ps` would show it."""
    url = db.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


async def _run_tool(program: str, db: Database, *args: str) -> None:
    dsn, env = _libpq(db)
    process = await asyncio.create_subprocess_exec(
        program, *args, f"--dbname={dsn}", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{Path(program).name} failed: {redact(err.decode(errors='replace').strip())}")
