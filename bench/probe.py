"""One round of the health monitor over 200 cameras: how long, how much CPU, how calm the event
loop stays, and how well it judges.

200 cameras point at a few shared 1080p mounts of the GStreamer test server (tests/rtsp_server.py):
170 at live scenes with sensor noise (healthy), 10 at a black picture, and 10% unreachable: 10 at a
port that refuses, 10 at a listener that never answers (hung). The monitor runs in-process, as in
the bot, on a fresh SQLite database; the first round has no references yet (only absolute
judgements), so a second round is measured as well.

- round_s: wall time of the round (goal < 60 s on the 2-core machine);
- cpu_s_per_camera: CPU seconds of this process (decoding, judging) per camera probed;
- max_loop_lag_ms: the worst delay of a 10 ms timer on the event loop during the round (goal < 50);
- detection_rate: faulty cameras (black, refusing, hung) flagged; false_alarm_rate: healthy ones flagged.

Run: .venv/bin/python bench/probe.py [--cameras 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bot_process import in_process_services
from bot.directory import sync_directory
from bot.health.monitor import run_round
from bot.services import Services
from tests.cameras_fixtures import running_rtsp_server

SITE_SIZE = 10


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cameras(count: int, rtsp: str, refused: int, hung: int) -> tuple[list[dict], set[str]]:
    """The camera list and the codes that are faulty by construction."""
    tenth = max(1, count // 20)
    plan = ["black"] * tenth + ["refused"] * tenth + ["hung"] * tenth
    plan += ["scene"] * (count - len(plan))
    urls = {
        "black": f"{rtsp}/black",
        "refused": f"rtsp://127.0.0.1:{refused}/live",
        "hung": f"rtsp://127.0.0.1:{hung}/live",
    }
    listed, faulty = [], set()
    mounts = ["/moving", "/moving2", "/moving3", "/moving4"]  # one media serves 50 cameras at most
    for n, kind in enumerate(plan):
        code = f"cam-{n:03d}"
        urls["scene"] = f"{rtsp}{mounts[n % len(mounts)]}"
        site = f"sitio-{n // SITE_SIZE:02d}"
        listed.append({"code": code, "name": f"Cámara {n}", "site": site, "rtsp_url": urls[kind]})
        if kind != "scene":
            faulty.add(code)
    return listed, faulty


def unit_file(directory: Path, listed: list[dict]) -> Path:
    sites = sorted({c["site"] for c in listed})
    unit = {
        "group": {"chat_id": -1001000000001},
        "people": [{"id": "jefe", "name": "Jefa", "role": "jefe", "telegram_id": 1}],
        "sites": [{"code": s, "name": f"Aduana {s}", "kind": "frontera_terrestre"} for s in sites],
        "cameras": listed,
        "shifts": [
            {"name": "día", "start": "06:00", "end": "18:00"},
            {"name": "noche", "start": "18:00", "end": "06:00"},
        ],
        "capture": {"workers": 8, "open_timeout_s": 3, "read_timeout_s": 3},
    }
    path = directory / "vigia.yaml"
    path.write_text(yaml.safe_dump(unit, allow_unicode=True), encoding="utf-8")
    return path


async def loop_lag(stop: asyncio.Event, worst: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        worst[0] = max(worst[0], time.perf_counter() - started - 0.01)


async def measure(services: Services, faulty: set[str]) -> dict[str, float]:
    stop, worst = asyncio.Event(), [0.0]
    watcher = asyncio.create_task(loop_lag(stop, worst))
    cpu, started = cpu_s(), time.perf_counter()
    report = await run_round(services, services.health)
    elapsed, used = time.perf_counter() - started, cpu_s() - cpu
    stop.set()
    await watcher
    assert report is not None
    flagged = {p.camera for p in report.probed if not p.healthy}
    wrong = [p for p in report.probed if p.camera not in faulty and not p.healthy]
    alarms = Counter(" ".join([*sorted(p.conditions), p.detail]).strip() for p in wrong)
    print("false alarms by finding:", dict(alarms) or "none")
    healthy = {p.camera for p in report.probed} - faulty
    return {
        "round_s": round(elapsed, 2),
        "cpu_s_per_camera": round(used / max(1, len(report.probed)), 3),
        "max_loop_lag_ms": round(worst[0] * 1000, 1),
        "detection_rate": round(len(flagged & faulty) / len(faulty), 3),
        "false_alarm_rate": round(len(flagged & healthy) / max(1, len(healthy)), 3),
        "probed": len(report.probed),
        "skipped": len(report.skipped),
    }


async def main(count: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="vigia-bench-probe-"))
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(1)  # listening, never accepting: connections hang
    with running_rtsp_server(shared=True) as server:
        ports = refused.getsockname()[1], hung.getsockname()[1]
        listed, faulty = cameras(count, f"rtsp://127.0.0.1:{server.port}", *ports)
        path = unit_file(workdir, listed)
        services = in_process_services(f"sqlite:///{workdir / 'bot.db'}", workdir, path)
        await services.db.upgrade()
        await sync_directory(services.db, services.unit, now=services.now())
        first = await measure(services, faulty)
        for memory in services.health.cameras.values():
            memory.next_due = None
        second = await measure(services, faulty)
        await services.cameras.aclose()
        await services.db.dispose()
        if server.process.poll() is not None:  # every healthy camera would count as a false alarm
            sys.exit(
                f"the RTSP test server died during the rounds (exit {server.process.returncode}; gst-rtsp-server "
                "can abort when a client joins a shared media being torn down): no figures, run it again"
            )
    for name, figures in (("round 1 (no references)", first), ("round 2", second)):
        print(
            f"{name}: {figures['probed']} cameras in {figures['round_s']} s ({figures['skipped']} skipped), "
            f"{figures['cpu_s_per_camera']} CPU-s each, loop lag max {figures['max_loop_lag_ms']} ms, "
            f"detection {figures['detection_rate']:.1%}, false alarms {figures['false_alarm_rate']:.1%}"
        )
    print(json.dumps({k: v for k, v in second.items() if k not in ("probed", "skipped")}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=200)
    asyncio.run(main(parser.parse_args().cameras))
