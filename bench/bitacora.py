"""How fast the monthly bitácora documents are built for a very bad month: 5,000 faults.

A real month has tens of faults; 5,000 is the ceiling the documents must still handle without
making the bot wait (the goal: each document under 5 s on the 2-core CI machine). The faults are
generated with realistic text lengths (descriptions of 60-400 characters, a few of 2,000,
treatments of 40-300, 10% still open, some crossing midnight or the month's end), from a fixed
seed so runs compare.

Prints a human line, then a last line with one JSON object: build times of the XLSX and the PDF
(seconds, best of `--rounds`), document sizes, and the process's peak RSS in MB after both
builds (and before them, with the interpreter, the libraries and the 5,000 rows loaded).

Run: .venv/bin/python bench/bitacora.py [--rows 5000] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.bitacora import BitacoraRow
from bot.bitacora.pdf import build_pdf
from bot.bitacora.xlsx import build_xlsx

TZ = ZoneInfo("America/El_Salvador")
MONTH = date(2026, 12, 1)
SITES = (
    "Aduana Frontera El Amatillo",
    "Aduana Terrestre San Bartolo",
    "Aduana Marítima de Acajutla",
    "Aduana Frontera La Hachadura",
    "Aduana Frontera San Cristóbal",
    "Aduana Aeropuerto Internacional Monseñor Óscar Arnulfo Romero",
    "Aduana Frontera Anguiatú",
    "Aduana Frontera El Poy",
)
SUBJECTS = (
    "Sitio completo",
    "SIRAM",
    *(f"Cámara {place} {n}" for place in ("Andén", "Báscula", "Garita") for n in (1, 2, 3)),
)
VOCABULARY = (
    "cámara sin imagen señal intermitente pantalla negra pixelada congelada desde las horas se reportó al "
    "proveedor fuente de poder conector RJ45 switch PoE reinicio enlace fibra óptica pérdida de paquetes "
    "grabador NVR disco lleno lente sucio vandalismo lluvia viento poste inclinado técnico revisó en sitio "
    "se cambió el cable y quedó operativa pendiente repuesto garantía visita programada SIRAM sin conexión"
)
WORDS = VOCABULARY.split()
VENDOR = "Proveedor de mantenimiento (soporte@proveedor.com.sv)"
PEOPLE = ("Juan Pérez", "María José Hernández", "Carlos Martínez", "Ana Beatriz López", "José Ramírez")


def text(rng: random.Random, low: int, high: int) -> str:
    """Words up to a length drawn between `low` and `high` characters."""
    target = rng.randint(low, high)
    words: list[str] = []
    length = 0
    while length < target:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return " ".join(words).capitalize() + "."


def month_of_faults(count: int, seed: int = 2026) -> list[BitacoraRow]:
    rng = random.Random(seed)
    start = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 1 December 00:00 in El Salvador
    rows = []
    for n in range(count):
        started = start + timedelta(minutes=rng.randint(0, 31 * 24 * 60 - 1))
        still_open = rng.random() < 0.10
        restored = None if still_open else started + timedelta(minutes=rng.randint(5, 3 * 24 * 60))
        long_description = rng.random() < 0.01
        reported = rng.random() < 0.8
        rows.append(
            BitacoraRow(
                number=f"F-2026-{n + 1:04d}",
                started_at=started,
                site=rng.choice(SITES),
                subject=rng.choice(SUBJECTS),
                description=text(rng, 1500, 2500) if long_description else text(rng, 60, 400),
                reported_to=f"{VENDOR}, {started.astimezone(TZ):%d/%m %H:%M}" if reported else "",
                vendor_ticket=f"TK-{rng.randint(10000, 99999)}" if reported else "",
                treatment="" if still_open else text(rng, 40, 300),
                restored_at=restored,
                technician=rng.choice(PEOPLE),
            )
        )
    rows.sort(key=lambda row: row.started_at)
    return rows


def best_of(rounds: int, build, rows: list[BitacoraRow], generated_at: datetime) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(rounds):
        began = time.perf_counter()
        size = len(build(rows, MONTH, TZ, generated_at))
        times.append(time.perf_counter() - began)
    return min(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    rows = month_of_faults(args.rows)
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    generated_at = datetime(2027, 1, 1, 14, 0, tzinfo=UTC)
    xlsx_s, xlsx_bytes = best_of(args.rounds, build_xlsx, rows, generated_at)
    pdf_s, pdf_bytes = best_of(args.rounds, build_pdf, rows, generated_at)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(
        f"{len(rows)} faults: xlsx {xlsx_s:.2f} s ({xlsx_bytes / 1e6:.1f} MB), "
        f"pdf {pdf_s:.2f} s ({pdf_bytes / 1e6:.1f} MB), peak RSS {rss_mb:.0f} MB "
        f"({base_mb:.0f} MB before building; goal: each under 5 s)"
    )
    print(
        json.dumps(
            {
                "rows": len(rows),
                "xlsx_s": round(xlsx_s, 3),
                "pdf_s": round(pdf_s, 3),
                "rss_mb": round(rss_mb, 1),
                "rss_before_mb": round(base_mb, 1),
                "xlsx_mb": round(xlsx_bytes / 1e6, 2),
                "pdf_mb": round(pdf_bytes / 1e6, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
