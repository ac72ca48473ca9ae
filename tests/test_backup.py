"""`vigia backup` and `vigia restore`: a consistent copy while the bot writes, and a restore that
puts back exactly that, or refuses a backup that does not match its manifest."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot import audit
from bot.backup import BackupError, Manifest, backup, backup_command, restore
from bot.cameras.evidence import keep, sha256_file
from bot.services import Services
from bot.settings import Settings
from bot.unit_config import load_unit_config
from storage.db import Database
from storage.evidence import Evidence, EvidenceKind
from tests.conftest import NO_POSTGRES, POSTGRES_URL, TEST_ENV
from tests.fake_telegram import DEFAULT_TOKEN, FakeTelegram
from tests.test_cli import environment, vigia

WAIT_S = 10


@pytest.fixture
async def make_services(unit_file: Path) -> AsyncIterator[Callable[[Path, str | None], Services]]:
    """Services of a deployment whose data lives in `data_dir` (SQLite there unless a URL is given)."""
    made: list[Services] = []

    def make(data_dir: Path, database_url: str | None = None) -> Services:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
            VIGIA_CONFIG=str(unit_file),
            VIGIA_DATA_DIR=str(data_dir),
            DATABASE_URL=database_url,
        )
        services = Services(
            settings, load_unit_config(unit_file, env=TEST_ENV), Database(settings.database_url_or_default)
        )
        made.append(services)
        return services

    yield make
    for services in made:
        await services.db.dispose()
        await services.cameras.aclose()


async def keep_photo(services: Services, content: bytes) -> Evidence:
    return await keep(services, content, kind=EvidenceKind.PHOTO, captured_at=services.now(), requester=None)


class Writer:
    """The bot at work: a task that keeps storing evidence (file, row and audit entry) until cancelled."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.written = 0
        self._changed = asyncio.Condition()

    async def run(self) -> None:
        while True:
            await keep_photo(self.services, f"written while backing up {self.written}".encode() * 500)
            async with self._changed:
                self.written += 1
                self._changed.notify_all()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(WAIT_S), self._changed:
            await self._changed.wait_for(lambda: self.written >= count)


async def evidence_rows(db: Database) -> list[dict]:
    async with db.read() as session:
        rows = (await session.exec(select(Evidence).order_by(col(Evidence.id)))).all()
    return [row.model_dump() for row in rows]


def kept_paths(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {path for (path,) in connection.execute("SELECT path FROM evidence WHERE purged_at IS NULL")}


async def test_it_backs_up_while_a_writer_writes_and_restores_the_same_rows_and_files(
    make_services: Callable[..., Services], tmp_path: Path
) -> None:
    live = make_services(tmp_path / "live")
    await live.db.upgrade()
    for number in range(20):
        await keep_photo(live, f"picture {number}".encode() * 4000)
    await keep_photo(live, b"picture 0" * 4000)  # identical bytes: a second row, the same file
    writer = Writer(live)
    writing = asyncio.create_task(writer.run())
    try:
        await writer.wait_for(3)
        before = writer.written
        manifest = await backup(live, tmp_path / "backup")
        during = writer.written - before
        await writer.wait_for(writer.written + 3)  # and after it, undisturbed
    finally:
        writing.cancel()
        with suppress(asyncio.CancelledError):
            await writing

    copy = tmp_path / "backup" / "vigia.db"
    assert during > 0, "the backup left the event loop free: the bot wrote meanwhile"
    assert manifest.problems == [] and manifest.database.kind == "sqlite"
    assert manifest.database.sha256 == sha256_file(copy)
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert {entry.path for entry in manifest.files} == kept_paths(copy), "exactly the files its database refers to"
    for entry in manifest.files:
        assert sha256_file(tmp_path / "backup" / entry.path) == entry.sha256 == Path(entry.path).stem
    on_disk = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["database"]["alembic_revision"] and on_disk["vigia_version"] and on_disk["created_at"]

    restored = make_services(tmp_path / "restored")
    await restore(restored, tmp_path / "backup", force=False)

    rows = await evidence_rows(restored.db)
    assert len(rows) >= 21 + 3, "the rows there when the backup began"
    assert rows == (await evidence_rows(live.db))[: len(rows)], "the live rows up to the backup's moment"
    for entry in manifest.files:
        path = Path(entry.path)
        assert (tmp_path / "restored" / path).read_bytes() == (tmp_path / "live" / path).read_bytes()
    assert (await audit.verify(restored.db)).intact


async def test_it_refuses_to_restore_a_tampered_backup(make_services: Callable[..., Services], tmp_path: Path) -> None:
    live = make_services(tmp_path / "live")
    await live.db.upgrade()
    for number in range(3):
        await keep_photo(live, f"picture {number}".encode())
    manifest = await backup(live, tmp_path / "backup")
    target = make_services(tmp_path / "restored")

    picture = tmp_path / "backup" / manifest.files[1].path
    original = picture.read_bytes()
    picture.write_bytes(original.replace(b"1", b"7"))
    with pytest.raises(BackupError, match=f"{manifest.files[1].path}: does not match its SHA-256"):
        await restore(target, tmp_path / "backup", force=False)
    picture.write_bytes(original)
    with (tmp_path / "backup" / "vigia.db").open("ab") as database:
        database.write(b"\0")
    with pytest.raises(BackupError, match=r"vigia\.db: does not match its SHA-256"):
        await restore(target, tmp_path / "backup", force=False)

    assert list((tmp_path / "restored").rglob("*")) == [], "nothing was written"
    with pytest.raises(BackupError, match="is not empty"):
        await backup(live, tmp_path / "backup")


@pytest.mark.parametrize(
    ("field", "value", "refusal"),
    [
        ("alembic_revision", "ffff", "schema ffff is newer than this Vigía"),
        ("kind", "postgresql", "holds a postgresql database, but DATABASE_URL names sqlite"),
    ],
)
async def test_it_refuses_a_backup_of_a_newer_vigia_or_of_the_other_database_kind(
    make_services: Callable[..., Services], tmp_path: Path, field: str, value: str, refusal: str
) -> None:
    live = make_services(tmp_path / "live")
    await live.db.upgrade()
    await backup(live, tmp_path / "backup")
    manifest_file = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["database"][field] = value
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(BackupError, match=refusal):
        await restore(make_services(tmp_path / "restored"), tmp_path / "backup", force=False)
    assert list((tmp_path / "restored").rglob("*")) == []


async def test_it_reports_missing_and_altered_evidence_instead_of_copying_them(
    make_services: Callable[..., Services], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = make_services(tmp_path / "live")
    await live.db.upgrade()
    lost, altered, good = [await keep_photo(live, f"picture {number}".encode()) for number in range(3)]
    (tmp_path / "live" / lost.path).unlink()
    (tmp_path / "live" / altered.path).write_bytes(b"someone edited this picture")

    assert await backup_command(live, tmp_path / "backup") == 1

    manifest = Manifest.model_validate_json((tmp_path / "backup" / "manifest.json").read_bytes())
    assert [(p.evidence_id, p.problem) for p in manifest.problems] == [(lost.id, "missing"), (altered.id, "altered")]
    assert [entry.path for entry in manifest.files] == [good.path]
    assert not (tmp_path / "backup" / altered.path).exists()
    err = capsys.readouterr().err
    assert (
        f"evidence {lost.id} ({lost.path}) missing" in err and f"evidence {altered.id} ({altered.path}) altered" in err
    )


async def test_it_never_overwrites_a_backup_or_a_database_unless_forced(
    fake_telegram: FakeTelegram, tmp_path: Path, unit_file: Path
) -> None:
    env = environment(fake_telegram, tmp_path, unit_file)
    assert (await vigia(env, "db", "upgrade"))[0] == 0

    code, out, _ = await vigia(env, "backup", "--out", str(tmp_path / "backup"))
    assert code == 0 and "sqlite database at schema" in out

    code, _, err = await vigia(env, "restore", "--from", str(tmp_path / "backup"))
    assert code == 1 and "exists; stop the bot and add --force" in err
    (tmp_path / "cli.db-wal").write_bytes(b"a stale WAL that must not be replayed onto the restored file")
    code, out, _ = await vigia(env, "restore", "--from", str(tmp_path / "backup"), "--force")
    assert code == 0 and "restored the sqlite database" in out
    assert sha256_file(tmp_path / "cli.db") == sha256_file(tmp_path / "backup" / "vigia.db")
    assert not (tmp_path / "cli.db-wal").exists()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_it_backs_up_and_restores_postgresql_with_pg_dump(
    make_services: Callable[..., Services], tmp_path: Path, database_url: str
) -> None:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not on PATH (apt-get install postgresql-client)")
    live = make_services(tmp_path / "live", database_url)
    await live.db.upgrade()
    for number in range(3):
        await keep_photo(live, f"picture {number}".encode())
    writer = Writer(live)
    writing = asyncio.create_task(writer.run())
    try:
        await writer.wait_for(2)
        manifest = await backup(live, tmp_path / "backup")
    finally:
        writing.cancel()
        with suppress(asyncio.CancelledError):
            await writing
    backed_up = await evidence_rows(live.db)
    later = await keep_photo(live, b"taken after the backup")

    assert manifest.database.kind == "postgresql" and manifest.problems == []
    with pytest.raises(BackupError, match="already holds Vigía's tables"):
        await restore(live, tmp_path / "backup", force=False)

    target = make_services(tmp_path / "restored", database_url)
    await restore(target, tmp_path / "backup", force=True)

    rows = await evidence_rows(target.db)
    assert rows == backed_up[: len(rows)] and len(rows) >= 3 + 2 and later.id not in [row["id"] for row in rows]
    assert {entry.path for entry in manifest.files} == {row["path"] for row in rows}
    for entry in manifest.files:
        assert sha256_file(tmp_path / "restored" / entry.path) == entry.sha256
    assert (await audit.verify(target.db)).intact
