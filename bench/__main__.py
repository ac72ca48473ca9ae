"""Every benchmark, one after the other, and one table of their figures next to their goals.

Each script runs as its own process (as it would alone) and is read by its last line, a JSON
object; a script that fails or prints no JSON is shown as such and the others still run.

Run: .venv/bin/python -m bench [names...]     e.g.  python -m bench probe reporte
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.bot_process import machine_speed

HERE = Path(__file__).resolve().parent
Figures = dict[str, object]


@dataclass(frozen=True)
class Goal:
    figure: str  # a key of the JSON line; "a.b" looks inside a nested object
    text: str
    met: Callable[[float], bool]


GOALS: dict[str, tuple[Goal, ...]] = {
    "updates": (
        Goal("updates_per_s", ">= 200/s", lambda v: v >= 200),
        Goal("rss_mb", "< 200 MB", lambda v: v < 200),
    ),
    "snapshot": (
        Goal("foto_p50_s", "<= 0.6 s", lambda v: v <= 0.6),
        Goal("ratio_vs_ffmpeg", "<= 1.0", lambda v: v <= 1.0),
        Goal("mosaico9_p50_s", "< 2 s", lambda v: v < 2),
    ),
    "anomaly": (
        Goal("single_alert_s", "< 1 s", lambda v: v < 1),
        Goal("single_mail_s", "< 1 s", lambda v: v < 1),
        Goal("notify_p50_s", "< 1 s", lambda v: v < 1),
        Goal("mail_p50_s", "< 1 s", lambda v: v < 1),
        Goal("lost", "0", lambda v: v == 0),
        Goal("duplicated", "0", lambda v: v == 0),
        Goal("telegram_429", "0", lambda v: v == 0),
    ),
    "bitacora": (Goal("xlsx_s", "< 5 s", lambda v: v < 5), Goal("pdf_s", "< 5 s", lambda v: v < 5)),
    "probe": (
        Goal("round_s", "< 60 s", lambda v: v < 60),
        Goal("max_loop_lag_ms", "< 50 ms", lambda v: v < 50),
        Goal("detection_rate", ">= 0.95", lambda v: v >= 0.95),
        Goal("false_alarm_rate", "<= 0.01", lambda v: v <= 0.01),
    ),
    "placas": tuple(
        goal
        for backend in ("sqlite", "postgresql")
        for goal in (
            Goal(f"{backend}.import_s", "< 60 s", lambda v: v < 60),
            Goal(f"{backend}.search_p95_ms", "< 50 ms", lambda v: v < 50),
            Goal(f"{backend}.fuzzy_search_p95_ms", "< 200 ms", lambda v: v < 200),
        )
    ),
    "reporte": (
        Goal("charts_s+pdf_s+xlsx_s", "< 5 s", lambda v: v < 5),
        Goal("rss_mb", "< 300 MB", lambda v: v < 300),
    ),
}


def value(figures: Figures, name: str) -> float | None:
    """A figure by name: "a.b" looks inside nested objects, "a+b" adds figures."""
    total = 0.0
    for part in name.split("+"):
        found: object = figures
        for key in part.split("."):
            found = found.get(key) if isinstance(found, dict) else None
        if not isinstance(found, int | float):
            return None
        total += found
    return total


def run(name: str) -> tuple[Figures | None, float, str]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(HERE / f"{name}.py")], capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    try:
        figures = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        figures = None
    problem = "" if done.returncode == 0 else (done.stderr.strip().splitlines() or ["failed"])[-1][:100]
    return figures, time.monotonic() - started, problem


def main(names: list[str]) -> int:
    print(f"this machine now: {machine_speed()} (bench/bot_process.py machine_speed)", file=sys.stderr, flush=True)
    rows = [("bench", "figure", "measured", "goal", "")]
    for name in names or list(GOALS):
        print(f"running bench/{name}.py ...", file=sys.stderr, flush=True)
        figures, seconds, problem = run(name)
        if figures is None:
            rows.append((name, "-", "no figures", "", f"✗ {problem}"))
            continue
        for goal in GOALS[name]:
            measured = value(figures, goal.figure)
            mark = "?" if measured is None else ("✓" if goal.met(measured) else "✗")
            rows.append((name, goal.figure, "-" if measured is None else f"{measured:g}", goal.text, mark))
        print(f"bench/{name}.py took {seconds:.0f} s", file=sys.stderr)
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
