"""What every benchmark does the same way: run the bot as its own process against the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.services import Services
from bot.settings import Settings
from bot.unit_config import load_unit_config
from storage.db import Database
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.server import DEFAULT_TOKEN


async def start_bot(
    fake: FakeTelegram, workdir: Path, unit_file: Path, *run_args: str, stderr: int | None = None, **settings: str
) -> asyncio.subprocess.Process:
    """`python -m bot run [run_args]` with an SQLite file in `workdir`; `settings` adds or overrides
    variables; `stderr=asyncio.subprocess.PIPE` to read its log (tests/process_log.py)."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": fake.base_url,
        "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "VIGIA_CONFIG": str(unit_file),
        "VIGIA_DATA_DIR": str(workdir),
        "VIGIA_LOG_LEVEL": "WARNING",
        **settings,
    }
    command = [sys.executable, "-m", "bot", "--env-file", os.devnull, "run", *run_args]
    return await asyncio.create_subprocess_exec(*command, env=env, stderr=stderr)


HANDOFFS = 5000  # hand-overs timed by machine_speed
QUIET_S, QUIET_PERIODS = 1.0, 2  # two seconds running in which the bot used under 2% of a core and sent nothing


async def in_service(fake: FakeTelegram, bot: asyncio.subprocess.Process) -> None:
    """Wait until the bot polls and its start-up catch-up (reports, digests, the outbox round) is
    over, which shows as the bot going quiet (hardly any CPU, no request but its long poll): the
    figures are for a bot in service, which is how a shift meets it, not for one still starting."""
    await fake.wait_until_polling(timeout=60)
    quiet, used, mark = 0, cpu_seconds(bot.pid), fake.mark()
    try:
        async with asyncio.timeout(60):
            while quiet < QUIET_PERIODS:
                await asyncio.sleep(QUIET_S)  # a sampling period: the condition is what the bot did in it
                (used, before), (mark, since) = (cpu_seconds(bot.pid), used), (fake.mark(), mark)
                sent = any(c.method != "getUpdates" for c in fake.calls[since:mark])
                quiet = quiet + 1 if used - before < QUIET_S * 0.02 and not sent else 0
    except TimeoutError:
        raise RuntimeError("the bot was still busy 60 s after it began polling: it is not in service") from None


def in_process_services(database_url: str, workdir: Path, unit_file: Path) -> Services:
    """The bot's services without Telegram, for benchmarks of one workflow. Nothing reaches Telegram,
    but the settings want a token: TELEGRAM_BOT_TOKEN from the environment, else the fake's."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN=os.environ.get("TELEGRAM_BOT_TOKEN", DEFAULT_TOKEN),
        DATABASE_URL=database_url,
        VIGIA_CONFIG=str(unit_file),
        VIGIA_DATA_DIR=str(workdir / "data"),
    )
    return Services(settings, load_unit_config(unit_file), Database(database_url))


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User and system CPU the process has used so far, every thread counted."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_speed() -> dict[str, float]:
    """How fast this machine is right now, printed next to the figures, which scale with it:
    `loop_s`, ten million steps of a plain Python loop; `handoff_us`, one hand-over to a worker
    thread and back, which the bot makes for every SQL statement (aiosqlite's thread). On one
    machine, on one afternoon, the loop went from 0.7 s to 3.4 s within minutes (other tenants of
    the host), and the anomaly burst used five times the CPU it had used there the day before, old
    code and new alike. A benchmark measures it just before and just after what it times."""
    started, total = time.perf_counter(), 0
    for step in range(10_000_000):
        total += step
    loop_s = time.perf_counter() - started
    with ThreadPoolExecutor(max_workers=1) as worker:
        started = time.perf_counter()
        for _ in range(HANDOFFS):
            worker.submit(int).result()
        handoff = (time.perf_counter() - started) / HANDOFFS
    return {"loop_s": round(loop_s, 2), "handoff_us": round(handoff * 1e6)}
