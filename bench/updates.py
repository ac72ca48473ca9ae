"""How many updates a second the bot handles, and how fast it answers, as a separate process.

The bot runs as `python -m bot run` (its own process, real HTTP, SQLite file) against the tests'
fake Bot API server. Two phases of 2,000 `/ayuda` from 20 linked technicians:
- burst: all sent at once; `updates_per_s` is 2,000 over the time to the last reply;
- paced: 100 a second; `p95_ms` is the 95th percentile from sending to the reply arriving.
`rss_mb` is the bot process's peak resident memory. Last line: one JSON object.

Run: .venv/bin/python bench/updates.py
"""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bot_process import in_service, peak_rss_mb, start_bot
from tests.fake_telegram import FakeTelegram

PEOPLE, UPDATES, PACED_RATE = 20, 2000, 100.0


def unit_file(directory: Path) -> Path:
    people = "\n".join(
        f"  - {{id: tec.{n}, name: Técnico {n}, role: tecnico, telegram_id: {5000 + n}}}" for n in range(PEOPLE)
    )
    path = directory / "vigia.yaml"
    path.write_text(
        f"group: {{chat_id: -1001000000001}}\npeople:\n{people}\n"
        'shifts: [{name: día, start: "06:00", end: "18:00"}, {name: noche, start: "18:00", end: "06:00"}]\n',
        encoding="utf-8",
    )
    return path


async def replies(fake: FakeTelegram, after: int, count: int) -> dict[int, list[float]]:
    """Arrival time of each of the next `count` sendMessage calls, per chat, in order."""
    arrivals: dict[int, list[float]] = {}
    index = after
    for _ in range(count):
        call = await fake.wait_for("sendMessage", after=index, timeout=120)
        arrivals.setdefault(call.params["chat_id"], []).append(call.at)
        index = call.index + 1
    return arrivals


async def phase(
    fake: FakeTelegram, users: list[dict], chats: list[dict], rate: float | None
) -> tuple[float, list[float]]:
    mark = fake.mark()
    sent: dict[int, list[float]] = {}
    collector = asyncio.create_task(replies(fake, mark, UPDATES))
    started = time.monotonic()
    for n in range(UPDATES):
        if rate:
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        user, chat = users[n % PEOPLE], chats[n % PEOPLE]
        sent.setdefault(chat["id"], []).append(time.monotonic())
        fake.send_text(user, chat, "/ayuda")
    arrivals = await collector
    latencies = [(a - s) * 1000 for chat, times in sent.items() for s, a in zip(times, arrivals[chat], strict=True)]
    last = max(max(times) for times in arrivals.values())
    return UPDATES / (last - started), latencies


async def main() -> None:
    fake = FakeTelegram()
    await fake.start()
    workdir = Path(tempfile.mkdtemp(prefix="vigia-bench-"))
    fake.group(-1001000000001, "UTMV")
    users = [fake.user(5000 + n, f"Tec{n}") for n in range(PEOPLE)]
    chats = [fake.private_chat(user) for user in users]
    # this measures the bot; Telegram's own cap is 30 messages a second
    # The bot itself is measured: Telegram's rate and the per-person flood limit are lifted.
    bot = await start_bot(fake, workdir, unit_file(workdir), TELEGRAM_RATE_LIMIT="false", FLOOD_BURST="100000")
    try:
        await in_service(fake, bot)
        mark = fake.mark()
        for user, chat in zip(users, chats, strict=True):  # warm-up: one each
            fake.send_text(user, chat, "/ayuda")
        await replies(fake, mark, PEOPLE)
        per_second, _ = await phase(fake, users, chats, rate=None)
        _, latencies = await phase(fake, users, chats, rate=PACED_RATE)
        rss = peak_rss_mb(bot.pid)
    finally:
        bot.send_signal(signal.SIGTERM)
        exit_code = await asyncio.wait_for(bot.wait(), timeout=30)
        await fake.stop()
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(
        f"burst: {per_second:.0f} updates/s; paced at {PACED_RATE:.0f}/s: median "
        f"{statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms; peak RSS {rss:.0f} MB; "
        f"exit code after SIGTERM {exit_code}"
    )
    print(json.dumps({"updates_per_s": round(per_second, 1), "p95_ms": round(p95, 1), "rss_mb": round(rss, 1)}))


if __name__ == "__main__":
    asyncio.run(main())
