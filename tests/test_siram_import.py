"""SIRAM exports into the database, on SQLite and PostgreSQL: all or nothing, never twice, fast;
the folder job that imports what is dropped into it; and `vigia siram import`."""

from __future__ import annotations

import os
import random
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from bot import siram
from bot.placas import SiramFileError
from bot.services import Services
from bot.settings import Settings
from bot.unit_config import Siram, load_unit_config
from storage.audit import AuditEntry
from storage.db import Database
from storage.siram import PlateRead, SiramImport
from tests.conftest import TEST_ENV
from tests.fake_telegram import FakeTelegram
from tests.harness import BotHarness
from tests.test_cli import environment, vigia

TZ = ZoneInfo("America/El_Salvador")
HEADER = "placa,fecha_hora,sitio,carril,imagen\n"
GOOD = HEADER + (
    "P 123-458,2026-12-01 08:00:00,hachadura,1,https://siram.test/a.jpg\n"
    "P12345B,2026-12-01 09:30:00,HACHADURA,2,\n"
    "P123458,2026-12-02 23:59:59,Aduana Frontera La Hachadura,1,/srv/siram/c.jpg\n"
    "C123ABC,2026-12-03 00:00:00,sanbartolo,,\n"
)
CARLOS = 1003


@pytest.fixture
async def services(db: Database, unit_file: Path, tmp_path: Path) -> AsyncIterator[Services]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN="123456789:TEST-TOKEN-aaaaaaaaaaaaaaaaaaaaaaaaa",
        VIGIA_CONFIG=str(unit_file),
        VIGIA_DATA_DIR=str(tmp_path / "data"),
    )
    built = Services(settings, load_unit_config(unit_file, env=TEST_ENV), db)
    yield built
    await built.cameras.aclose()


def export(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding, newline="")
    return path


async def counts(services: Services) -> tuple[int, int]:
    async with services.db.read() as session:
        reads = (await session.exec(select(func.count()).select_from(PlateRead))).one()
        imports = (await session.exec(select(func.count()).select_from(SiramImport))).one()
    return reads, imports


async def test_it_imports_every_read_in_utc_with_the_units_site_codes(services: Services, tmp_path: Path) -> None:
    result = await siram.import_file(services, export(tmp_path, "lecturas.csv", GOOD), "cli")
    assert (result.rows, result.duplicate, result.file_name) == (4, False, "lecturas.csv")
    async with services.db.read() as session:
        reads = (await session.exec(select(PlateRead).order_by(PlateRead.id))).all()  # type: ignore[arg-type]
        record = await session.get(SiramImport, result.import_id)
        (entry,) = (await session.exec(select(AuditEntry).where(AuditEntry.action == "siram.import"))).all()
    assert sorted((r.plate, r.plate_key, r.read_at, r.site_code, r.lane, r.image) for r in reads) == [
        ("C123ABC", "C123A8C", datetime(2026, 12, 3, 6, tzinfo=UTC), "sanbartolo", None, None),
        ("P123458", "P123458", datetime(2026, 12, 1, 14, tzinfo=UTC), "hachadura", "1", "https://siram.test/a.jpg"),
        ("P123458", "P123458", datetime(2026, 12, 3, 5, 59, 59, tzinfo=UTC), "hachadura", "1", "/srv/siram/c.jpg"),
        ("P12345B", "P123458", datetime(2026, 12, 1, 15, 30, tzinfo=UTC), "hachadura", "2", None),
    ]
    assert {r.import_id for r in reads} == {result.import_id}
    assert record is not None and (record.rows, record.source, record.sha256) == (4, "cli", result.sha256)
    assert '"rows": 4' in entry.detail and entry.object_id == str(result.import_id)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (GOOD + "P777777,2026-12-31 25:00:00,hachadura,1,\n", 6, "bad_date"),
        (GOOD + "P777777,2026-12-31 08:00:00,hachadura,1,\n  ,2026-12-31 08:00:00,hachadura,1,\n", 7, "empty_plate"),
        (GOOD.replace("imagen", "foto"), 1, "missing_column"),
    ],
    ids=["bad_date", "empty_plate", "missing_column"],
)
async def test_it_names_the_bad_line_and_imports_nothing(
    services: Services, tmp_path: Path, text: str, line: int, problem: str
) -> None:
    with pytest.raises(SiramFileError) as raised:
        await siram.import_file(services, export(tmp_path, "malo.csv", text), "cli")
    assert (raised.value.line, raised.value.problem) == (line, problem)
    assert await counts(services) == (0, 0)
    if problem == "missing_column":
        assert "no column 'imagen'" in str(raised.value) and "foto" in str(raised.value)


async def test_it_imports_nothing_when_the_bad_line_comes_after_many_good_ones(
    services: Services, tmp_path: Path
) -> None:
    rows = "".join(f"P{n:06d},2026-12-01 08:00:00,hachadura,1,\n" for n in range(45_000))  # past two chunks
    path = export(tmp_path, "largo.csv", HEADER + rows + "P999999,mañana,hachadura,1,\n")
    with pytest.raises(SiramFileError) as raised:
        await siram.import_file(services, path, "folder")
    assert raised.value.line == 45_002
    assert await counts(services) == (0, 0)


async def test_it_adds_nothing_for_a_file_imported_before(services: Services, tmp_path: Path) -> None:
    first = await siram.import_file(services, export(tmp_path, "lunes.csv", GOOD), "folder")
    again = await siram.import_file(services, export(tmp_path, "lunes-copia.csv", GOOD), "cli")
    assert again.duplicate and again.rows == 0 and again.import_id == first.import_id
    assert again.duplicate_of is not None and again.duplicate_of.file_name == "lunes.csv"
    assert await counts(services) == (4, 1)
    other = await siram.import_file(
        services, export(tmp_path, "martes.csv", GOOD + "P1,2026-12-04 08:00:00,x,,\n"), "cli"
    )
    assert not other.duplicate and await counts(services) == (9, 2)


async def test_it_reads_a_windows_export(services: Services, tmp_path: Path) -> None:
    text = HEADER + "P1,2026-12-01 08:00:00,hachadura,1,C:\\Fotos\\Peñitas\\1.jpg\n"
    await siram.import_file(services, export(tmp_path, "win.csv", text, encoding="cp1252"), "cli")
    async with services.db.read() as session:
        (read,) = (await session.exec(select(PlateRead))).all()
    assert read.image == "C:\\Fotos\\Peñitas\\1.jpg"


async def test_it_imports_a_huge_file(services: Services, tmp_path: Path) -> None:
    rng, start, count = random.Random(8), datetime(2026, 9, 1, 0, 0), 200_000
    lines = [HEADER]
    for n in range(count):
        at = start + timedelta(seconds=n * 30)
        lines.append(f"P{rng.randrange(1_000_000):06d},{at:%Y-%m-%d %H:%M:%S},hachadura,{n % 4 + 1},/img/{n}.jpg\n")
    path = export(tmp_path, "grande.csv", "".join(lines))
    began = time.perf_counter()
    result = await siram.import_file(services, path, "cli")
    spent = time.perf_counter() - began
    assert result.rows == count and await counts(services) == (count, 1)
    assert spent < 30, f"200,000 reads took {spent:.1f} s"  # the goal is a million in under 60 s
    async with services.db.read() as session:
        last = (await session.exec(select(func.max(PlateRead.read_at)))).one()
    assert last == (start + timedelta(seconds=(count - 1) * 30)).replace(tzinfo=TZ).astimezone(UTC)


async def test_it_finds_exact_reads_first_then_confusions_within_period_and_site(
    services: Services, tmp_path: Path
) -> None:
    lines = [HEADER]
    lines += [f"P123458,2026-12-01 {h:02d}:00:00,hachadura,1,\n" for h in range(24)]
    lines += [f"P12345B,2026-12-01 {h:02d}:30:00,hachadura,1,\n" for h in range(6, 14)]
    lines += ["PI2345B,2026-12-02 10:00:00,amatillo,1,\n", "P123457,2026-12-01 10:00:00,hachadura,1,\n"]
    await siram.import_file(services, export(tmp_path, "dia.csv", "".join(lines)), "cli")
    found = await siram.search(services, "p 123-458")
    assert (found.plate, found.exact_total, found.confusion_total) == ("P123458", 24, 9)
    assert len(found.exact) == 15 and len(found.confusions) == 5  # 20 shown, room kept for look-alikes
    assert found.exact[0].read_at == datetime(2026, 12, 2, 5, tzinfo=UTC)  # 23:00 local, the newest
    assert [r.plate for r in found.confusions] == ["PI2345B"] + ["P12345B"] * 4
    assert all(a.read_at >= b.read_at for a, b in zip(found.exact, found.exact[1:], strict=False))
    # 08:00 to 09:59 local, La Hachadura only: the period's bounds are inclusive, then exclusive
    start, end = datetime(2026, 12, 1, 14, tzinfo=UTC), datetime(2026, 12, 1, 16, tzinfo=UTC)
    window = await siram.search(services, "P12345B", start, end, "hachadura")
    assert (window.plate, window.exact_total, window.confusion_total) == ("P12345B", 2, 2)
    assert [r.plate for r in window.exact + window.confusions] == ["P12345B", "P12345B", "P123458", "P123458"]
    morning = await siram.search(services, "P123458", start, end)
    assert len(morning.exact) == 2 and len(morning.confusions) == 2
    nothing = await siram.search(services, "P000000")
    assert (nothing.exact_total, nothing.confusion_total, nothing.exact, nothing.confusions) == (0, 0, [], [])


async def test_it_imports_the_folder_moves_each_file_and_tells_the_coordinators(
    bot: BotHarness, tmp_path: Path
) -> None:
    folder = tmp_path / "siram"
    folder.mkdir()
    bot.services.unit = bot.services.unit.model_copy(update={"siram": Siram(import_folder=folder)})
    good = export(folder, "buena.csv", GOOD)
    bad = export(folder, "mala.csv", HEADER + "P1,2026-12-01 08:00:00,hachadura,1,\nP2,ayer,hachadura,1,\n")
    seen = export(folder, "repetida.csv", GOOD)  # the same reads as buena.csv: imported, adds nothing
    fresh = export(folder, "copiandose.csv", GOOD.replace("P 123", "P 999"))  # still being copied in
    ignored = export(folder, "notas.txt", "no es un export")
    old = time.time() - 120
    for path in (good, bad, seen, ignored):
        os.utime(path, (old, old))
    mark = bot.fake.mark()
    await bot.run_job("siram.import_folder")
    assert sorted(p.name for p in (folder / "importados").iterdir()) == ["buena.csv", "repetida.csv"]
    assert sorted(p.name for p in (folder / "rechazados").iterdir()) == ["mala.csv", "mala.csv.error.txt"]
    assert (
        (folder / "rechazados" / "mala.csv.error.txt")
        .read_text(encoding="utf-8")
        .startswith("mala.csv: line 3: 'ayer' in column 'fecha_hora' is not a date and time like 2026-12-01 08:30:00")
    )
    assert fresh.exists() and ignored.exists()
    told = await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="mala.csv")
    assert (
        "Línea 3: «ayer» en la columna «fecha_hora» no es una fecha y hora como 2026-12-01 08:30:00"
        in (told.params["text"])
    )
    assert "rechazados" in told.params["text"] and "no se importó nada" in told.params["text"]
    assert await counts(bot.services) == (4, 1)
    os.utime(fresh, (old, old))
    await bot.run_job("siram.import_folder")
    assert not fresh.exists() and (folder / "importados" / "copiandose.csv").exists()
    assert await counts(bot.services) == (8, 2)
    export(folder, "buena.csv", GOOD.replace("P 123", "P 555"))  # a new export with a name already used
    os.utime(folder / "buena.csv", (old, old))
    await bot.run_job("siram.import_folder")
    assert (folder / "importados" / "buena-2.csv").exists() and await counts(bot.services) == (12, 3)


async def test_it_imports_from_the_command_line(fake_telegram: FakeTelegram, tmp_path: Path, unit_file: Path) -> None:
    env = environment(fake_telegram, tmp_path, unit_file)
    code, out, _ = await vigia(env, "siram", "import", str(export(tmp_path, "dia.csv", GOOD)))
    assert code == 0 and out.strip().endswith("dia.csv: 4 reads imported (import #1)")
    code, out, _ = await vigia(env, "siram", "import", str(tmp_path / "dia.csv"))
    assert code == 0 and "already imported on" in out and "nothing added" in out
    bad = export(tmp_path, "mala.csv", GOOD + "P1,2026-12-01 08:00:00,hachadura,1\n")
    code, _, err = await vigia(env, "siram", "import", str(bad))
    assert code == 1 and "mala.csv: line 6: 4 fields where the header has 5; nothing was imported" in err
    code, _, err = await vigia(env, "siram", "import", str(tmp_path / "no-existe.csv"))
    assert code == 1 and "no-existe.csv: No such file or directory" in err
