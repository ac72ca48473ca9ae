"""Telegram failing while the bot answers people: 429s, 500s, slow answers, and the Bot API refusing
connections while updates wait at Telegram. The bot runs in-process against `FlakyTelegram`."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.anomalias import Anomaly
from storage.consignas import Consigna
from storage.mail import OutboxMail
from tests.harness import GROUP_ID, BotHarness
from tests.resilience.faults import count, delivered, with_rate_limiter

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

LUIS, ANA = 1005, 1001
URGENT = "/anomalia hachadura Persona merodeando el portón norte"
INTERNAL_ERROR = {"error_code": 500, "description": "Internal Server Error"}


async def consignas(bot: BotHarness) -> list[Consigna]:
    async with bot.services.db.read() as session:
        return list((await session.exec(select(Consigna))).all())


async def test_it_files_an_anomaly_and_tells_everyone_once_in_order_through_a_429_and_slow_answers(
    bot: BotHarness,
) -> None:
    """Fault: 429 (retry_after 1 s) on the administrator's private alert, and every message answered
    0.3 s late, with the rate limiter on as deployed. Expected: the alert once; in the group the call
    list, then the report, each once (chats do not wait for each other: the 429 on Luis's chat does
    not hold the group back); the 429 is the only refusal."""
    await with_rate_limiter(bot)
    bot.fake.fail("sendMessage", error_code=429, description="Too Many Requests: retry after 1", retry_after=1)
    bot.fake.slow("sendMessage", 0.3, times=10)
    mark, _ = await bot.send("tec.ana", URGENT, "group")
    report = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨", timeout=15)
    alerts = delivered(bot.fake, mark, chat_id=LUIS, text_contains="A-2026-0001")
    calls = delivered(bot.fake, mark, chat_id=GROUP_ID, text_contains="Llame primero")
    assert len(alerts) == 1 and len(calls) == 1 and count(bot.fake, "🚨 <b>A-2026-0001", mark) == 1
    assert calls[0].index < report.index
    assert [c.error_code for c in bot.fake.calls[mark:] if not c.ok and c.method != "getUpdates"] == [429]
    assert bot.take_errors() == []


async def test_it_keeps_the_anomaly_and_queues_its_mail_when_the_alert_gets_a_500(bot: BotHarness) -> None:
    """Fault: one 500 on the administrator's private alert. Expected: the case is stored, its alert
    e-mail queued in the same transaction, nothing crashes."""
    bot.fake.fail("sendMessage", chat_id=LUIS, **INTERNAL_ERROR)
    mark, _ = await bot.send("tec.ana", URGENT, "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, ok=False)
    await bot.settle()
    async with bot.services.db.read() as session:
        (anomaly,) = (await session.exec(select(Anomaly))).all()
        (mail,) = (await session.exec(select(OutboxMail))).all()
    assert anomaly.number == "A-2026-0001" and mail.ref == "A-2026-0001" and mail.to == ["luis@aduana.test"]
    assert bot.take_errors() == [], "a refused alert waits in the Telegram outbox: no error"


async def test_it_still_alerts_and_publishes_the_anomaly_after_a_500_on_the_alert(bot: BotHarness) -> None:
    """Fault: one 500 on the administrator's private alert. Expected: the alert (retried), the call list
    and the group's report each arrive once, by the next run of the anomaly jobs at the latest."""
    bot.fake.fail("sendMessage", chat_id=LUIS, **INTERNAL_ERROR)
    mark, _ = await bot.send("tec.ana", URGENT, "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, ok=False)
    await bot.settle()
    for job in ("anomalias.justifications", "anomalias.unacknowledged", "anomalias.unjustified"):
        await bot.run_job(job)
    assert bot.take_errors() == [], "a refused alert waits in the outbox: no error"
    assert count(bot.fake, "A-2026-0001", mark, chat_id=LUIS) == 1
    assert count(bot.fake, "Llame primero", mark, chat_id=GROUP_ID) == 1
    assert count(bot.fake, "🚨 <b>A-2026-0001", mark, chat_id=GROUP_ID) == 1


async def test_it_answers_a_command_sent_during_an_outage_once_when_telegram_is_back(bot: BotHarness) -> None:
    """Fault: the Bot API refuses connections while Ana sends /consigna; when it is back, getUpdates
    fails once with a 500 and once with 429 (retry_after 1). Expected: the update waits at Telegram and
    is handled once: one consigna, posted once, no error reply."""
    fake = bot.fake
    await fake.go_down()
    mark = fake.mark()
    fake.send_text(bot.user("tec.ana"), bot.group, "/consigna Revisar el audio de la garita norte")
    fake.fail("getUpdates", **INTERNAL_ERROR)
    fake.fail("getUpdates", error_code=429, description="Too Many Requests: retry after 1", retry_after=1)
    await fake.come_back()
    await fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Consigna #1", timeout=10)
    await bot.settle()
    assert [c.error_code for c in fake.calls[mark:] if not c.ok] == [500, 429]
    assert count(fake, "<b>Consigna #1</b>", mark) == 1 and len(await consignas(bot)) == 1
    assert count(fake, "Algo falló", mark) == 0 and bot.take_errors() == []


async def test_it_tells_the_user_with_a_reference_when_a_reply_fails_and_the_next_attempt_works(
    bot: BotHarness,
) -> None:
    """Fault: one 500 on the reply to /quien. Expected: that reply is lost (it changes nothing), the user
    gets "Algo falló … referencia XXXXXX" instead, and asking again works."""
    bot.fake.fail("sendMessage", chat_id=ANA, text_contains="turno", **INTERNAL_ERROR)
    failed = await bot.ask("tec.ana", "/quien")
    assert "Algo falló" in failed.params["text"] and "referencia <code>" in failed.params["text"]
    again = await bot.ask("tec.ana", "/quien")
    assert bot.take_errors() == ["NetworkError"]
    assert "Algo falló" not in again.params["text"] and "turno" in again.params["text"]


async def test_it_posts_a_new_consigna_once_after_a_500(bot: BotHarness) -> None:
    """Fault: one 500 on the post of a new consigna into its topic. Expected: the consigna's message
    (with its buttons) is posted once, and nobody is invited to file it again."""
    bot.fake.fail("sendMessage", text_contains="Vigilar", **INTERNAL_ERROR)
    mark, _ = await bot.send("coord.carlos", "/consigna Vigilar el portón norte", "group")
    await bot.settle()
    bot.take_errors()
    await bot.run_job("consignas.board")
    assert count(bot.fake, "Algo falló", mark) == 0
    assert count(bot.fake, "<b>Consigna #1</b>", mark, chat_id=GROUP_ID) == 1


async def test_it_confirms_a_consigna_once_when_telegram_answers_late(bot: BotHarness) -> None:
    """Fault: Telegram posts the new consigna but answers 5.5 s later, after the client's read timeout.
    Expected: one consigna message, no error reply, and the message is known to the bot."""
    bot.fake.slow("sendMessage", 5.5, text_contains="Vigilar")
    mark, _ = await bot.send("coord.carlos", "/consigna Vigilar el portón norte", "group")
    await bot.settle()  # the handler, and the post's late answer, waited for by the outbox
    bot.take_errors()
    assert count(bot.fake, "<b>Consigna #1</b>", mark, chat_id=GROUP_ID) == 1
    (consigna,) = await consignas(bot)
    assert count(bot.fake, "Algo falló", mark) == 0 and consigna.message_id is not None


async def test_it_posts_a_justification_to_the_group_once_after_a_500(bot: BotHarness) -> None:
    """Fault: one 500 on the group post "📝 Justificación …" after Luis answers by Telegram. Expected: the
    justification is recorded, and the next run of anomalias.justifications posts it to the group, once."""
    mark, _ = await bot.send("tec.ana", URGENT, "group")
    alert = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="A-2026-0001")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="justificación")
    bot.fake.fail("sendMessage", chat_id=GROUP_ID, text_contains="📝 Justificación", **INTERNAL_ERROR)
    mark = bot.fake.mark()
    text = "Era personal de la naviera autorizado para retirar carga"
    bot.fake.send_text(bot.user("adm.luis"), bot.private("adm.luis"), text, reply_to=question.result)
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="📝 Justificación", ok=False)
    await bot.settle()
    bot.take_errors()
    await bot.run_job("anomalias.justifications")
    await bot.run_job("anomalias.justifications")
    assert count(bot.fake, "📝 Justificación", mark, chat_id=GROUP_ID) == 1


async def test_a_burst_of_reports_reaches_the_administrator_as_one_alert_with_every_cases_buttons(
    bot: BotHarness,
) -> None:
    """Fault: Telegram holds the first alert to Luis while Ana files two more reports. Expected: the
    first alert alone, as always; the two that waited meanwhile in one message, each case in its brief
    lines and the closing said once, each button naming its case; Luis's "Recibido" for one case takes
    only that case's button away, even two taps in a row."""
    held = bot.fake.hold("sendMessage", chat_id=LUIS)
    mark, _ = await bot.send("tec.ana", URGENT, "group")
    await bot.fake.wait_held(held)
    for n in (2, 3):
        await bot.send("tec.ana", f"{URGENT} {n}", "group")
        await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains=f"A-2026-000{n}")
    held.release.set()
    burst = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="A-2026-0003")
    assert "A-2026-0002" in burst.params["text"] and "A-2026-0001" not in burst.params["text"]
    briefs, _, closing = burst.params["text"].rpartition("\n\n")
    assert briefs.split("\n\n") == [
        f"🚨 <b>A-2026-000{n}</b> · Aduana Frontera La Hachadura · Otro\n"
        f"04/12 10:00, reporta Ana López\nPersona merodeando el portón norte {n}"
        for n in (2, 3)
    ]
    assert closing.startswith("Confirme con «Recibido»")
    assert len(delivered(bot.fake, mark, chat_id=LUIS)) == 2
    labels = [row[0]["text"] for row in burst.params["reply_markup"]["inline_keyboard"]]
    assert labels == [
        "Recibido · A-2026-0002",
        "Responder justificación · A-2026-0002",
        "Recibido · A-2026-0003",
        "Responder justificación · A-2026-0003",
    ]
    for notice in (3, 2):  # two taps before the first edit reaches his phone: both on the same copy
        bot.fake.press(bot.user("adm.luis"), burst.result, f"anm:ack:{notice}")
    await bot.settle()
    now = bot.fake.message(LUIS, burst.result["message_id"])
    assert [row[0]["text"] for row in now["reply_markup"]["inline_keyboard"]] == [  # type: ignore[index]
        "Responder justificación · A-2026-0002",
        "Responder justificación · A-2026-0003",
    ], "each tap takes only its case's button away, and the second does not bring back the first's"
    assert bot.take_errors() == []
