"""What people see of mail that does not go out: the coordinator told once, `vigia outbox`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.mail import enqueue
from storage.db import Database
from storage.notices import TelegramNotice
from tests.fake_telegram import FakeTelegram
from tests.harness import BotHarness
from tests.mail_servers import SmtpServer
from tests.test_cli import environment, vigia

CARLOS = 1003


async def test_stuck_mail_is_reported_to_the_coordinator_once(mail_bot: BotHarness, smtp_server: SmtpServer) -> None:
    bot = mail_bot
    await smtp_server.stop()
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura Vehículo sin placas frente al portón", "group")
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="Llame primero")
    await bot.run_job("mail.deliver")
    bot.clock.advance(timedelta(minutes=61))
    mark = bot.fake.mark()
    await bot.run_job("mail.deliver")
    await bot.run_job("mail.deliver")
    told = await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="A-2026-0001")
    assert "más de 60 min" in told.params["text"] and "cannot reach 127.0.0.1" in told.params["text"]
    assert [c.params.get("chat_id") for c in bot.fake.calls[mark:] if c.method == "sendMessage"].count(CARLOS) == 1


async def test_vigia_outbox_lists_the_mail_and_telegram_notices_that_wait_and_why(
    fake_telegram: FakeTelegram, tmp_path: Path, unit_file: Path
) -> None:
    env = environment(fake_telegram, tmp_path, unit_file)
    assert (await vigia(env, "db", "upgrade"))[0] == 0
    database = Database(env["DATABASE_URL"])
    try:
        async with database.write() as session:
            mail = await enqueue(
                session,
                ref="F-2026-0007",
                to=["soporte@proveedor.test"],
                subject="Falla en La Hachadura 1",
                text="Sin imagen",
                now=datetime.now(UTC),
            )
            mail.attempts, mail.last_error = 3, "SMTP 421 4.7.0 Try again later"  # as three refusals leave it
            session.add(
                TelegramNotice(
                    key="anomalia:1:alert:5",
                    chat_id=1005,
                    text="Anomalía",
                    created_at=datetime.now(UTC),
                    attempts=2,
                    last_error="NetworkError: Bad Gateway",
                )
            )
    finally:
        await database.dispose()
    code, out, _ = await vigia(env, "outbox")
    assert code == 0 and "F-2026-0007 pending" in out and "soporte@proveedor.test" in out
    assert "attempts 3" in out and "last error: SMTP 421 4.7.0 Try again later" in out, "why it waits"
    assert "1 mail(s) pending or failed" in out
    assert "telegram #1 anomalia:1:alert:5 pending" in out and "NetworkError: Bad Gateway" in out
