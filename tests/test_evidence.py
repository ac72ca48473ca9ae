"""Evidence retention: old files go, files of open cases stay, and the rows keep the history."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot import fallas_board
from bot.cameras.evidence import enforce_retention, keep, register_case_source, unregister_case_source
from bot.fallas import Target
from storage.audit import AuditEntry
from storage.db import Database
from storage.evidence import Evidence, EvidenceKind
from storage.people import Person
from storage.sites import Camera
from tests.harness import BotHarness


@pytest.fixture
def anomalies_open() -> Iterator[set[str]]:
    """A stand-in for the anomalies workflow: the refs in this set are the open anomalies."""
    open_refs: set[str] = set()

    async def provider(_db: Database) -> set[str]:
        return set(open_refs)

    register_case_source("anomalia", provider)
    yield open_refs
    unregister_case_source("anomalia")


async def kept(bot: BotHarness, content: bytes, case_ref: str | None = None) -> Evidence:
    async with bot.services.db.read() as session:
        camera = (await session.exec(select(Camera))).first()
        ana = (await session.exec(select(Person).where(Person.key == "tec.ana"))).one()
    assert camera is not None
    return await keep(
        bot.services,
        content,
        kind=EvidenceKind.PHOTO,
        captured_at=bot.services.now(),
        requester=ana,
        camera_id=camera.id,
        site_id=camera.site_id,
        case_ref=case_ref,
    )


async def test_retention_purges_old_files_but_keeps_open_cases(bot: BotHarness, anomalies_open: set[str]) -> None:
    anomalies_open.add("anomalia:7")
    plain = await kept(bot, b"plain old picture")
    open_case = await kept(bot, b"picture of an open anomaly", "anomalia:7")
    closed_case = await kept(bot, b"picture of a closed anomaly", "anomalia:3")
    unknown_kind = await kept(bot, b"picture of a new kind of case", "nuevo:12")  # a prefix nobody registered
    bot.clock.advance(timedelta(days=89))
    recent = await kept(bot, b"a picture from yesterday")
    bot.clock.advance(timedelta(days=2))  # the first four are now 91 days old, past the default 90

    await bot.run_job("evidence.retention")

    data_dir = bot.services.settings.data_dir
    async with bot.services.db.read() as session:
        rows = {row.id: row for row in (await session.exec(select(Evidence))).all()}
        audit = (await session.exec(select(AuditEntry).where(AuditEntry.action == "camaras.retention"))).one()
    assert [i for i, row in rows.items() if row.purged_at is not None] == [plain.id, closed_case.id]
    for row in (plain, closed_case):
        assert not (data_dir / row.path).exists()
    for row in (open_case, unknown_kind, recent):
        assert (data_dir / row.path).read_bytes()
    assert '"count": 2' in audit.detail

    anomalies_open.clear()  # the anomaly is closed: its pictures may go on the next run
    await bot.run_job("evidence.retention")
    async with bot.services.db.read() as session:
        assert (await session.get(Evidence, open_case.id)).purged_at is not None  # type: ignore[union-attr]


async def test_a_resolved_faults_old_evidence_goes_and_an_open_ones_stays(bot: BotHarness) -> None:
    """Frames kept under a fault's number (the monitor's, a vendor's attachments) are the fault's
    evidence: kept past retention while it is open, purged like any other once it is resolved."""
    async with bot.services.db.read() as session:
        ana = (await session.exec(select(Person).where(Person.key == "tec.ana"))).one()
    resolved, _ = await fallas_board.file(bot.services, Target("camara", "hachadura", "hachadura-1"), "Sin imagen", ana)
    still_open, _ = await fallas_board.file(bot.services, Target("siram", None, None), "Lecturas detenidas", ana)
    gone = await kept(bot, b"frame of a fault since resolved", f"falla:{resolved.number}")
    stays = await kept(bot, b"frame of a fault still open", f"falla:{still_open.number}")
    await fallas_board.resolve(bot.services, resolved.id, ana, "Se cambió la fuente de poder", "camara")  # type: ignore[arg-type]
    bot.clock.advance(timedelta(days=91))

    assert await enforce_retention(bot.services) == [gone.id]
    assert not (bot.services.settings.data_dir / gone.path).exists()
    assert (bot.services.settings.data_dir / stays.path).read_bytes() == b"frame of a fault still open"


async def test_identical_bytes_share_one_file_until_the_last_row_goes(bot: BotHarness) -> None:
    old = await kept(bot, b"the same black frame")
    bot.clock.advance(timedelta(days=60))
    new = await kept(bot, b"the same black frame")
    assert old.path == new.path and old.sha256 == hashlib.sha256(b"the same black frame").hexdigest()
    bot.clock.advance(timedelta(days=31))
    await bot.run_job("evidence.retention")
    assert (bot.services.settings.data_dir / new.path).exists(), "the newer row still needs the file"
    mark, _ = await bot.send("jefe.marta", f"/evidencia {old.id}")
    purged = await bot.fake.wait_for("sendMessage", after=mark)
    assert f"La evidencia #{old.id} se eliminó el" in purged.params["text"]
    mark, _ = await bot.send("jefe.marta", f"/evidencia {new.id}")
    resent = await bot.fake.wait_for("sendDocument", after=mark)
    assert resent.files["document"] == b"the same black frame"


async def test_a_missing_file_is_reported_not_sent(bot: BotHarness) -> None:
    row = await kept(bot, b"soon gone")
    (bot.services.settings.data_dir / row.path).unlink()
    answer = await bot.ask("coord.carlos", f"/evidencia #{row.id}")
    assert "no está en el servidor" in answer.params["text"]


async def test_evidence_queries_on_each_database(db: Database) -> None:
    """The storage side alone, on SQLite and PostgreSQL: UTC times, cursors, shared files."""
    from datetime import UTC, datetime

    from storage.evidence import expired, last_capture, shared_file
    from storage.sites import Site

    start = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    async with db.write() as session:
        site = Site(code="hachadura", name="La Hachadura", kind="frontera_terrestre")
        session.add(site)
        await session.flush()
        camera = Camera(code="hachadura-1", name="La Hachadura 1", site_id=site.id)  # type: ignore[arg-type]
        session.add(camera)
        await session.flush()
        for day, sha in ((0, "a" * 64), (1, "a" * 64), (50, "b" * 64)):
            session.add(
                Evidence(
                    kind="photo",
                    camera_id=camera.id,
                    site_id=site.id,
                    sha256=sha,
                    size_bytes=10,
                    captured_at=start + timedelta(days=day),
                    path=f"evidence/{sha[:2]}/{sha}.jpg",
                )
            )
    async with db.read() as session:
        assert await last_capture(session, camera.id) == start + timedelta(days=50)  # type: ignore[arg-type]
        old = await expired(session, start + timedelta(days=10))
        assert [row.captured_at for row in old] == [start, start + timedelta(days=1)]
        assert await expired(session, start + timedelta(days=10), after_id=old[-1].id) == []  # type: ignore[arg-type]
        assert await shared_file(session, "a" * 64, except_id=old[0].id)  # type: ignore[arg-type]
        assert not await shared_file(session, "b" * 64, except_id=old[0].id + 2)  # type: ignore[operator]
