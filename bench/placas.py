"""SIRAM reads at scale: import a million-read export, then search it, on SQLite and PostgreSQL.

A border post's readers make tens of thousands of reads a day; a million is a few months of the
whole unit, and the ceiling an import must still handle in under a minute. The export is
generated from a fixed seed: 100,000 plates in Salvadoran and neighbouring formats, read over 90
days at 8 sites and 4 lanes, and 4% of the reads misread (a digit read as its look-alike letter,
"P123458" as "P12345B").

Then 200 exact searches (a plate that was read, its whole history) and 200 fuzzy ones (the plate
typed with a look-alike letter, so every read found is a confusion match; half of them with a
period and a site). Timed is `bot.siram.search`, as /placa calls it, without the audit row.

Prints a human table, then a last line with one JSON object per backend: `import_s`,
`search_p95_ms`, `fuzzy_search_p95_ms`, `db_mb` (goals: import < 60 s, p95 < 50 ms exact and
< 200 ms fuzzy). PostgreSQL runs in a fresh database created and dropped by the script, at
VIGIA_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test); `--backends sqlite`
skips it.

Run: .venv/bin/python bench/placas.py [--rows 1000000] [--searches 200] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bot_process import in_process_services
from bot import siram
from bot.placas import CONFUSIONS
from bot.services import Services
from storage.db import Database

TZ = ZoneInfo("America/El_Salvador")
POSTGRES_URL = os.environ.get("VIGIA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SITES = ("hachadura", "sancristobal", "amatillo", "anguiatu", "elpoy", "sanbartolo", "acajutla", "aerea")
UNIT = """\
group: {chat_id: -1001}
people: [{id: tec.bench, name: Bench, role: tecnico}]
sites:
"""
UNIT += "".join(f"  - {{code: {code}, name: Aduana {code.capitalize()}, kind: otra}}\n" for code in SITES)
UNIT += 'shifts: [{name: dia, start: "00:00", end: "00:00"}]\n'
LOOK_ALIKE = {digit: letter for letter, digit in CONFUSIONS.items()}  # "8" → "B"
FIRST = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)
DAYS = 90
MISREAD = 0.04


def plates(rng: random.Random, count: int) -> list[str]:
    """Salvadoran plates (P 123-456 and the other classes) and some from the neighbours (C 123ABC)."""
    found: set[str] = set()
    while len(found) < count:
        kind = rng.random()
        if kind < 0.70:
            found.add(f"P{rng.randint(0, 999999):06d}")
        elif kind < 0.85:
            found.add(f"{rng.choice(('C', 'A', 'M', 'N', 'O', 'MB'))}{rng.randint(0, 99999):05d}")
        else:
            letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(3))
            found.add(f"C{rng.randint(0, 999):03d}{letters}")
    return sorted(found)


def misread(rng: random.Random, plate: str) -> str | None:
    """The plate with one digit read as its look-alike letter, or None when it has none."""
    spots = [i for i, char in enumerate(plate) if char in LOOK_ALIKE and i > 0]
    if not spots:
        return None
    i = rng.choice(spots)
    return plate[:i] + LOOK_ALIKE[plate[i]] + plate[i + 1 :]


def write_export(path: Path, rows: int, fleet: list[str], rng: random.Random) -> None:
    """In time order, as SIRAM exports them."""
    seconds = DAYS * 24 * 3600
    moments = sorted(rng.randrange(seconds) for _ in range(rows))
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(("placa", "fecha_hora", "sitio", "carril", "imagen"))
        for n, second in enumerate(moments):
            plate = rng.choice(fleet)
            if rng.random() < MISREAD:
                plate = misread(rng, plate) or plate
            at = (FIRST + timedelta(seconds=second)).astimezone(TZ)
            site = rng.choice(SITES)
            writer.writerow(
                (
                    f"{plate[:1]} {plate[1:]}" if n % 7 == 0 else plate,  # some readers write a space
                    f"{at:%Y-%m-%d %H:%M:%S}",
                    site,
                    rng.randint(1, 4),
                    f"https://siram.aduana.gob.sv/img/{site}/{at:%Y%m%d}/{n:08d}.jpg",
                )
            )


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


async def run_searches(services: Services, queries: list[tuple[str, datetime | None, datetime | None, str | None]]):
    times: list[float] = []
    found = 0
    for plate, start, end, site in queries:
        began = time.perf_counter()
        result = await siram.search(services, plate, start, end, site)
        times.append((time.perf_counter() - began) * 1000)
        found += result.exact_total + result.confusion_total
    return times, found


async def db_size_mb(database: Database) -> float:
    if database.url.get_backend_name() == "sqlite":
        base = Path(database.url.database or "")
        return sum(p.stat().st_size for p in base.parent.glob(base.name + "*")) / 1e6
    async with database.read() as session:
        size = (await session.exec(text("SELECT pg_database_size(current_database())"))).one()  # type: ignore[call-overload]
    return size[0] / 1e6


async def bench(backend: str, url: str, workdir: Path, export: Path, exact, fuzzy) -> dict:
    services = in_process_services(url, workdir, workdir / "vigia.yaml")
    try:
        await services.db.upgrade()
        began = time.perf_counter()
        result = await siram.import_file(services, export, "cli")
        import_s = time.perf_counter() - began
        if backend == "postgresql":
            async with services.db.write() as session:
                await session.exec(text("ANALYZE plate_read"))  # type: ignore[call-overload]
        await run_searches(services, exact[:20])  # warm the caches and the connection pool
        exact_ms, exact_found = await run_searches(services, exact)
        fuzzy_ms, fuzzy_found = await run_searches(services, fuzzy)
        return {
            "rows": result.rows,
            "import_s": round(import_s, 2),
            "rows_per_s": round(result.rows / import_s),
            "search_p50_ms": round(statistics.median(exact_ms), 2),
            "search_p95_ms": round(p95(exact_ms), 2),
            "fuzzy_search_p50_ms": round(statistics.median(fuzzy_ms), 2),
            "fuzzy_search_p95_ms": round(p95(fuzzy_ms), 2),
            "reads_found_per_search": round(exact_found / len(exact), 1),
            "reads_found_per_fuzzy_search": round(fuzzy_found / len(fuzzy), 1),
            "db_mb": round(await db_size_mb(services.db), 1),
        }
    finally:
        await services.db.dispose()
        await services.cameras.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--plates", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    rng = random.Random(2026)
    fleet = plates(rng, args.plates)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="vigia-bench-placas-") as tmp:
        workdir = Path(tmp)
        (workdir / "vigia.yaml").write_text(UNIT, encoding="utf-8")
        export = workdir / "siram.csv"
        began = time.perf_counter()
        write_export(export, args.rows, fleet, rng)
        size_mb, spent = export.stat().st_size / 1e6, time.perf_counter() - began
        print(f"export: {args.rows:,} reads, {size_mb:.0f} MB, written in {spent:.1f} s")
        exact = [(plate, None, None, None) for plate in rng.sample(fleet, args.searches)]
        fuzzy = []
        for n, plate in enumerate(p for p in rng.sample(fleet, args.searches * 3) if misread(rng, p)):
            if len(fuzzy) == args.searches:
                break
            start = FIRST + timedelta(days=rng.randrange(DAYS - 30)) if n % 2 else None
            period = (start, start + timedelta(days=30), rng.choice(SITES)) if start else (None, None, None)
            fuzzy.append((misread(rng, plate), *period))
        for backend in args.backends.split(","):
            if backend == "sqlite":
                results[backend] = await bench(
                    backend, f"sqlite:///{workdir / 'bench.db'}", workdir, export, exact, fuzzy
                )
            else:
                results[backend] = await with_fresh_postgres(workdir, export, exact, fuzzy)
    print(f"{'backend':<12}{'import s':>10}{'rows/s':>10}{'exact p50/p95 ms':>20}{'fuzzy p50/p95 ms':>20}{'db MB':>8}")
    for backend, r in results.items():
        print(
            f"{backend:<12}{r['import_s']:>10.1f}{r['rows_per_s']:>10,}"
            f"{r['search_p50_ms']:>11.1f} / {r['search_p95_ms']:<6.1f}"
            f"{r['fuzzy_search_p50_ms']:>11.1f} / {r['fuzzy_search_p95_ms']:<6.1f}{r['db_mb']:>8.0f}"
        )
    print("goals: import < 60 s; p95 < 50 ms exact, < 200 ms fuzzy")
    print(json.dumps(results))


async def with_fresh_postgres(workdir: Path, export: Path, exact, fuzzy) -> dict:
    admin = make_url(POSTGRES_URL).set(drivername="postgresql")
    name = f"vigia_bench_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    await connection.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin.set(database=name).render_as_string(hide_password=False)
        return await bench("postgresql", url, workdir, export, exact, fuzzy)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


if __name__ == "__main__":
    asyncio.run(main())
