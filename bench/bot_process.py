"""What every benchmark does the same way: run the bot as its own process against the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.fake_telegram import FakeTelegram


async def start_bot(
    fake: FakeTelegram, workdir: Path, unit_file: Path, *run_args: str, **settings: str
) -> asyncio.subprocess.Process:
    """`python -m bot run [run_args]` with an SQLite file in `workdir`; `settings` adds or overrides
    variables."""
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
    return await asyncio.create_subprocess_exec(*command, env=env)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
