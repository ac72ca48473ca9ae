"""How fast the 15-day report is rendered for a very bad fortnight: 2,000 anomalies, 500 faults, 12 sites.

A real fortnight has tens of anomalies; 2,000 is the ceiling the report must still handle
while the chief waits for it (the goal: charts, PDF and XLSX together under 5 s and the process
under 300 MB on the 2-core CI machine). Rows are generated from a fixed seed with realistic
text lengths (descriptions of 60-400 characters, 1% of 2,000; justifications for most), so
runs compare.

Prints a human line, then a last line with one JSON object: seconds for the charts, the PDF and
the XLSX (best of `--rounds`), the process's peak RSS in MB, and the documents' sizes.

Run: .venv/bin/python bench/reporte.py [--anomalies 2000] [--faults 500] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bitacora import PEOPLE, SITES, text
from bot.reporte.charts import render_charts
from bot.reporte.model import AnomalyRow, Availability, FaultRow, Period, ReportData
from bot.reporte.pdf import render_pdf
from bot.reporte.xlsx import render_xlsx

PERIOD = Period(2026, 12, 1)
ALL_SITES = (
    *SITES,
    "Aduana Frontera Las Chinamas",
    "Aduana Marítima de La Unión",
    "Aduana Terrestre Santa Ana",
    "SIRAM",
)
CATEGORIES = ("Persona sospechosa", "Vehículo sin revisión", "Contrabando", "Acceso no autorizado", "Otra")
STATES = ("abierta", "justificada", "cerrada")
FAULT_STATES = ("en curso", "resuelta")
CAUSES = (None, "energía", "enlace", "equipo", "vandalismo")
T = TypeVar("T")


def fortnight(anomalies: int = 2000, faults: int = 500, seed: int = 2026) -> ReportData:
    rng = random.Random(seed)
    start = datetime.combine(PERIOD.start, datetime.min.time())

    def moment() -> datetime:
        return start + timedelta(minutes=rng.randint(0, 15 * 24 * 60 - 1))

    def anomaly(n: int) -> AnomalyRow:
        justified = rng.random() < 0.85
        return AnomalyRow(
            number=f"A-2026-{n:04d}",
            reported_at=moment(),
            site=rng.choice(ALL_SITES),
            cameras=tuple(f"Cámara Andén {k}" for k in range(1, rng.randint(1, 3) + 1)),
            category=rng.choice(CATEGORIES),
            description=text(rng, 1500, 2500) if rng.random() < 0.01 else text(rng, 60, 400),
            notified=tuple(f"{rng.choice(PEOPLE)} (llamada, Telegram, correo)" for _ in range(rng.randint(1, 2))),
            response_minutes=rng.expovariate(1 / 12) if rng.random() < 0.95 else None,
            justification_hours=rng.expovariate(1 / 6) if justified else None,
            justification=text(rng, 40, 300) if justified else None,
            state=rng.choice(STATES),
        )

    def fault(n: int) -> FaultRow:
        return FaultRow(
            number=f"F-2026-{n:04d}",
            opened_at=moment(),
            site=rng.choice(ALL_SITES),
            camera=None if rng.random() < 0.2 else f"Cámara Báscula {rng.randint(1, 4)}",
            description=text(rng, 60, 400),
            elapsed_hours=rng.uniform(0.1, 72),
            cause=rng.choice(CAUSES),
            state=rng.choice(FAULT_STATES),
        )

    rows = [anomaly(n) for n in range(1, anomalies + 1)]
    return ReportData(
        period=PERIOD,
        number=f"R-{PERIOD.code}",
        version=1,
        generated_at=datetime(2026, 12, 16, 8, 0),
        anomalies=tuple(rows),
        faults=tuple(sorted((fault(n) for n in range(1, faults + 1)), key=lambda f: f.opened_at)),
        availability=tuple(  # 2 to 8 cameras a site, probed every minute over the 15 days
            Availability(site, rng.uniform(85, 100), rng.randint(2, 8) * 15 * 1440) for site in ALL_SITES
        ),
        carried_over=tuple(rows[:: max(anomalies // 20, 1)]),
        observations=tuple(text(rng, 200, 800) for _ in range(3)),
    )


def best_of(rounds: int, build: Callable[[], T]) -> tuple[float, T]:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        result = build()
        times.append(time.perf_counter() - began)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--anomalies", type=int, default=2000)
    parser.add_argument("--faults", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    data = fortnight(args.anomalies, args.faults)
    charts_s, charts = best_of(args.rounds, lambda: render_charts(data))
    pdf_s, pdf = best_of(args.rounds, lambda: render_pdf(data, charts))
    xlsx_s, xlsx = best_of(args.rounds, lambda: render_xlsx(data))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    total = charts_s + pdf_s + xlsx_s
    print(
        f"{len(data.anomalies)} anomalies, {len(data.faults)} faults, {len(ALL_SITES)} sites: "
        f"charts {charts_s:.2f} s ({len(charts)}), pdf {pdf_s:.2f} s ({len(pdf) / 1e6:.1f} MB), "
        f"xlsx {xlsx_s:.2f} s ({len(xlsx) / 1e6:.1f} MB), total {total:.2f} s, peak RSS {rss_mb:.0f} MB "
        "(goal: under 5 s and 300 MB)"
    )
    print(
        json.dumps(
            {
                "pdf_s": round(pdf_s, 3),
                "xlsx_s": round(xlsx_s, 3),
                "charts_s": round(charts_s, 3),
                "rss_mb": round(rss_mb, 1),
                "pdf_mb": round(len(pdf) / 1e6, 2),
                "xlsx_mb": round(len(xlsx) / 1e6, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
