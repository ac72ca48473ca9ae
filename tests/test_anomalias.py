"""Anomalies end to end over Telegram: filed, routed, called, alerted, acknowledged, justified,
escalated and closed. La Hachadura: Luis is the administrator, Sonia his backup, Óscar security."""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import anomalias, anomalias_notify
from bot.anomalias import Outcome
from bot.anomalias_notify import alert_notice_ids, alert_refreshed
from bot.anomalias_render import alert_brief
from bot.mail import IncomingReply
from storage.anomalias import Anomaly, AnomalyNotice
from storage.people import person_by_key
from tests.fake_telegram import Call, png_bytes
from tests.harness import GROUP_ID, BotHarness
from tests.security.guided import ready_to_send

LUIS, SONIA, OSCAR, CARLOS, MARTA = 1005, 1009, 1006, 1003, 1004
JUSTIFICATION = "Era personal de la naviera autorizado para retirar carga"


async def file(
    bot: BotHarness, text: str = "#persona_sospechosa Persona merodeando el portón <b>norte</b>"
) -> tuple[Call, Call, Call]:
    """Ana files an urgent report; returns the group report, her call list and Luis's alert."""
    mark, _ = await bot.send("tec.ana", f"/anomalia hachadura {text}", "group")
    report = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    alert = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="Anomalía A-2026-0001")
    calls = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Llame primero")
    return report, calls, alert


def emailed(bot: BotHarness, sender: str, text: str, n: int = 1) -> IncomingReply:
    """Reply number `n` to A-2026-0001's alert e-mail, as the inbox hands it to the workflow."""
    return IncomingReply(
        inbox_id=n,
        message_id=f"<r{n}@aduana.test>",
        ref="A-2026-0001",
        matched_by="in_reply_to",
        from_address=sender,
        from_name="",
        subject="Re: A-2026-0001",
        text=text,
        received_at=bot.services.now(),
    )


async def test_an_edited_command_is_not_run_again(bot: BotHarness) -> None:
    """Ana fixes a typo in the /anomalia she sent: Telegram sends the message again, edited. One
    report stays one case (PTB's CommandHandler takes edited messages unless told not to)."""
    ana, text = bot.user("tec.ana"), "/anomalia hachadura Persona merodeando el porton norte"
    sent = bot.fake.send_text(ana, bot.group, text)
    await bot.fake.wait_for("sendMessage", chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    mark = await bot.settle()
    bot.fake.edit(ana, sent, text=text.replace("porton", "portón"))
    await bot.settle()
    async with bot.services.db.read() as session:
        assert await anomalias.by_number(session, 2026, 2) is None
    assert [c for c in bot.fake.calls[mark:] if c.method == "sendMessage"] == []


async def test_an_urgent_report_is_routed_alerted_and_asks_for_the_call_first(bot: BotHarness) -> None:
    report, calls, alert = await file(bot)
    assert report.params["message_thread_id"] == bot.unit.group.topics.anomalias
    assert (
        "Persona sospechosa" in report.params["text"]
        and "merodeando el portón &lt;b&gt;norte&lt;/b&gt;" in (report.params["text"])
    )
    assert "• Luis Alvarado, administrador de aduana: +503 2420-1000" in calls.params["text"]
    assert "reply_parameters" in calls.params, "the call list answers Ana's /anomalia in the group"
    buttons = [b["callback_data"] for row in calls.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["anm:call:1:realizada", "anm:call:1:no_contesta"]
    labels = [b["text"] for b in alert.params["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["Recibido", "Responder justificación"]
    assert not [c for c in bot.fake.calls if c.params.get("chat_id") in (SONIA, OSCAR)]  # backup and security: not yet
    assert "✉️ avisado" in report.params["text"] and "Estado: abierta, esperando justificación" in report.params["text"]


async def test_an_alerts_brief_keeps_all_but_the_labels_and_escapes_what_was_typed(bot: BotHarness) -> None:
    """What each case says in a backlog of alerts that shares a message (bot/notices_bundle.py)."""
    anomaly = Anomaly(
        id=7,
        year=2026,
        seq=7,
        site_code="hachadura",
        cameras="hachadura-1,hachadura-2",
        category="persona_sospechosa",
        description="Portón <b>norte</b> & patio\n\n\nDos personas",
        reporter_id=1,
        created_at=datetime(2026, 12, 5, 16, 0, tzinfo=UTC),
    )
    case = anomalias.Case(anomaly, [], [], [], {1: "Ana López"})
    assert alert_brief(case, bot.unit, "es", bot.services.tz) == (
        "🚨 <b>A-2026-0007</b> · Aduana Frontera La Hachadura · Persona sospechosa\n"
        "05/12 10:00, reporta Ana López · cámaras hachadura-1, hachadura-2\n"
        "Portón &lt;b&gt;norte&lt;/b&gt; &amp; patio\nDos personas"
    ), "no blank line inside a case: in a backlog, blank lines are what part the cases"
    anomaly.cameras = ""
    assert alert_brief(case, bot.unit, "en", bot.services.tz).splitlines()[1] == "05/12 10:00, reported by Ana López"


async def test_the_alert_is_recorded_at_the_time_of_the_report(bot: BotHarness) -> None:
    """ "avisó a" belongs to the filing: it never reads later than "reportó" (the clock runs on)."""
    await file(bot)
    case = await anomalias.load(bot.services, 1)
    assert case is not None
    assert len({e.at for e in case.events if e.kind in ("creada", "avisada")}) == 1, case.events


async def test_the_call_the_receipt_and_the_justification_are_recorded(bot: BotHarness) -> None:
    report, calls, alert = await file(bot)
    mark, _ = await bot.press("tec.ana", calls.result, "anm:call:1:realizada")
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text="Registrado.")
    await bot.fake.wait_for(
        "editMessageText", after=mark, message_id=report.result["message_id"], text_contains="📞 llamada 10:00"
    )

    mark, _ = await bot.press("adm.luis", alert.result, "anm:ack:1")
    await bot.press("adm.luis", alert.result, "anm:ack:1")  # a double tap before the button disappears
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text="Gracias: quedó registrado que lo recibió.")
    again = await bot.fake.wait_for("answerCallbackQuery", after=mark, text="Ya estaba registrado que lo recibió.")
    assert again.params["show_alert"]
    keyboard = await bot.fake.wait_for("editMessageReplyMarkup", after=mark, chat_id=LUIS)
    assert [b["text"] for b in keyboard.params["reply_markup"]["inline_keyboard"][0]] == ["Responder justificación"]

    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")
    question = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=LUIS, text_contains="Escriba la justificación"
    )
    refused = await bot.ask("adm.luis", "ok")
    assert "no alcanza como justificación" in refused.params["text"]
    mark = bot.answer("adm.luis", question, JUSTIFICATION)
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="quedó registrada")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="📝 Justificación")
    assert posted.params["reply_parameters"]["message_id"] == report.result["message_id"]
    assert "Luis Alvarado (administrador de aduana) para A-2026-0001, por Telegram" in posted.params["text"]
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=report.result["message_id"])
    assert "Estado: justificada" in edited.params["text"] and "naviera autorizado" in edited.params["text"]


@pytest.mark.parametrize(
    ("text", "justifies"),
    [
        ("", False),
        ("Ok.", False),
        ("Recibido, gracias", False),
        ("Enterado, gracias", False),
        ("Visto, gracias.", False),
        ("Ok, muchas gracias. Saludos cordiales", False),
        ("Buenos días. De acuerdo, atte.", False),
        ("Sí, ya, entendido 👍", False),
        ("Thanks, noted. Best regards", False),
        ("Recibido, saludos cordiales a todos", False),
        ("Recibido.\n\nSaludos,\nLuis Alvarado", False),
        ("Ok. Saludos cordiales, Luis", False),
        ("Enterado.\nLuis Alvarado", False),
        (JUSTIFICATION, True),
        (f"{JUSTIFICATION}.\n\nSaludos,\nLuis Alvarado", True),
        ("Recibido, gracias. Era el camión de la naviera", True),
        ("Visto en cámara: eran agentes de turno", True),
    ],
)
def test_it_judges_a_justification_by_what_is_left_without_thanks_greetings_and_signature(
    text: str, justifies: bool
) -> None:
    assert anomalias.is_justification(text, "Luis Alvarado") is justifies


async def test_it_refuses_thanks_for_a_justification_typed_on_telegram(bot: BotHarness) -> None:
    _, _, alert = await file(bot)
    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")
    question = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=LUIS, text_contains="Escriba la justificación"
    )
    mark = bot.answer("adm.luis", question, "Enterado, muchas gracias.")
    refused = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS)
    assert "no alcanza como justificación" in refused.params["text"]
    await bot.settle()
    assert not [c for c in bot.fake.calls[mark:] if "📝 Justificación" in str(c.params.get("text"))]
    case = await anomalias.load(bot.services, 1)
    assert case is not None and case.notices[0].justified_at is None


async def test_the_coordinator_closes_it_and_a_technician_cannot(bot: BotHarness) -> None:
    report, _, alert = await file(bot)
    mark, _ = await bot.press("tec.ana", report.result, "anm:close:1")
    refused = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "es para: coordinador técnico, jefe de la UTMV" in refused.params["text"]
    mark, _ = await bot.press("coord.carlos", report.result, "anm:close:1")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="nota de cierre")
    mark = bot.answer("coord.carlos", question, "Verificadísimo")
    short = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID)
    assert short.params["text"].startswith("Escriba una nota de cierre de al menos tres palabras")
    mark = bot.answer("coord.carlos", question, "Verificado con la aduana, sin novedad")
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="A-2026-0001 cerrada.")
    closed = await bot.fake.wait_for("editMessageText", after=mark, message_id=report.result["message_id"])
    assert "Estado: cerrada por Carlos Rivas" in closed.params["text"] and "reply_markup" not in closed.params
    mark, _ = await bot.press("adm.luis", alert.result, "anm:ack:1")  # his alert, read after the close
    late = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert late.params["text"] == "La anomalía A-2026-0001 ya está cerrada; no se cambió nada."
    listing = await bot.ask("jefe.marta", "/anomalias")
    assert listing.params["text"] == "No hay anomalías abiertas."


async def test_it_refuses_a_justification_typed_while_the_case_was_closed_and_names_it(bot: BotHarness) -> None:
    report, _, alert = await file(bot)
    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")
    question = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=LUIS, text_contains="Escriba la justificación"
    )
    mark, _ = await bot.press("coord.carlos", report.result, "anm:close:1")
    closing = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="nota de cierre")
    mark = bot.answer("coord.carlos", closing, "Verificado con la aduana")
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="A-2026-0001 cerrada.")
    mark = bot.answer("adm.luis", question, JUSTIFICATION)
    refused = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS)
    assert refused.params["text"] == "La anomalía A-2026-0001 ya está cerrada; no se cambió nada."
    await bot.settle()
    assert not [c for c in bot.fake.calls[mark:] if "📝 Justificación" in str(c.params.get("text"))]


async def test_a_second_justification_is_refused_and_the_first_stands(bot: BotHarness) -> None:
    """What the group was shown stays the record: a later answer, typed or pressed, is refused and
    says where an addition goes."""
    _, _, alert = await file(bot)
    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")
    question = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=LUIS, text_contains="Escriba la justificación"
    )
    async with bot.services.db.read() as session:
        luis = await person_by_key(session, "adm.luis")
    assert luis is not None
    emailed, _ = await anomalias_notify.justify(bot.services, 1, luis, JUSTIFICATION, "email")  # meanwhile, by mail
    assert emailed is Outcome.OK
    mark = bot.answer("adm.luis", question, "No era nada, ya se retiraron todos")
    refused = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS)
    assert refused.params["text"].startswith("Su justificación de A-2026-0001 ya quedó registrada")

    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")  # the button on the alert, still there
    pressed = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "responda al correo de la alerta" in pressed.params["text"] and pressed.params["show_alert"]
    keyboard = await bot.fake.wait_for("editMessageReplyMarkup", after=mark, chat_id=LUIS)
    assert "reply_markup" not in keyboard.params, "both of its steps are done: the buttons go"
    case = await anomalias.load(bot.services, 1)
    assert case is not None and case.notices[0].justification == JUSTIFICATION


async def test_a_justification_by_mail_reaches_the_group_even_when_the_case_was_closed_first(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    report, _, _ = await file(bot)
    reply = emailed(bot, "luis@aduana.test", JUSTIFICATION)
    await anomalias.record_email_reply(bot.services, "A-2026-0001", reply)
    async with bot.services.db.read() as session:
        carlos = await person_by_key(session, "coord.carlos")
    assert carlos is not None
    assert await anomalias_notify.close(bot.services, 1, carlos, "Verificado con la aduana, sin novedad") is Outcome.OK
    mark = bot.fake.mark()
    await bot.run_job("anomalias.justifications")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="📝 Justificación")
    assert "para A-2026-0001, por correo" in posted.params["text"]
    assert posted.params["reply_parameters"]["message_id"] == report.result["message_id"]

    with caplog.at_level(logging.WARNING, logger="bot.anomalias"):  # a reply naming a case that never was
        await anomalias.record_email_reply(bot.services, "A-2026-0999", replace(reply, ref="A-2026-0999"))
    assert any("A-2026-0999" in r.getMessage() and "no such case" in r.getMessage() for r in caplog.records)


async def test_a_long_case_is_told_in_several_messages_and_its_report_stays_one(bot: BotHarness) -> None:
    """Telegram takes 4,096 characters a message: the timeline grows with every reply, and the report
    (one message, edited) holds three long justifications."""
    report, _, _ = await file(bot, "#riesgo_seguridad " + "Disparos cerca del carril de carga, " * 40)
    words = "Se revisó con el personal de turno y la naviera; "
    for n in range(5):  # replies from people who were not alerted join the timeline, whole
        await anomalias.record_email_reply(
            bot.services, "A-2026-0001", emailed(bot, f"oficina{n}@aduana.test", words * 25, n)
        )
    mark, chat = await bot.send("tec.ana", "/anomalia A-2026-0001")
    first = await bot.fake.wait_for("sendMessage", after=mark, chat_id=chat["id"])
    rest = await bot.fake.wait_for("sendMessage", after=first.index + 1, chat_id=chat["id"], text_contains="oficina4@")
    assert first.params["text"].startswith("<b>Historial de A-2026-0001</b>")
    assert "<r4@aduana.test>" not in rest.params["text"], "the Message-ID is the bot's, not the reader's"

    bot.clock.advance(timedelta(minutes=5))
    await bot.run_job("anomalias.unacknowledged")  # Sonia, Luis's backup, is alerted too
    async with bot.services.db.read() as session:
        people = [await person_by_key(session, key) for key in ("adm.luis", "seg.oscar", "adm.sonia")]
    for notice_id, person in enumerate(people, start=1):
        assert person is not None
        outcome, _ = await anomalias_notify.justify(bot.services, notice_id, person, words * 25, "email")
        assert outcome is Outcome.OK
    mark = bot.fake.mark()
    await bot.run_job("anomalias.justifications")
    await bot.settle()
    edits = [
        c
        for c in bot.fake.calls
        if c.method == "editMessageText" and c.params["message_id"] == report.result["message_id"]
    ]
    assert edits[-1].ok and edits[-1].params["text"].count("…") == 4, "the description's start, each justification's"
    posts = [c for c in bot.fake.calls[mark:] if "📝 Justificación" in str(c.params.get("text"))]
    assert len(posts) == 3 and all(c.ok for c in posts)


async def test_it_posts_and_shows_a_long_justification_whole(bot: BotHarness) -> None:
    """1,500 characters: more than any other value of a message may take, within one message."""
    report, _, alert = await file(bot)
    long = ("Se revisó la grabación con el personal de turno & la naviera; " * 25)[:1500].strip()
    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")
    question = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=LUIS, text_contains="Escriba la justificación"
    )
    mark = bot.answer("adm.luis", question, long)
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="📝 Justificación")
    assert posted.ok and html.unescape(posted.params["text"]).endswith(f":\n{long}")
    assert posted.params["reply_parameters"]["message_id"] == report.result["message_id"]
    mark, chat = await bot.send("tec.ana", "/anomalia A-2026-0001")
    await bot.settle()
    timeline = "".join(c.params["text"] for c in bot.fake.calls[mark:] if c.params.get("chat_id") == chat["id"])
    assert f"justificó: {long}" in html.unescape(timeline)


async def test_the_timeline_cuts_a_long_email_reply_from_someone_else(bot: BotHarness) -> None:
    """Only a justification is shown whole: a 60 KB reply from someone not alerted would make the
    timeline some fifteen messages, so its entry is cut like any other value."""
    await file(bot)
    long = "Reenvío el hilo completo con todos los adjuntos anteriores. " * 1000
    await anomalias.record_email_reply(bot.services, "A-2026-0001", emailed(bot, "otro@naviera.test", long))
    mark, chat = await bot.send("tec.ana", "/anomalia A-2026-0001")
    await bot.settle()
    sent = [c for c in bot.fake.calls[mark:] if c.method == "sendMessage" and c.params.get("chat_id") == chat["id"]]
    assert len(sent) == 1 and "respuesta por correo" in sent[0].params["text"]
    assert "…" in sent[0].params["text"] and len(sent[0].params["text"]) < 2000


async def test_it_posts_a_justification_longer_than_a_message_in_pieces(bot: BotHarness) -> None:
    """By e-mail a justification has no limit; one line of it is cut where Telegram needs, never
    inside an escaped character ("&amp;"), and the group gets it all."""
    report, _, _ = await file(bot)
    long = "Carga de Pérez & Hijos <retirada> con permiso. " * 200  # 9,600 characters, 12,000 escaped
    await anomalias.record_email_reply(bot.services, "A-2026-0001", emailed(bot, "luis@aduana.test", long))
    mark = bot.fake.mark()
    await bot.run_job("anomalias.justifications")
    await bot.run_job("anomalias.justifications")
    await bot.settle()
    posts = [c for c in bot.fake.calls[mark:] if c.method == "sendMessage" and c.params["chat_id"] == GROUP_ID]
    assert len(posts) == 4 and all(c.ok for c in posts), "the heading, then three pieces of the line"
    assert "📝 Justificación" in posts[0].params["text"]
    assert html.unescape("".join(c.params["text"] for c in posts[1:])) == long.strip()
    assert {c.params["reply_parameters"]["message_id"] for c in posts} == {report.result["message_id"]}


async def test_no_receipt_alerts_the_backup_and_the_coordinator_once(bot: BotHarness) -> None:
    await file(bot)
    bot.clock.advance(timedelta(minutes=9))
    mark = bot.fake.mark()
    await bot.run_job("anomalias.unacknowledged")
    assert not [c for c in bot.fake.calls[mark:] if c.method == "sendMessage"]
    bot.clock.advance(timedelta(minutes=2))
    await bot.run_job("anomalias.unacknowledged")
    await bot.run_job("anomalias.unacknowledged")
    backup = await bot.fake.wait_for("sendMessage", after=mark, chat_id=SONIA, text_contains="A-2026-0001")
    assert backup.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "anm:ack:2"
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="Nadie ha confirmado")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="Se avisa a su suplente")
    assert [c.params["chat_id"] for c in bot.fake.calls[mark:] if c.method == "sendMessage"].count(SONIA) == 1


async def test_no_justification_reminds_then_tells_the_chief(bot: BotHarness) -> None:
    await file(bot)
    mark = bot.fake.mark()
    bot.clock.advance(timedelta(hours=24, minutes=1))
    await bot.run_job("anomalias.unjustified")
    reminder = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="Seguimos esperando")
    assert "A-2026-0001" in reminder.params["text"]
    bot.clock.advance(timedelta(hours=24))
    await bot.run_job("anomalias.unjustified")
    await bot.run_job("anomalias.unjustified")
    chief = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=MARTA, text_contains="lleva 48 h sin justificación"
    )
    assert "Luis Alvarado" in chief.params["text"]
    texts = [c.params["text"] for c in bot.fake.calls[mark:] if c.method == "sendMessage"]
    assert sum("Seguimos esperando" in t for t in texts) == 1 and sum("48 h" in t for t in texts) == 1


async def test_each_person_alerted_is_chased_until_they_justify_whoever_justified_first(bot: BotHarness) -> None:
    """A security risk alerts Luis and Óscar; Luis's justification makes the case justificada, ready to
    close, but Óscar still owes his: he is reminded, and the chief hears that he is missing."""
    await file(bot, "#riesgo_seguridad Disparos cerca del carril de carga")
    async with bot.services.db.read() as session:
        luis = await person_by_key(session, "adm.luis")
    assert luis is not None
    outcome, _ = await anomalias_notify.justify(bot.services, 1, luis, JUSTIFICATION, "telegram")
    assert outcome is Outcome.OK
    mark = bot.fake.mark()
    bot.clock.advance(timedelta(hours=24, minutes=1))
    await bot.run_job("anomalias.unjustified")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=OSCAR, text_contains="Seguimos esperando")
    bot.clock.advance(timedelta(hours=24))
    await bot.run_job("anomalias.unjustified")
    chief = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="48 h sin justificación")
    assert "Óscar Ramírez" in chief.params["text"] and "Luis Alvarado" not in chief.params["text"]
    texts = [
        c.params["text"] for c in bot.fake.calls[mark:] if c.method == "sendMessage" and c.params["chat_id"] == LUIS
    ]
    assert not [text for text in texts if "Seguimos esperando" in text], "Luis justified: nothing to remind him of"
    listing = await bot.ask("coord.carlos", "/anomalias")
    assert "justificada" in listing.params["text"]


async def test_the_timeline_shows_who_was_alerted_the_backup_the_reminder_and_the_chief(bot: BotHarness) -> None:
    await file(bot)
    bot.clock.advance(timedelta(minutes=11))
    await bot.run_job("anomalias.unacknowledged")  # Sonia, Luis's backup
    bot.clock.advance(timedelta(hours=24))
    await bot.run_job("anomalias.unjustified")
    bot.clock.advance(timedelta(hours=24))
    await bot.run_job("anomalias.unjustified")
    timeline = (await bot.ask("jefe.marta", "/anomalia A-2026-0001")).params["text"]
    assert "10:00 · Vigía: avisó a: Luis Alvarado" in timeline
    assert "10:11 · Vigía: avisó al suplente: Sonia Guzmán" in timeline
    assert "Vigía: recordatorio de justificación: Luis Alvarado, Sonia Guzmán" in timeline
    assert "Vigía: aviso a jefatura; falta justificar: Luis Alvarado, Sonia Guzmán" in timeline
    assert timeline.index("reportó") < timeline.index("avisó a:") < timeline.index("sin acuse")


async def test_with_no_chief_on_telegram_the_coordinator_hears_of_the_missing_justification(bot: BotHarness) -> None:
    await bot.link("jefe.marta", None)
    await file(bot)
    mark = bot.fake.mark()
    bot.clock.advance(timedelta(hours=48, minutes=1))
    await bot.run_job("anomalias.unjustified")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="lleva 48 h sin justificación")


async def test_with_nobody_to_escalate_to_on_telegram_the_group_hears_it(bot: BotHarness) -> None:
    await bot.link("coord.carlos", None)
    await bot.link("jefe.marta", None)
    await file(bot)
    mark = bot.fake.mark()
    bot.clock.advance(timedelta(minutes=11))
    await bot.run_job("anomalias.unacknowledged")
    topic = bot.services.unit.group.topics.anomalias
    unanswered = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Nadie ha confirmado"
    )
    assert unanswered.params.get("message_thread_id") == topic and "A-2026-0001" in unanswered.params["text"]
    bot.clock.advance(timedelta(hours=48))
    await bot.run_job("anomalias.unjustified")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="lleva 48 h sin justificación")


async def test_a_case_routed_to_nobody_reminds_nobody_and_tells_the_chief_so(bot: BotHarness) -> None:
    """Luis and Sonia, La Hachadura's administrators, have left: a report for them alerts nobody. The
    reminder has nobody to tell (and is no step in the timeline); the chief still hears of the case."""
    async with bot.services.db.write() as session:
        for key in ("adm.luis", "adm.sonia"):
            person = await person_by_key(session, key)
            assert person is not None
            person.active = False
            session.add(person)
    report = "/anomalia hachadura #persona_sospechosa Persona merodeando el portón norte"
    mark, _ = await bot.send("tec.ana", report, "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    bot.clock.advance(timedelta(hours=48, minutes=1))
    await bot.run_job("anomalias.unjustified")
    chief = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="A-2026-0001")
    assert chief.params["text"].endswith("lleva 48 h sin justificación; no había a quién avisar.")
    timeline = (await bot.ask("jefe.marta", "/anomalia A-2026-0001")).params["text"]
    assert "aviso a jefatura" in timeline and "recordatorio" not in timeline


async def test_a_security_risk_also_alerts_the_ministry_and_escalates_sooner_once(bot: BotHarness) -> None:
    await file(bot, "#riesgo_seguridad Disparos cerca del carril de carga")
    await bot.fake.wait_for("sendMessage", chat_id=OSCAR, text_contains="Anomalía A-2026-0001")
    mark = bot.fake.mark()
    bot.clock.advance(timedelta(minutes=4))
    await bot.run_job("anomalias.unacknowledged")
    assert not [c for c in bot.fake.calls[mark:] if c.method == "sendMessage"]
    bot.clock.advance(timedelta(minutes=1))  # the category's 5 minutes, not the default 10
    await bot.run_job("anomalias.unacknowledged")
    await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=CARLOS, text_contains="A-2026-0001 (Aduana Frontera La Hachadura) tras 5 min"
    )
    await bot.settle()
    told = [
        c.params["text"] for c in bot.fake.calls[mark:] if c.method == "sendMessage" and c.params["chat_id"] == CARLOS
    ]
    assert sum("Nadie ha confirmado" in text for text in told) == 1, "two alerts unanswered, one case: one notice"


async def test_lists_timelines_and_mistakes(bot: BotHarness) -> None:
    _, calls, _ = await file(bot)
    mark, _ = await bot.press("tec.ana", calls.result, "anm:call:1:no_contesta")
    await bot.fake.wait_for("answerCallbackQuery", after=mark)
    listing = await bot.ask("coord.carlos", "/anomalias")
    assert (
        "A-2026-0001 · Aduana Frontera La Hachadura · Persona sospechosa · hace un momento" in (listing.params["text"])
    )
    timeline = (await bot.ask("coord.carlos", "/anomalia A-2026-0001")).params["text"]
    assert "Ana López: reportó: Persona merodeando" in timeline and "no le contestó: Luis Alvarado" in timeline
    assert "no encuentro" in (await bot.ask("coord.carlos", "/anomalia 77")).params["text"].lower()
    assert "«luna»" in (await bot.ask("tec.ana", "/anomalia luna algo raro pasa")).params["text"]
    assert "«ovni»" in (await bot.ask("tec.ana", "/anomalia hachadura #ovni luces en el cielo")).params["text"]
    assert "al menos unas palabras" in (await bot.ask("tec.ana", "/anomalia hachadura humo")).params["text"]
    assert "es para" in (await bot.ask("adm.luis", "/anomalias")).params["text"]


async def test_the_guided_report_walks_site_cameras_category_description_photos(bot: BotHarness) -> None:
    form = await bot.ask("tec.ana", "/anomalia", where="group")
    assert "Paso 1 de 5" in form.params["text"]
    message_id = form.result["message_id"]

    async def press(data: str) -> Call:
        mark, _ = await bot.press("tec.ana", form.result, data)
        return await bot.fake.wait_for("editMessageText", after=mark, message_id=message_id)

    assert "Paso 2 de 5" in (await press("anmd:1:site:0")).params["text"]
    mark, _ = await bot.press("tec.kevin", form.result, "anmd:1:cam:0")
    assert "Someone else" in (await bot.fake.wait_for("answerCallbackQuery", after=mark)).params["text"]
    cameras = await press("anmd:1:cam:0")
    assert "Cámaras: hachadura-1" in cameras.params["text"] and "✅ La Hachadura 1" in str(
        cameras.params["reply_markup"]
    )
    assert "Paso 3 de 5" in (await press("anmd:1:next")).params["text"]
    mark, _ = await bot.press("tec.ana", form.result, "anmd:1:cat:1")
    question = await bot.fake.wait_for("sendMessage", after=mark, text_contains="describa la situación")
    mark = bot.fake.mark()
    bot.fake.send_text(
        bot.user("tec.ana"), bot.group, "Camión sin placas estacionado frente al portón norte", reply_to=question.result
    )
    photos_question = await bot.fake.wait_for("sendMessage", after=mark, text_contains="envíe sus fotos")
    for _ in range(2):
        mark = bot.fake.mark()
        bot.fake.send_photo(bot.user("tec.ana"), bot.group, png_bytes(40, 30), reply_to=photos_question.result)
        await bot.fake.wait_for("sendMessage", after=mark, text_contains="Foto agregada")
    await bot.restart()  # nothing typed so far is lost
    mark, _ = await bot.press("tec.ana", form.result, "anmd:1:send")
    await bot.press("tec.ana", form.result, "anmd:1:send")  # a double tap: one report only
    report = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    assert "Vehículo sospechoso" in report.params["text"] and "Cámaras: hachadura-1" in report.params["text"]
    await bot.fake.wait_for("sendMediaGroup", after=mark, chat_id=LUIS)
    stale = await bot.fake.wait_for("answerCallbackQuery", after=mark, text_contains="ya se envió")
    assert stale.params["show_alert"]
    assert not [c for c in bot.fake.calls if "A-2026-0002" in str(c.params.get("text"))]


async def test_in_private_the_photo_question_lapses_ten_minutes_after_the_last_photo(bot: BotHarness) -> None:
    """In private the next message is the answer: a photo question left open would add, days later, any
    picture sent to the bot to an abandoned report. Each photo gives ten more minutes."""
    ana, private = bot.user("tec.ana"), bot.private("tec.ana")
    form = await bot.ask("tec.ana", "/anomalia")
    for data in ("anmd:1:site:0", "anmd:1:next", "anmd:1:cat:0"):
        mark, _ = await bot.press("tec.ana", form.result, data)
        await bot.fake.wait_for("editMessageText", after=mark, message_id=form.result["message_id"])
    await bot.ask("tec.ana", "Camión sin placas estacionado frente al portón norte", text_contains="envíe sus fotos")
    await bot.settle()  # the question is stored once it is sent
    for count in (1, 2):
        bot.clock.advance(timedelta(minutes=9))
        mark = bot.fake.mark()
        bot.fake.send_photo(ana, private, png_bytes(40, 30))
        await bot.fake.wait_for("sendMessage", after=mark, text_contains=f"Foto agregada ({count})")
        await bot.settle()  # and its ten minutes start over once the photo is in
    bot.clock.advance(timedelta(minutes=11))
    mark = await bot.settle()
    bot.fake.send_photo(ana, private, png_bytes(40, 30))
    await bot.settle()
    assert [c for c in bot.fake.calls[mark:] if c.method.startswith(("send", "edit"))] == [], "as out of the blue"
    mark, _ = await bot.press("tec.ana", form.result, "anmd:1:send")
    report = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    assert report.params is not None
    album = await bot.fake.wait_for("sendMediaGroup", after=mark, chat_id=LUIS)
    assert len(album.params["media"]) == 2, "the two photos sent in time, not the late one"


async def test_it_keeps_the_guided_report_when_sending_it_fails_and_files_it_once_when_pressed_again(
    bot: BotHarness,
) -> None:
    """Telegram refuses the download of Ana's own photo (a 502 on getFile): nothing is filed, and the
    draft, its question and its «Enviar reporte» stay, so a second press files it, once."""
    form = await ready_to_send(bot, [png_bytes(40, 30)])
    bot.fake.fail_next("getFile", error_code=502, description="Bad Gateway")
    mark, _ = await bot.press("tec.ana", form.result, "anmd:1:send")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Algo falló")
    await bot.settle()
    assert bot.take_errors() == ["NetworkError"]
    assert not [c for c in bot.fake.calls if "A-2026-0001" in str(c.params.get("text"))]
    kept = bot.fake.message(GROUP_ID, form.result["message_id"])
    assert kept is not None and "anmd:1:send" in str(kept.get("reply_markup")), "the button is still there"

    mark, _ = await bot.press("tec.ana", form.result, "anmd:1:send")
    await bot.press("tec.ana", form.result, "anmd:1:send")  # a double tap: one report only
    report = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    assert "Camión sin placas" in report.params["text"]
    await bot.fake.wait_for("sendPhoto", after=mark, chat_id=LUIS)  # her photo, downloaded this time
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text_contains="ya se envió")
    sent = await bot.fake.wait_for("editMessageText", after=mark, message_id=form.result["message_id"])
    assert "reply_markup" not in sent.params and "Fotos propias: 1" in sent.params["text"]
    async with bot.services.db.read() as session:
        ana = await person_by_key(session, "tec.ana")
    assert ana is not None
    elsewhere = anomalias.NewReport("hachadura", "otro", "Camión sin placas estacionado frente al portón norte")
    origin = anomalias_notify.Origin(GROUP_ID, None, None)
    filed = await anomalias_notify.file(bot.services, elsewhere, ana, [], [], origin, "es", draft_id=1)
    assert not filed, "a press handled by another process, its draft filed already, files nothing"
    await bot.settle()
    assert not [c for c in bot.fake.calls if "A-2026-0002" in str(c.params.get("text"))]


async def test_only_a_role_with_a_backup_person_has_one(bot: BotHarness) -> None:
    """Luis is backed up by Sonia at La Hachadura; Óscar, the site's only security technician, by nobody
    (so escalating his alert reads no images for a backup)."""
    anomaly = Anomaly(
        year=2026, seq=1, site_code="hachadura", category="riesgo_seguridad", description="x", reporter_id=1
    )
    assert anomalias.backup_key(bot.services, anomaly, AnomalyNotice(role="administrador")) == "adm.sonia"
    assert anomalias.backup_key(bot.services, anomaly, AnomalyNotice(role="seguridad")) is None


def test_a_shared_alert_keyboard_loses_only_the_buttons_whose_step_is_done() -> None:
    """Pure: buttons of two alerts and one of another kind; alert 1 acknowledged, alert 2 not, and a
    button naming an alert that no longer exists stays (the press will say so)."""
    rows = [["anm:ack:1", "anm:just:1"], ["anm:ack:2"], ["anm:ack:9"], ["sol:1:firmar"]]
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in row] for row in rows])
    assert alert_notice_ids(markup) == [1, 1, 2, 9]
    done = AnomalyNotice(id=1, anomaly_id=1, person_id=1, role="administrador", acknowledged_at=datetime.now(UTC))
    waiting = AnomalyNotice(id=2, anomaly_id=1, person_id=1, role="administrador")
    refreshed = alert_refreshed(markup, {1: done, 2: waiting})
    assert refreshed is not None
    left = [[b.callback_data for b in row] for row in refreshed.inline_keyboard]
    assert left == [["anm:just:1"], ["anm:ack:2"], ["anm:ack:9"], ["sol:1:firmar"]]
    assert alert_refreshed(None, {}) is None
