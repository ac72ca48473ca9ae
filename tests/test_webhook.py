"""`vigia run --webhook`: the bot as its own process, taking updates on its webhook as Telegram
delivers them (the test posts them, as Telegram would), and refusing any post without the
secret-token header."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bench.bot_process import start_bot
from tests.conftest import TEST_ENV
from tests.fake_telegram import FakeTelegram
from tests.ports import unassigned_port
from tests.process_log import ProcessLog

SECRET = "webhook-secret-0123456789abcdef"
MARTA = 1004
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


async def test_it_takes_updates_with_the_secret_and_refuses_the_rest(
    fake: FakeTelegram, tmp_path: Path, unit_file: Path
) -> None:
    port = unassigned_port()
    url = f"http://127.0.0.1:{port}/telegram"
    webhook = {"WEBHOOK_URL": url, "WEBHOOK_SECRET": SECRET, "WEBHOOK_PORT": str(port)}
    env = {**TEST_ENV, **webhook, "VIGIA_LOG_LEVEL": "INFO"}
    bot = await start_bot(fake, tmp_path, unit_file, "--webhook", stderr=asyncio.subprocess.PIPE, **env)
    log = ProcessLog(bot.stderr)
    try:
        registered = await fake.wait_for("setWebhook", timeout=60)
        assert registered.params["url"] == url and registered.params["secret_token"] == SECRET
        await log.wait_for("Vigía is up", timeout=60)  # PTB registers the webhook before it listens
        user = fake.user(MARTA, "Marta")
        fake.send_text(user, fake.private_chat(user), "/ayuda")
        (update,) = fake.updates.pending
        mark = fake.mark()
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {HEADER: "not-the-secret"}):
                async with http.post(url, json=update, headers=headers) as refused:
                    assert refused.status == 403
            async with http.post(url, json=update, headers={HEADER: SECRET}) as taken:
                assert taken.status == 200
        answer = await fake.wait_for("sendMessage", after=mark, chat_id=MARTA, timeout=20)
        assert "/reporte" in answer.params["text"], "the chief's help came back once the update was taken"
        assert len([c for c in fake.calls[mark:] if c.method == "sendMessage"]) == 1, "refused posts did nothing"
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), timeout=30)


async def test_it_says_what_webhook_mode_still_needs(tmp_path: Path, unit_file: Path, fake: FakeTelegram) -> None:
    env = {**os.environ, **TEST_ENV, "TELEGRAM_BOT_TOKEN": fake.token, "VIGIA_CONFIG": str(unit_file)}
    env["WEBHOOK_SECRET"] = "short"
    run = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--env-file",
        os.devnull,
        "run",
        "--webhook",
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await asyncio.wait_for(run.communicate(), timeout=60)
    assert run.returncode == 2
    text = errors.decode()
    assert "WEBHOOK_URL is required" in text and "WEBHOOK_SECRET is required" in text and "short" not in text
    assert [c.method for c in fake.calls if c.method == "setWebhook"] == []
