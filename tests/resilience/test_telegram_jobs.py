"""Telegram failing while a scheduled job sends notifications: anomaly escalation, relevo reminders,
the 15-day report. The bot runs in-process against `FlakyTelegram`; jobs are run by hand as the
JobQueue would run them, with the clock moved instead of waited for.

Each test states what should come out once the fault is over: every notice delivered, once, in
order per chat. Where the bot loses or doubles one, the test is xfail(strict) naming what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.harness import GROUP_ID, BotHarness
from tests.resilience.faults import count, delivered, texts_to, with_rate_limiter

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

LUIS, SONIA, CARLOS, MARTA, KEVIN = 1005, 1009, 1003, 1004, 1002
HANDOVER_TIME = datetime(2026, 12, 4, 19, 50, tzinfo=UTC)  # 13:50, ten minutes before the afternoon shift
REPORT_DAY = datetime(2026, 12, 16, 13, 30, tzinfo=UTC)  # the 16th at 07:30: Q1's report is due
INTERNAL_ERROR = {"error_code": 500, "description": "Internal Server Error"}


async def file_anomaly(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura Persona merodeando el portón norte", "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")


async def hand_over(bot: BotHarness) -> None:
    """Two open consignas, and Ana's /relevo at 13:50; nobody accepts it."""
    for text in ("Vigilar el portón norte de La Hachadura", "Revisar audio garita"):
        mark, _ = await bot.send("coord.carlos", f"/consigna {text}", "group")
        await bot.fake.wait_for("sendMessage", after=mark, text_contains="Consigna #")
    bot.clock.set(HANDOVER_TIME)
    mark, _ = await bot.send("tec.ana", "/relevo", "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo")


# ------------------------------------------------------------------------------ anomalias.*


async def test_it_retries_a_429_during_the_escalation_and_delivers_each_notice_once(bot: BotHarness) -> None:
    """Fault: Telegram answers 429 (retry_after 1 s) to the backup administrator's alert, with the rate
    limiter on as deployed. Expected: the limiter waits and retries; Sonia gets her alert once, the
    coordinator his two notices once each, in order; a second run sends nothing."""
    await file_anomaly(bot)
    await with_rate_limiter(bot)  # a restart: the case is in the database
    bot.clock.advance(timedelta(minutes=11))
    bot.fake.fail(
        "sendMessage", chat_id=SONIA, error_code=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    mark = bot.fake.mark()
    await bot.run_job("anomalias.unacknowledged")
    await bot.run_job("anomalias.unacknowledged")
    assert [c.error_code for c in bot.fake.calls[mark:] if not c.ok and c.method == "sendMessage"] == [429]
    assert count(bot.fake, "A-2026-0001", mark, chat_id=SONIA) == 1
    to_carlos = texts_to(bot.fake, CARLOS, mark)
    assert len(to_carlos) == 2 and "Nadie ha confirmado" in to_carlos[0] and "suplente" in to_carlos[1]
    assert bot.take_errors() == []


async def test_it_delivers_the_escalation_after_a_500(bot: BotHarness) -> None:
    """Fault: one 500 Internal Server Error on the backup administrator's private alert. Expected: the
    next run (a minute later) sends Sonia's alert and the coordinator's two notices, once each."""
    await file_anomaly(bot)
    bot.clock.advance(timedelta(minutes=11))
    bot.fake.fail("sendMessage", chat_id=SONIA, **INTERNAL_ERROR)
    mark = bot.fake.mark()
    await bot.run_job("anomalias.unacknowledged")
    assert bot.take_errors() == []  # the outbox logs the refusal and keeps the notice
    bot.clock.advance(timedelta(minutes=1))
    await bot.run_job("anomalias.unacknowledged")
    assert count(bot.fake, "A-2026-0001", mark, chat_id=SONIA) == 1
    assert len(texts_to(bot.fake, CARLOS, mark)) == 2


async def test_it_delivers_the_justification_reminder_after_an_outage(bot: BotHarness) -> None:
    """Fault: Telegram refuses connections (server stopped) while the 24-hour justification reminder is
    due. Expected: once it is back, the next run reminds Luis, once."""
    await file_anomaly(bot)
    bot.clock.advance(timedelta(hours=24, minutes=1))
    fake = bot.fake
    await fake.go_down()
    await bot.run_job("anomalias.unjustified")
    await fake.come_back()
    assert bot.take_errors() == []  # the outbox logs the refusal and keeps the notice
    bot.clock.advance(timedelta(minutes=1))
    await bot.run_job("anomalias.unjustified")
    await bot.run_job("anomalias.unjustified")
    assert count(fake, "Seguimos esperando", 0, chat_id=LUIS) == 1


# ------------------------------------------------------------------------------ relevo.tick


async def test_it_sends_the_relevo_reminder_once_after_telegram_refused_connections(bot: BotHarness) -> None:
    """Fault: Telegram refuses connections (server stopped) during the tick at which the handover's
    15-minute reminder is due. Expected: the claim is given back; after the server is back the next
    tick reminds the group (as a reply to the handover) and Kevin privately, each once."""
    await hand_over(bot)
    bot.clock.advance(timedelta(minutes=15))
    await bot.fake.go_down()
    await bot.run_job("relevo.tick")
    await bot.fake.come_back()
    mark = bot.fake.mark()
    bot.clock.advance(timedelta(minutes=1))
    await bot.run_job("relevo.tick")
    await bot.run_job("relevo.tick")
    assert count(bot.fake, "Relevo sin aceptar", 0, chat_id=GROUP_ID) == 1
    assert count(bot.fake, "has waited", 0, chat_id=KEVIN) == 1
    assert delivered(bot.fake, mark, chat_id=GROUP_ID, text_contains="Relevo sin aceptar")
    assert bot.take_errors() == []


async def test_it_sends_the_relevo_escalation_once_after_an_outage(bot: BotHarness) -> None:
    """Fault: Telegram refuses connections when the reminder and the 30-minute escalation are both due.
    Expected: once it is back, the next tick sends the reminder and the escalation, each once."""
    await hand_over(bot)
    bot.clock.advance(timedelta(minutes=31))
    await bot.fake.go_down()
    await bot.run_job("relevo.tick")
    await bot.fake.come_back()
    bot.clock.advance(timedelta(minutes=1))
    await bot.run_job("relevo.tick")
    await bot.run_job("relevo.tick")
    assert count(bot.fake, "Relevo sin aceptar", 0, chat_id=GROUP_ID) == 1
    assert count(bot.fake, "sigue sin aceptar", 0, chat_id=CARLOS) == 1


async def test_it_sends_the_private_relevo_reminder_after_a_500(bot: BotHarness) -> None:
    """Fault: one 500 on the incoming technician's private reminder. Expected: the group reminder once,
    and Kevin's reminder on the next tick, once."""
    await hand_over(bot)
    bot.clock.advance(timedelta(minutes=15))
    bot.fake.fail("sendMessage", chat_id=KEVIN, **INTERNAL_ERROR)
    await bot.run_job("relevo.tick")
    bot.clock.advance(timedelta(minutes=1))
    await bot.run_job("relevo.tick")
    assert count(bot.fake, "Relevo sin aceptar", 0, chat_id=GROUP_ID) == 1
    assert count(bot.fake, "has waited", 0, chat_id=KEVIN) == 1


async def test_it_posts_the_relevo_reminder_once_when_telegram_answers_late(bot: BotHarness) -> None:
    """Fault: Telegram stores the group reminder but answers 5.5 s later, after the client's 5 s read
    timeout. Expected: one reminder in the group, however the bot learned about it."""
    await hand_over(bot)
    bot.clock.advance(timedelta(minutes=15))
    bot.fake.slow("sendMessage", 5.5, chat_id=GROUP_ID, text_contains="Relevo sin aceptar")
    await bot.run_job("relevo.tick")
    bot.clock.advance(timedelta(minutes=1))
    await bot.run_job("relevo.tick")
    assert count(bot.fake, "Relevo sin aceptar", 0, chat_id=GROUP_ID) == 1


# ------------------------------------------------------------------------------ informes.report


async def test_it_hands_the_report_to_the_chief_once_after_an_outage_and_slow_answers(bot: BotHarness) -> None:
    """Fault: Telegram refuses connections when the 15-day report falls due; when it is back, every
    document is answered 1 s late (within the client's timeouts). Expected: nothing on the failed run,
    then the PDF (with its buttons) and the XLSX, once each, in that order; a third run sends nothing."""
    await file_anomaly(bot)
    bot.clock.set(REPORT_DAY)
    await bot.fake.go_down()
    await bot.run_job("informes.report")
    await bot.fake.come_back()
    bot.fake.slow("sendDocument", 1.0, times=2)
    await bot.run_job("informes.report")
    await bot.run_job("informes.report")
    documents = delivered(bot.fake, chat_id=MARTA)
    assert [c.method for c in documents] == ["sendDocument", "sendDocument"]
    assert "R-2026-12-Q1" in documents[0].params["caption"] and "reply_markup" in documents[0].params
    names = [c.result["document"]["file_name"] for c in documents]
    assert names[0].endswith(".pdf") and names[1].endswith(".xlsx")
    assert bot.take_errors() == []


async def test_it_sends_the_report_pdf_once_when_the_annex_fails(bot: BotHarness) -> None:
    """Fault: one 500 on the second document (the XLSX annex). Expected: the PDF once, the XLSX once
    after a retry."""
    await file_anomaly(bot)
    bot.clock.set(REPORT_DAY)
    bot.fake.fail("sendDocument", caption=None, **INTERNAL_ERROR)
    await bot.run_job("informes.report")
    await bot.run_job("informes.report")
    documents = delivered(bot.fake, chat_id=MARTA)
    assert len(documents) == 2 and documents[0].params.get("caption") and not documents[1].params.get("caption")
