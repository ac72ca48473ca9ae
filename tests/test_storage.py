"""Storage on SQLite and PostgreSQL: migrations, UTC times, the audit chain, the directory, linking."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from bot import access, audit
from bot.access import LinkOutcome
from bot.directory import sync_directory
from bot.unit_config import load_unit_config
from storage.audit import AuditEntry
from storage.db import Database, WriteTurns, alembic_config
from storage.people import all_people
from storage.types import UTCDateTime
from tests.conftest import TEST_ENV, UNIT_YAML

NOON = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


async def test_it_reports_pending_migrations_until_upgraded(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert await database.pending_migrations()
        await database.upgrade()
        assert not await database.pending_migrations()
        await database.upgrade()  # idempotent
    finally:
        await database.dispose()


def migrate(step: Callable[..., None], revision: str) -> Callable[[Connection], None]:
    """An Alembic command (upgrade, downgrade) to `revision`, run on an open connection."""
    return lambda connection: step(alembic_config(connection), revision)


async def test_report_observations_written_one_per_line_become_a_list(database_url: str) -> None:
    """Migration 0014: observations stored one per line (before) read back as a JSON list, blank
    lines dropped, and back again on downgrade."""
    database = Database(database_url)
    report = (
        "INSERT INTO report (period, version, generated_at, observations, pdf_evidence_id, xlsx_evidence_id,"
        " pdf_sha256) VALUES ('2026-11-Q2', 1, :at, :observations, :evidence, :evidence, 'x')"
    )
    evidence = (
        "INSERT INTO evidence (sha256, path, size_bytes, kind, captured_at, case_ref) "
        "VALUES ('x', 'x.pdf', 1, 'document', :at, 'informe:R-2026-11-Q2')"
    )

    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(migrate(command.upgrade, "0013"))
            await connection.execute(text(evidence), {"at": NOON})
            evidence_id = (await connection.execute(text("SELECT max(id) FROM evidence"))).scalar_one()
            await connection.execute(text(report), {"at": NOON, "observations": "Uno\n\nDos", "evidence": evidence_id})
            await connection.run_sync(migrate(command.upgrade, "0014"))
            assert (await connection.execute(text("SELECT observations FROM report"))).scalar_one() == '["Uno", "Dos"]'
            await connection.run_sync(migrate(command.downgrade, "0013"))
            assert (await connection.execute(text("SELECT observations FROM report"))).scalar_one() == "Uno\nDos"
    finally:
        await database.dispose()


async def test_justified_cases_count_as_reminded_and_escalated_when_the_chase_starts_following_them(
    database_url: str,
) -> None:
    """Migration 0015: an open justificada case was never stamped (the chase left it), so the first run
    after the chase took it up would remind and escalate every one at once: the migration stamps what is
    missing with its run time, keeps a stamp already there, and leaves other cases alone."""
    database = Database(database_url)
    stamps = ("justification_reminded_at", "justification_escalated_at")
    anomaly = sa.table(
        "anomaly",
        *(sa.column(c) for c in ("year", "seq", "site_code", "cameras", "category", "description", "reporter_id")),
        sa.column("status", sa.String),
        sa.column("created_at", UTCDateTime()),
        *(sa.column(stamp, UTCDateTime()) for stamp in stamps),
    )
    person = "INSERT INTO person (key, name, role, language, active) VALUES ('luis', 'Luis', 'admin', 'es', true)"
    cases = {1: ("abierta", None), 2: ("justificada", None), 3: ("justificada", NOON), 4: ("cerrada", None)}
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(migrate(command.upgrade, "0014"))
            await connection.execute(text(person))
            reporter = (await connection.execute(text("SELECT max(id) FROM person"))).scalar_one()
            for seq, (status, reminded) in cases.items():
                await connection.execute(
                    sa.insert(anomaly).values(
                        year=2026,
                        seq=seq,
                        site_code="hachadura",
                        cameras="",
                        category="x",
                        description="x",
                        reporter_id=reporter,
                        status=status,
                        created_at=NOON - timedelta(days=3),
                        justification_reminded_at=reminded,
                    )
                )
            before = datetime.now(UTC)
            await connection.run_sync(migrate(command.upgrade, "0015"))
            after = datetime.now(UTC)
            columns = [anomaly.c.seq, *(anomaly.c[stamp] for stamp in stamps)]
            rows = {seq: stamped for seq, *stamped in await connection.execute(sa.select(*columns))}
            assert rows[1] == rows[4] == [None, None]
            assert all(before <= at <= after for at in rows[2]) and rows[2][0] == rows[2][1]
            assert rows[3][0] == NOON and before <= rows[3][1] <= after
            await connection.run_sync(migrate(command.downgrade, "0014"))
            assert {seq: stamped for seq, *stamped in await connection.execute(sa.select(*columns))} == rows
    finally:
        await database.dispose()


async def test_it_keeps_times_in_utc_across_the_round_trip(db: Database) -> None:
    local = datetime(2026, 12, 4, 23, 30, tzinfo=UTC).astimezone()
    async with db.write() as session:
        await audit.record(session, "test.time", now=local)
    async with db.read() as session:
        stored = (await session.exec(select(AuditEntry).where(AuditEntry.action == "test.time"))).one()
    assert stored.at == local and stored.at.tzinfo is not None


async def test_it_refuses_to_rewrite_the_audit_log(db: Database) -> None:
    async with db.write() as session:
        await audit.record(session, "test.event", now=NOON)
    with pytest.raises((DBAPIError, IntegrityError), match="append-only"):
        async with db.write() as session:
            await session.exec(text("UPDATE audit_log SET action = 'forged'"))


async def _three_entries(db: Database) -> None:
    for minute in range(3):
        async with db.write() as session:
            await audit.record(session, "test.event", now=NOON + timedelta(minutes=minute), detail={"n": minute})


async def _without_guard(db: Database, statement: str) -> None:
    """What someone with raw database access could do: drop the trigger, then edit."""
    async with db.write() as session:
        if db.url.get_backend_name() == "sqlite":
            await session.exec(text("DROP TRIGGER audit_log_no_update"))
            await session.exec(text("DROP TRIGGER audit_log_no_delete"))
        else:
            await session.exec(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        await session.exec(text(statement))


async def test_it_verifies_an_intact_chain(db: Database) -> None:
    await _three_entries(db)
    result = await audit.verify(db)
    assert result.intact and result.checked == 3


async def test_rows_written_together_chain_on_one_another_and_on_the_next_unit(db: Database) -> None:
    """A unit of work reads the chain's end once and remembers its own rows (filing a report writes three)."""
    async with db.write() as session:
        for n in range(3):
            await audit.record(session, "test.together", now=NOON, detail={"n": n})
    await _three_entries(db)
    result = await audit.verify(db)
    assert result.intact and result.checked == 6


async def test_a_failed_unit_of_work_leaves_no_audit_rows_and_the_chain_goes_on(db: Database) -> None:
    """Audit rows wait for the unit's end (storage/db.append): one that fails writes none, and the next
    unit chains on the last row that did go in. Outside a unit of work they are refused plainly."""
    await _three_entries(db)
    with pytest.raises(RuntimeError, match="the unit fails"):
        async with db.write() as session:
            await audit.record(session, "test.lost", now=NOON)
            raise RuntimeError("the unit fails after its audit row")
    async with db.write() as session:
        await audit.record(session, "test.kept", now=NOON)
    async with db.read() as session:
        actions = [e.action for e in (await session.exec(select(AuditEntry).order_by(AuditEntry.id))).all()]
        with pytest.raises(RuntimeError, match=r"Database\.write"):
            await audit.record(session, "test.outside", now=NOON)
    assert "test.lost" not in actions and actions[-1] == "test.kept"
    result = await audit.verify(db)
    assert result.intact and result.checked == 4


async def test_it_finds_the_first_edited_row(db: Database) -> None:
    await _three_entries(db)
    await _without_guard(db, "UPDATE audit_log SET detail = '{\"n\": 7}' WHERE id = 2")
    result = await audit.verify(db)
    assert (result.first_bad_id, result.checked) == (2, 1)
    assert "changed" in (result.reason or "")


async def test_it_finds_a_removed_row(db: Database) -> None:
    await _three_entries(db)
    await _without_guard(db, "DELETE FROM audit_log WHERE id = 2")
    result = await audit.verify(db)
    assert result.first_bad_id == 3 and "removed" in (result.reason or "")


async def test_it_mirrors_the_unit_file_and_keeps_links(db: Database, tmp_path: Path) -> None:
    unit_path = tmp_path / "unit.yaml"
    unit_path.write_text(UNIT_YAML, encoding="utf-8")
    await sync_directory(db, load_unit_config(unit_path, env=TEST_ENV), now=NOON)
    code, _ = await access.create_invite(db, "tec.nuevo", now=NOON)
    assert (await access.redeem_invite(db, code, 5555, now=NOON))[0] is LinkOutcome.LINKED

    unit_path.write_text(
        UNIT_YAML.replace("  - {id: seg.oscar", "  - {id: seg.otro")
        .replace("security: [seg.oscar]", "security: [seg.otro]")
        .replace("Nuevo Técnico", "Nuevo Técnico Renombrado"),
        encoding="utf-8",
    )
    await sync_directory(db, load_unit_config(unit_path, env=TEST_ENV), now=NOON)
    async with db.read() as session:
        people = {p.key: p for p in await all_people(session)}
    assert people["tec.nuevo"].telegram_id == 5555 and people["tec.nuevo"].name == "Nuevo Técnico Renombrado"
    assert not people["seg.oscar"].active and people["seg.oscar"].telegram_id is None
    assert people["seg.otro"].active and people["seg.otro"].telegram_id == 1006  # the file hands the account over
    without_ana = "\n".join(line for line in UNIT_YAML.splitlines() if "id: tec.ana" not in line)
    without_ana = without_ana.replace("technicians: [tec.ana]", "technicians: []")
    unit_path.write_text(without_ana, encoding="utf-8")
    await sync_directory(db, load_unit_config(unit_path, env=TEST_ENV), now=NOON)
    assert await access.identify(db, 1001) is None  # removed from the file: no more access


async def test_linking_codes_work_once_and_expire(db: Database, unit_file: Path) -> None:
    await sync_directory(db, load_unit_config(unit_file, env=TEST_ENV), now=NOON)
    code, _ = await access.create_invite(db, "tec.nuevo", now=NOON, valid_for=timedelta(hours=1))
    assert (await access.redeem_invite(db, "not-a-code", 7777, now=NOON))[0] is LinkOutcome.UNKNOWN_CODE
    late = await access.redeem_invite(db, code, 7777, now=NOON + timedelta(hours=1))
    assert late[0] is LinkOutcome.EXPIRED_CODE
    code, _ = await access.create_invite(db, "tec.nuevo", now=NOON)
    taken = await access.redeem_invite(db, code, 1001, now=NOON)  # Ana's account
    assert taken[0] is LinkOutcome.ACCOUNT_TAKEN and taken[1] is not None and taken[1].key == "tec.ana"
    outcome, person = await access.redeem_invite(db, code, 7777, now=NOON)
    assert outcome is LinkOutcome.LINKED and person is not None and person.telegram_id == 7777
    assert (await access.redeem_invite(db, code, 8888, now=NOON))[0] is LinkOutcome.USED_CODE
    assert (await audit.verify(db)).intact


async def test_a_new_invitation_cancels_the_previous_one(db: Database, unit_file: Path) -> None:
    await sync_directory(db, load_unit_config(unit_file, env=TEST_ENV), now=NOON)
    first, _ = await access.create_invite(db, "tec.nuevo", now=NOON)
    await access.create_invite(db, "tec.nuevo", now=NOON + timedelta(minutes=1))
    assert (await access.redeem_invite(db, first, 7777, now=NOON + timedelta(minutes=2)))[0] is LinkOutcome.EXPIRED_CODE


async def test_sqlite_in_one_trip_gives_sqlalchemy_what_a_cursor_would(tmp_path: Path) -> None:
    """storage/sqlite_async.py keeps a statement's rows, counts and id from its one trip."""
    db = Database(f"sqlite:///{tmp_path / 'trip.db'}")
    try:
        async with db.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
            many = await connection.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": n} for n in "abc"])
            assert many.rowcount == 3
            assert (await connection.execute(text("INSERT INTO t (name) VALUES ('d')"))).lastrowid == 4
            assert (await connection.execute(text("INSERT INTO t (name) VALUES ('e') RETURNING id"))).scalar_one() == 5
            assert (await connection.execute(text("UPDATE t SET name = name || '!' WHERE id <= 2"))).rowcount == 2
            rows = await connection.execute(text("SELECT name FROM t ORDER BY id"))
            assert rows.fetchmany(2) == [("a!",), ("b!",)] and rows.fetchmany() == [("c",)]
            assert rows.fetchall() == [("d",), ("e",)]
            with pytest.raises(IntegrityError, match="UNIQUE"):
                await connection.execute(text("INSERT INTO t (name) VALUES ('c')"))
    finally:
        await db.dispose()


async def test_sqlite_still_rolls_back_a_failed_unit_of_work(tmp_path: Path) -> None:
    """A read session ends without a trip for its rollback (storage/sqlite_async.py); a unit of work
    that wrote and failed is still rolled back, and what it wrote never reaches the next one."""
    db = Database(f"sqlite:///{tmp_path / 'rollback.db'}")
    try:
        async with db.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (name TEXT)"))
        with pytest.raises(RuntimeError):
            async with db.write() as session:
                await session.exec(text("INSERT INTO t VALUES ('lost')"))  # type: ignore[call-overload]
                raise RuntimeError("the unit of work fails after its write")
        async with db.read() as session:
            assert (await session.exec(text("SELECT count(*) FROM t"))).one()[0] == 0  # type: ignore[call-overload]
        async with db.write() as session:
            await session.exec(text("INSERT INTO t VALUES ('kept')"))  # type: ignore[call-overload]
        async with db.read() as session:
            names = (await session.exec(text("SELECT name FROM t"))).all()  # type: ignore[call-overload]
        assert [n for (n,) in names] == ["kept"]
    finally:
        await db.dispose()


async def _writer(turns: WriteTurns, name: str, urgent: bool, order: list[str], hold: asyncio.Event) -> None:
    async with turns.turn(urgent):
        order.append(name)
        await hold.wait()


async def test_an_urgent_writer_goes_before_the_ordinary_ones_waiting_which_keep_their_order() -> None:
    """Recording that a mail went out must not wait behind a burst of reports being filed."""
    turns, hold = WriteTurns(), asyncio.Event()
    order: list[str] = []
    names = [("report 1", False), ("report 2", False), ("report 3", False), ("mail sent", True)]
    writers = [asyncio.create_task(_writer(turns, name, urgent, order, hold)) for name, urgent in names]
    async with asyncio.timeout(5):
        await _all_started()
        hold.set()
        await asyncio.gather(*writers)
    assert order == ["report 1", "mail sent", "report 2", "report 3"]


async def test_a_writer_that_gives_up_waiting_does_not_hold_up_the_next() -> None:
    """Cancelled while waiting, or just as its turn came (a handler cut short): the next one goes."""
    turns, hold = WriteTurns(), asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        await _writer(turns, "first", False, order, hold)
        handed.cancel()  # its turn has just been handed to it, and it has not run yet

    writers = [asyncio.create_task(first())] + [
        asyncio.create_task(_writer(turns, name, urgent, order, hold))
        for name, urgent in [("gave up", False), ("cancelled as its turn came", True), ("late", False)]
    ]
    gave_up, handed, late = writers[1:]
    async with asyncio.timeout(5):
        await _all_started()
        gave_up.cancel()
        hold.set()
        await asyncio.gather(writers[0], late)
    assert order == ["first", "late"] and gave_up.cancelled() and handed.cancelled()


async def _all_started() -> None:
    """Tasks made before this call take their first step before a callback queued now runs: the
    first writer is in its turn, the others are waiting for theirs."""
    loop = asyncio.get_running_loop()
    started = loop.create_future()
    loop.call_soon(started.set_result, None)
    await started
