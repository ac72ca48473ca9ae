"""The `vigia` command as an administrator uses it: a real process, the real environment."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

from tests.conftest import TEST_ENV
from tests.fake_telegram import FakeTelegram
from tests.harness import GROUP_ID


def environment(fake: FakeTelegram, tmp_path: Path, unit_file: Path) -> dict[str, str]:
    return {
        **os.environ,
        **TEST_ENV,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": fake.base_url,
        "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "VIGIA_CONFIG": str(unit_file),
        "VIGIA_DATA_DIR": str(tmp_path / "data"),
    }


async def spawn(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    command = [sys.executable, "-m", "bot", "--env-file", os.devnull, *args]
    pipe = asyncio.subprocess.PIPE
    return await asyncio.create_subprocess_exec(*command, env=env, stdout=pipe, stderr=pipe)


async def vigia(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await spawn(env, *args)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_run_serves_until_sigterm_and_never_logs_the_token(
    fake_telegram: FakeTelegram, tmp_path: Path, unit_file: Path
) -> None:
    fake = fake_telegram
    fake.group(GROUP_ID, "UTMV")
    ana = fake.user(1001, "Ana")
    process = await spawn(environment(fake, tmp_path, unit_file), "run")
    try:
        await fake.wait_until_polling(timeout=60)
        mark = fake.mark()
        fake.send_text(ana, fake.private_chat(ana), "/ayuda")
        reply = await fake.wait_for("sendMessage", after=mark, chat_id=1001)
        assert "técnico de monitoreo" in reply.params["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0
    log = err.decode()
    assert "Vigía is up as @vigia_test_bot" in log and fake.token not in log and TEST_ENV["CAM_PASSWORD"] not in log


async def test_invite_prints_a_link_that_links(fake_telegram: FakeTelegram, tmp_path: Path, unit_file: Path) -> None:
    code, out, _ = await vigia(environment(fake_telegram, tmp_path, unit_file), "invite", "tec.nuevo", "--hours", "2")
    assert code == 0 and "Invitation for Nuevo Técnico (tecnico)" in out
    assert re.search(r"https://t\.me/vigia_test_bot\?start=[\w-]{16}\n", out)


async def test_invite_refuses_an_unknown_person(fake_telegram: FakeTelegram, tmp_path: Path, unit_file: Path) -> None:
    code, _, err = await vigia(environment(fake_telegram, tmp_path, unit_file), "invite", "nadie")
    assert code == 1 and "no person 'nadie'" in err


async def test_audit_verify_exits_1_on_tampering(fake_telegram: FakeTelegram, tmp_path: Path, unit_file: Path) -> None:
    env = environment(fake_telegram, tmp_path, unit_file)
    assert (await vigia(env, "db", "upgrade"))[0] == 0
    code, out, _ = await vigia(env, "audit", "verify")
    assert code == 0 and re.search(r"audit log intact: \d+ rows", out)
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET object_id = 'forged' WHERE id = 3")
    code, out, _ = await vigia(env, "audit", "verify")
    assert code == 1 and "TAMPERED at row 3" in out
