"""HTML and Telegram formatting typed into every free-text field come back as typed: escaped in
Telegram messages and e-mails, never the bot's own markup, never a request Telegram refuses."""

from __future__ import annotations

import html

import pytest

from bot.consignas_render import BOARD_TEXT_WIDTH
from tests.fake_telegram import Call
from tests.harness import GROUP_ID, BotHarness
from tests.mail_servers import SmtpServer
from tests.security.guided import description_question
from tests.security.hostile import ECHO, HOSTILE, refused_calls, shows_literally, visible

LUIS, CARLOS, MARTA = 1005, 1003, 1004
WORDS = "frente al portón norte"  # descriptions need a few words besides the markup


async def reply_in_group(bot: BotHarness, who: str, question: Call, text: str) -> int:
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user(who), bot.group, text, reply_to=question.result)
    return mark


def escaped_in_html_mail(body: str) -> bool:
    return html.escape(HOSTILE, quote=False) in body or html.escape(HOSTILE) in body


async def test_it_shows_a_consigna_text_as_typed_in_the_post_the_board_and_the_list(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await bot.ask("coord.carlos", f"/consigna {HOSTILE} {WORDS}", text_contains="#1")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="portón norte")
    listing = await bot.ask("tec.ana", "/consignas")
    board = [
        c
        for c in bot.fake.calls[mark:]
        if c.ok and c.params.get("chat_id") == GROUP_ID and "Consignas abiertas" in visible(c)[0]
    ]
    shortened = HOSTILE[: BOARD_TEXT_WIDTH - 1]  # the board and the list cut long texts short
    assert shows_literally(posted) and shows_literally(listing, shortened)
    assert board and all(shows_literally(c, shortened) for c in board)
    assert refused_calls(bot, mark) == []


async def test_it_shows_consigna_notes_and_results_as_typed(bot: BotHarness) -> None:
    await bot.ask("coord.carlos", "/consigna Revisar el audio de la garita", text_contains="#1")
    posted = await bot.fake.wait_for("sendMessage", chat_id=GROUP_ID, text_contains="Revisar el audio")
    start = bot.fake.mark()
    for action, ask in (("note", "nota"), ("done", "resultado")):
        mark, _ = await bot.press("tec.ana", posted.result, f"cns:{action}:1")
        question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains=ask)
        mark = await reply_in_group(bot, "tec.ana", question, f"{HOSTILE} {WORDS}")
        edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
        assert shows_literally(edited), visible(edited)[0]
    assert refused_calls(bot, start) == []


async def test_it_shows_an_urgent_anomaly_as_typed_in_the_group_the_alert_and_the_mail(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    bot = mail_bot
    mark, _ = await bot.send("tec.ana", f"/anomalia hachadura {HOSTILE} {WORDS}", "group")
    report = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    alert = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="A-2026-0001")
    timeline = await bot.ask("tec.ana", "/anomalia 1")
    assert shows_literally(report) and shows_literally(alert) and shows_literally(timeline)
    await bot.run_job("mail.deliver")
    (mail,) = await smtp_server.wait_for(1)
    body = mail.message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    text = mail.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert escaped_in_html_mail(body) and "<b>negrita</b>" not in body and HOSTILE in text
    assert refused_calls(bot, mark) == []


async def test_it_shows_a_guided_description_as_typed(bot: BotHarness) -> None:
    form, question = await description_question(bot)
    mark = await reply_in_group(bot, "tec.ana", question, f"{HOSTILE} {WORDS}")
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=form.result["message_id"])
    assert shows_literally(edited)
    mark, _ = await bot.press("tec.ana", form.result, "anmd:1:send")
    report = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    assert shows_literally(report) and refused_calls(bot, mark) == []


async def test_it_shows_justifications_and_closing_notes_as_typed(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", f"/anomalia hachadura Persona rondando {WORDS}", "group")
    report = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    alert = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="A-2026-0001")
    start = mark
    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="justificación")
    mark, _ = await bot.send("adm.luis", f"{HOSTILE} era personal autorizado de la naviera")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="📝")
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=report.result["message_id"])
    assert shows_literally(posted) and shows_literally(edited)

    mark, _ = await bot.press("coord.carlos", report.result, "anm:close:1")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="cierre")
    mark = await reply_in_group(bot, "coord.carlos", question, f"{HOSTILE} {WORDS}")
    closed = await bot.fake.wait_for("editMessageText", after=mark, message_id=report.result["message_id"])
    assert shows_literally(closed) or shows_literally(await bot.ask("coord.carlos", "/anomalia 1"))
    assert refused_calls(bot, start) == []


async def test_it_shows_a_fault_description_and_treatment_as_typed(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    bot = mail_bot
    mark, _ = await bot.send("tec.ana", f"/falla hachadura-1 {HOSTILE} {WORDS}", "group")
    start = mark
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-2026-0001")
    assert shows_literally(posted)
    for data in ("fll:1:ans:todo_normal", "fll:1:ans:enlace_correcto"):
        mark, _ = await bot.press("tec.ana", posted.result, data)
        await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    await bot.run_job("mail.deliver")
    (mail,) = await smtp_server.wait_for(1)
    body = mail.message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert escaped_in_html_mail(body) and "<b>negrita</b>" not in body

    mark, _ = await bot.press("tec.ana", posted.result, "fll:1:resolve")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-2026-0001")
    mark = await reply_in_group(bot, "tec.ana", question, f"{HOSTILE} se cambió el conector")
    causes = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="causa")
    mark, _ = await bot.press("tec.ana", causes.result, "fll:1:cause:camara")
    told = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="F-2026-0001")
    timeline = await bot.ask("tec.ana", "/falla 1")
    assert shows_literally(told) and shows_literally(timeline)
    assert refused_calls(bot, start) == []


async def test_it_shows_handover_notes_as_typed(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await bot.send("tec.ana", f"/relevo {HOSTILE} {WORDS}")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo")
    assert shows_literally(posted) and refused_calls(bot, mark) == []


async def test_it_shows_a_maintenance_reason_as_typed(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    reply = await bot.ask("coord.carlos", f"/mantenimiento hachadura-1 2h {HOSTILE}")
    listing = await bot.ask("coord.carlos", "/mantenimiento")
    assert shows_literally(listing) or shows_literally(reply)
    assert refused_calls(bot, mark) == []


@pytest.mark.parametrize(
    "command",
    [
        f"/placa {ECHO}",
        f"/placa P123456 {ECHO}",
        f"/foto {ECHO}",
        f"/clip {ECHO}",
        f"/mosaico {ECHO}",
        f"/anomalia {ECHO} persona rondando el portón",
        f"/anomalia hachadura #{ECHO} persona rondando el portón",
        f"/anomalia {ECHO}",
        f"/falla {ECHO}",
        f"/falla {ECHO} sin imagen",
        f"/reporte {ECHO}",
        f"/bitacora {ECHO}",
        f"/invitar {ECHO}",
        f"/evidencia {ECHO}",
        f"/mantenimiento {ECHO} 2h",
        f"/mantenimiento hachadura-1 {ECHO}",
        f"/estado {ECHO}",
        f"/referencia {ECHO}",
        f"/rol hoy mañana {ECHO}",
        f"/consigna @{ECHO} revisar",
    ],
)
async def test_it_echoes_a_bad_argument_as_typed(bot: BotHarness, command: str) -> None:
    mark = bot.fake.mark()
    reply = await bot.ask("coord.carlos", command)
    text, _ = visible(reply)
    assert "zzq" not in text or shows_literally(reply, ECHO), text
    assert refused_calls(bot, mark) == []


async def test_it_does_not_carry_a_persons_formatting_into_its_own_messages(bot: BotHarness) -> None:
    """A hidden link (text_link) and bold typed in Telegram's editor: the post shows plain words only."""
    text = "/consigna Revisar el enlace del portón"
    entities = [
        {"type": "bot_command", "offset": 0, "length": 9},
        {"type": "bold", "offset": 10, "length": 7},
        {"type": "text_link", "offset": 18, "length": 9, "url": "https://evil.example/"},
    ]
    mark = bot.fake.mark()
    bot.fake._user_post(bot.user("coord.carlos"), bot.private("coord.carlos"), {"text": text, "entities": entities})
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Revisar el enlace")
    shown, shown_entities = visible(posted)
    assert "evil.example" not in str(posted.params) and "Revisar el enlace del portón" in shown
    assert not [e for e in shown_entities if e["type"] in ("text_link", "url")]
