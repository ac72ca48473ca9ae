"""Faults end to end: every branch of the triage, the vendor's e-mail on a real SMTP server, the
vendor's reply through a real IMAP server, reminders, resolution and the chief told."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import openpyxl
import pypdf
import pytest
from sqlmodel import select

from bot import fallas, fallas_board
from storage.evidence import Evidence
from tests.fake_telegram import Call
from tests.harness import GROUP_ID, BotHarness
from tests.mail_servers import ImapAccount, Received, SmtpServer, point_at, reply_to
from tests.security.forge import forge

LUIS, CARLOS, MARTA = 1005, 1003, 1004


async def open_fault(bot: BotHarness, text: str = "/falla hachadura-1 Sin imagen desde las 9") -> Call:
    mark, _ = await bot.send("tec.ana", text, "group")
    return await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-2026-0001")


async def press(bot: BotHarness, message: Call, data: str, who: str = "tec.ana") -> Call:
    mark, _ = await bot.press(who, message.result, data)
    return await bot.fake.wait_for("editMessageText", after=mark, message_id=message.result["message_id"])


async def test_all_normal_then_link_fine_emails_the_vendor(mail_bot: BotHarness, smtp_server: SmtpServer) -> None:
    bot = mail_bot
    posted = await open_fault(bot)
    assert posted.params["message_thread_id"] == bot.unit.group.topics.fallas
    assert "Paso 1: confirme con la administración de aduana" in posted.params["text"]
    step2 = await press(bot, posted, "fll:1:ans:todo_normal")
    assert "Paso 2: consulte por teléfono al proveedor del enlace" in step2.params["text"]
    assert "+503 2555-0200" in step2.params["text"]
    step3 = await press(bot, posted, "fll:1:ans:enlace_correcto")
    assert "Paso 3: reportada por correo al proveedor de mantenimiento" in step3.params["text"]
    await bot.run_job("mail.deliver")
    (received,) = await smtp_server.wait_for(1)
    message = received.message
    assert message["Subject"].startswith("[F-2026-0001] Falla en La Hachadura 1")
    assert message["To"] == "soporte@proveedor.test" and message["Cc"] == "contrato@mh.test"
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Sin imagen desde las 9" in body and "Aduana Frontera La Hachadura" in body
    assert set(received.rcpt_tos) == {"soporte@proveedor.test", "contrato@mh.test"}


async def test_a_power_failure_stops_the_triage_at_the_customs_post(bot: BotHarness) -> None:
    posted = await open_fault(bot)
    mark, _ = await bot.press("tec.ana", posted.result, "fll:1:ans:fallo_electrico")
    await bot.press("tec.kevin", posted.result, "fll:1:ans:todo_normal")  # pressed before the buttons changed
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "Administración de aduana: fallo eléctrico. Esperando que lo resuelvan." in edited.params["text"]
    buttons = [b["callback_data"] for row in edited.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["fll:1:resolve"]
    stale = await bot.fake.wait_for("answerCallbackQuery", after=mark, text_contains="no longer applies")
    assert stale.params["show_alert"]


async def test_the_administrator_answers_with_one_tap(bot: BotHarness) -> None:
    posted = await open_fault(bot)
    mark, _ = await bot.press("tec.ana", posted.result, "fll:1:ask")
    await bot.press("tec.ana", posted.result, "fll:1:ask")  # a double tap: one question
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text="Pregunta enviada a Luis Alvarado.")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="F-2026-0001")
    mark, _ = await bot.press("adm.luis", question.result, "flla:1:visualizacion")
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text="Gracias, quedó registrado.")
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "problema de visualización" in edited.params["text"]
    timeline = await bot.ask("coord.carlos", "/falla F-2026-0001")
    assert "Luis Alvarado: aduana: problema de visualización" in timeline.params["text"]
    assert timeline.params["text"].count("preguntó por Telegram a la administración de aduana: Luis Alvarado") == 1
    asked = [c for c in bot.fake.calls if c.method == "sendMessage" and c.params["chat_id"] == LUIS]
    assert len(asked) == 1, "one question for a double tap"
    mark = forge(bot, "tec.ana", posted.result, "fll:1:ask")  # an old copy's button, after the answer
    late = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert late.params["show_alert"] and "la falla avanzó" in late.params["text"]
    await bot.settle()
    assert [c for c in bot.fake.calls[mark:] if c.method == "sendMessage" and c.params["chat_id"] == LUIS] == []


async def test_a_link_failure_waits_on_the_provider(bot: BotHarness) -> None:
    posted = await open_fault(bot, "/falla hachadura Todo el sitio sin video")
    await press(bot, posted, "fll:1:ans:todo_normal")
    edited = await press(bot, posted, "fll:1:ans:falla_enlace")
    assert (
        "Proveedor del enlace: falla de enlace" in edited.params["text"] and "(sitio completo)" in edited.params["text"]
    )


async def test_resolution_needs_treatment_and_cause_and_tells_the_chief_the_split(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 12, 5, 5, 30, tzinfo=UTC))  # 23:30 on the 4th in El Salvador
    posted = await open_fault(bot)
    bot.clock.set(datetime(2026, 12, 5, 5, 50, tzinfo=UTC))
    await press(bot, posted, "fll:1:ans:todo_normal")
    bot.clock.set(datetime(2026, 12, 5, 6, 10, tzinfo=UTC))  # 00:10: past midnight
    await press(bot, posted, "fll:1:ans:enlace_correcto")
    bot.clock.set(datetime(2026, 12, 5, 7, 0, tzinfo=UTC))
    mark, _ = await bot.press("coord.carlos", posted.result, "fll:1:resolve")
    question = await bot.fake.wait_for("sendMessage", after=mark, text_contains="tratamiento y la solución")
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("coord.carlos"), bot.group, "Listo, funcionando", reply_to=question.result)
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="al menos unas palabras")  # says nothing
    mark = bot.fake.mark()
    bot.fake.send_text(
        bot.user("coord.carlos"),
        bot.group,
        "El proveedor cambió la fuente de poder de la cámara",
        reply_to=question.result,
    )
    causes = await bot.fake.wait_for("sendMessage", after=mark, text_contains="causa de F-2026-0001")
    mark, _ = await bot.press("coord.carlos", causes.result, "fll:1:cause:camara")
    await bot.press("tec.ana", causes.result, "fll:1:cause:otro")  # a second answer on the same buttons
    resolved = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "✅ Resuelta 01:00 por Carlos Rivas. Causa: cámara." in resolved.params["text"]
    assert (
        "Tiempo transcurrido: 1 h 30 min (aduana 20 min · enlace 20 min · proveedor 50 min)" in resolved.params["text"]
    )
    assert "reply_markup" not in resolved.params
    chief = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="resuelta")
    assert "1 h 30 min" in chief.params["text"] and "fuente de poder" in chief.params["text"]
    late = await bot.fake.wait_for("answerCallbackQuery", after=mark, text_contains="ya está resuelta")
    assert late.params["show_alert"]


async def test_the_vendors_reply_by_email_joins_the_fault(
    mail_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount
) -> None:
    bot = mail_bot
    point_at(bot, smtp_server, imap_account)
    posted = await open_fault(bot)
    await press(bot, posted, "fll:1:ans:todo_normal")
    await press(bot, posted, "fll:1:ans:enlace_correcto")
    await bot.run_job("mail.deliver")
    (sent,) = await smtp_server.wait_for(1)
    contract = reply_to(sent.message, "Contrato <contrato@mh.test>", "En caso necesario, el ticket será escalado.")
    await imap_account.deliver(contract.as_bytes())  # the contract administrator, in copy, answers all
    await bot.run_job("mail.inbox")
    case = await fallas.load(bot.services, 1)
    assert case is not None and case.fault.vendor_replied_at is None and case.fault.vendor_ticket is None

    body = "Recibido. En caso necesario, Ticket: TK-4411; enviamos técnico mañana.\n\n> Estimados señores:"
    reply = reply_to(sent.message, "Técnico <jperez@proveedor.test>", body)  # the vendor's own technician
    await imap_account.deliver(reply.as_bytes())
    mark = bot.fake.mark()
    await bot.run_job("mail.inbox")
    await bot.run_job("mail.inbox")
    case = await fallas.load(bot.services, 1)
    assert case is not None and case.fault.vendor_ticket == "TK-4411" and case.fault.vendor_replied_at
    replies = [e for e in case.events if e.kind == "respuesta_proveedor"]
    assert len(replies) == 1 and "enviamos técnico mañana" in (replies[0].text or "")
    assert "Estimados" not in (replies[0].text or "")
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "El proveedor respondió" in edited.params["text"] and "TK-4411" in edited.params["text"]
    timeline = (await bot.ask("coord.carlos", "/falla F-2026-0001")).params["text"]
    assert "respuesta por correo: contrato@mh.test: En caso necesario" in timeline
    assert "respuesta del proveedor: Recibido." in timeline and "@" not in timeline.split("respuesta del proveedor")[1]


async def test_asked_again_for_a_treatment_the_old_cause_buttons_resolve_nothing(bot: BotHarness) -> None:
    """The cause buttons complete the treatment typed just before them: asked again, that treatment
    is gone, so an old button cannot file it (with two faults, on the wrong one)."""
    posted = await open_fault(bot)
    mark, _ = await bot.press("coord.carlos", posted.result, "fll:1:resolve")
    question = await bot.fake.wait_for("sendMessage", after=mark, text_contains="tratamiento y la solución")
    mark = bot.answer("coord.carlos", question, "Se cambió la fuente de poder")
    causes = await bot.fake.wait_for("sendMessage", after=mark, text_contains="causa de F-2026-0001")
    mark, _ = await bot.press("coord.carlos", posted.result, "fll:1:resolve")  # asked again
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="tratamiento y la solución")
    mark, _ = await bot.press("coord.carlos", causes.result, "fll:1:cause:camara")
    late = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "ya no corresponde" in late.params["text"]
    case = await fallas.load(bot.services, 1)
    assert case is not None and case.fault.resolved_at is None


async def test_a_fault_filed_in_private_says_where_it_went(bot: BotHarness) -> None:
    mark, chat = await bot.send("tec.ana", "/falla hachadura-1 Imagen congelada desde las 8")
    told = await bot.fake.wait_for("sendMessage", after=mark, chat_id=chat["id"])
    assert told.params["text"] == "Falla F-2026-0001 abierta; se sigue en el grupo."
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-2026-0001")


async def test_with_no_chief_on_telegram_the_coordinators_hear_of_the_resolution(bot: BotHarness) -> None:
    await bot.link("jefe.marta", None)
    posted = await open_fault(bot)
    mark, _ = await bot.press("coord.carlos", posted.result, "fll:1:resolve")
    question = await bot.fake.wait_for("sendMessage", after=mark, text_contains="tratamiento y la solución")
    mark = bot.answer("coord.carlos", question, "Se reinició el grabador del sitio")
    causes = await bot.fake.wait_for("sendMessage", after=mark, text_contains="causa de F-2026-0001")
    mark, _ = await bot.press("coord.carlos", causes.result, "fll:1:cause:grabador")
    told = await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="resuelta")
    assert "reinició el grabador" in told.params["text"]


@pytest.mark.parametrize(
    ("text", "ticket"),
    [
        ("Abrimos el Ticket: TK-4411 y enviamos técnico", "TK-4411"),
        ("Su caso nº 123456 fue asignado", "123456"),
        ("Incidencia #INC-0077 registrada", "INC-0077"),
        ("Ticket No. 5521.", "5521"),
        ("Ticket 42", "42"),
        ("Se generó la orden de trabajo N° 5521 para mañana", "5521"),
        ("OT 77 asignada a la cuadrilla", "77"),
        ("Recibimos su caso F-2026-0001 y abrimos el ticket 88123", "88123"),  # our number is not theirs
        ("Re: caso A-2026-0042", None),
        ("En caso necesario enviaremos un técnico", None),
        ("El ticket será asignado mañana", None),
        ("Estamos revisando la incidencia reportada", None),
        ("Todo en orden 2 cámaras revisadas", None),
    ],
)
def test_a_ticket_number_is_taken_only_where_one_is_named(text: str, ticket: str | None) -> None:
    assert fallas.ticket_in(text) == ticket


async def test_a_silent_vendor_is_chased_every_few_hours_and_shows_in_the_list(mail_bot: BotHarness) -> None:
    bot = mail_bot
    posted = await open_fault(bot)
    await press(bot, posted, "fll:1:ans:todo_normal")
    await press(bot, posted, "fll:1:ans:enlace_correcto")
    bot.clock.advance(timedelta(hours=4, minutes=1))
    mark = bot.fake.mark()
    await bot.run_job("fallas.vendor_silence")
    await bot.run_job("fallas.vendor_silence")
    chase = await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="no ha respondido")
    assert "F-2026-0001" in chase.params["text"]
    assert [c.params.get("chat_id") for c in bot.fake.calls[mark:] if c.method == "sendMessage"].count(CARLOS) == 1
    listing = await bot.ask("coord.carlos", "/fallas")
    assert "F-2026-0001 · La Hachadura 1 (Aduana Frontera La Hachadura) · con el proveedor" in listing.params["text"]
    assert "⏰ proveedor sin responder" in listing.params["text"]
    bot.clock.advance(timedelta(hours=3))
    mark = bot.fake.mark()
    await bot.run_job("fallas.vendor_silence")
    bot.clock.advance(timedelta(hours=1, minutes=1))  # 4 hours after the first chase: still silent
    await bot.run_job("fallas.vendor_silence")
    await bot.run_job("fallas.vendor_silence")
    again = await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="no ha respondido")
    assert "después de 8 h 2 min" in again.params["text"]
    assert [c.params.get("chat_id") for c in bot.fake.calls[mark:] if c.method == "sendMessage"].count(CARLOS) == 1


async def test_mistakes_are_explained(bot: BotHarness) -> None:
    await open_fault(bot)
    assert (
        "Ya hay una falla abierta para eso: F-2026-0001"
        in (await bot.ask("tec.ana", "/falla hachadura-1")).params["text"]
    )
    assert "«luna»" in (await bot.ask("tec.ana", "/falla luna")).params["text"]
    assert "«F-2026-0099»" in (await bot.ask("tec.ana", "/falla F-2026-0099")).params["text"]
    assert "Uso:" in (await bot.ask("tec.ana", "/falla")).params["text"]
    assert "es para" in (await bot.ask("adm.luis", "/falla siram")).params["text"]
    siram = await bot.ask("tec.ana", "/falla siram Lecturas de placas detenidas", where="group")
    assert "F-2026-0002" in siram.params["text"] and "SIRAM" in siram.params["text"]


async def resolve(bot: BotHarness, posted: Call, treatment: str, cause: str) -> None:
    mark, _ = await bot.press("coord.carlos", posted.result, "fll:1:resolve")
    question = await bot.fake.wait_for("sendMessage", after=mark, text_contains="tratamiento y la solución")
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("coord.carlos"), bot.group, treatment, reply_to=question.result)
    causes = await bot.fake.wait_for("sendMessage", after=mark, text_contains="causa de")
    data = next(
        b["callback_data"]
        for row in causes.params["reply_markup"]["inline_keyboard"]
        for b in row
        if b["callback_data"].endswith(f":{cause}")
    )
    mark, _ = await bot.press("coord.carlos", causes.result, data)
    await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"], text_contains="✅")


async def test_the_bitacora_matches_the_faults_row_for_row(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 12, 1, 5, 50, tzinfo=UTC))  # 30/11 23:50 local: November
    first = await open_fault(bot)
    await press(bot, first, "fll:1:ans:fallo_electrico")
    bot.clock.set(datetime(2026, 12, 1, 6, 20, tzinfo=UTC))  # 00:20 on 1/12: resolved in December
    await resolve(bot, first, "La aduana restableció la energía", "energia")
    bot.clock.set(datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    mark, _ = await bot.send("tec.kevin", "/falla siram Lecturas detenidas en el carril 2", "group")
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="F-2026-0002")

    mark, _ = await bot.send("coord.carlos", "/bitacora 2026-12")
    xlsx = await bot.fake.wait_for(
        "sendDocument", after=mark, chat_id=CARLOS, caption=lambda c: "Diciembre 2026 · 2 fallas" in c
    )
    pdf = await bot.fake.wait_for("sendDocument", after=xlsx.index + 1, chat_id=CARLOS)
    (workbook_bytes,) = xlsx.files.values()
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True) if row and str(row[0]).startswith("F-")]
    assert [r[0] for r in rows] == ["F-2026-0001", "F-2026-0002"]
    assert rows[0][2] == "Aduana Frontera La Hachadura" and rows[0][3] == "La Hachadura 1"
    assert "administración de aduana, 30/11 23:50" in rows[0][5] and rows[0][7] == "La aduana restableció la energía"
    assert rows[0][9] == "30 min" and rows[0][10] == "Ana López"
    assert rows[1][3] == "SIRAM" and rows[1][8] == "en curso" and rows[1][10] == "Kevin Portillo"
    (pdf_bytes,) = pdf.files.values()
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages)
    assert "F-2026-0001" in text and "F-2026-0002" in text and "en curso" in text
    assert "/bitacora 2026-11" in (await bot.ask("coord.carlos", "/bitacora diciembre")).params["text"]
    assert "/bitacora 2026-11" in (await bot.ask("coord.carlos", "/bitacora 9999-12")).params["text"]


async def test_the_bitacora_waits_for_a_chief_to_open_the_bot(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 11, 20, 16, 0, tzinfo=UTC))
    await open_fault(bot)
    await bot.link("jefe.marta", None)
    bot.clock.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    await bot.run_job("fallas.monthly_bitacora")
    async with bot.services.db.read() as session:
        kept = (await session.exec(select(Evidence).where(Evidence.kind == "document"))).all()
    assert kept == [], "nothing drawn and stored for nobody"
    await bot.link("jefe.marta", MARTA)
    mark = bot.fake.mark()
    await bot.run_job("fallas.monthly_bitacora")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="Noviembre 2026")


def bitacoras(bot: BotHarness, mark: int) -> list[str]:
    """The months whose bitácora Marta was told of since `mark`, in order."""
    texts = [c.params.get("text", "") for c in bot.fake.calls[mark:] if c.params.get("chat_id") == MARTA]
    return [
        month for text in texts if text.startswith("Bitácora de fallas") for month in re.findall(r"\w+ 20\d\d", text)
    ]


async def test_a_bot_down_over_month_ends_hands_the_last_45_days_bitacoras_oldest_first(bot: BotHarness) -> None:
    """Down from November to 3 January: November's and December's, once each. Down again until 20
    April: only March's, as February's ended 50 days before and January's longer ago."""
    bot.clock.set(datetime(2026, 11, 20, 16, 0, tzinfo=UTC))
    await open_fault(bot)
    bot.clock.set(datetime(2027, 1, 3, 15, 0, tzinfo=UTC))
    mark = bot.fake.mark()
    await bot.run_job("fallas.monthly_bitacora")
    await bot.run_job("fallas.monthly_bitacora")
    december = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="Diciembre 2026")
    last = await bot.fake.wait_for("sendDocument", after=december.index, chat_id=MARTA)
    await bot.fake.wait_for("sendDocument", after=last.index + 1, chat_id=MARTA)
    assert bitacoras(bot, mark) == ["Noviembre 2026", "Diciembre 2026"]
    documents = [c for c in bot.fake.calls[mark:] if c.method == "sendDocument" and c.params.get("chat_id") == MARTA]
    assert len(documents) == 4, "each month's XLSX and PDF, once"

    bot.clock.set(datetime(2027, 4, 20, 15, 0, tzinfo=UTC))
    mark = bot.fake.mark()
    await bot.run_job("fallas.monthly_bitacora")
    march = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="Marzo 2027")
    last = await bot.fake.wait_for("sendDocument", after=march.index, chat_id=MARTA)
    await bot.fake.wait_for("sendDocument", after=last.index + 1, chat_id=MARTA)
    assert bitacoras(bot, mark) == ["Marzo 2027"]


async def test_the_chief_gets_last_months_bitacora_once_from_the_first_at_seven(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 11, 20, 16, 0, tzinfo=UTC))
    await open_fault(bot)
    bot.clock.set(datetime(2026, 12, 1, 12, 59, tzinfo=UTC))  # 06:59 local on the 1st: not yet
    mark = bot.fake.mark()
    await bot.run_job("fallas.monthly_bitacora")
    bot.clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))  # the bot was down on the 1st: caught up on the 2nd
    await bot.run_job("fallas.monthly_bitacora")
    await bot.run_job("fallas.monthly_bitacora")
    note = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="Noviembre 2026")
    documents = [c for c in bot.fake.calls[mark:] if c.method == "sendDocument" and c.params.get("chat_id") == MARTA]
    assert note.index < documents[0].index and len(documents) == 2


@pytest.mark.parametrize(
    ("answers", "found"),
    [
        ([], None),
        (["fallo_electrico"], "Administración de aduana: fallo eléctrico."),
        (["todo_normal"], "Administración de aduana: todo normal."),
        (["todo_normal", "falla_enlace"], "Proveedor del enlace: falla de enlace."),
    ],
)
async def test_a_resolved_fault_shows_the_steps_it_reached_with_nothing_left_to_do(
    bot: BotHarness, answers: list[str], found: str | None
) -> None:
    posted = await open_fault(bot)
    for answer in answers:
        await press(bot, posted, f"fll:1:ans:{answer}")
    await resolve(bot, posted, "La aduana restableció la energía", "energia")
    shown = bot.fake.message(GROUP_ID, posted.result["message_id"])
    assert shown is not None and "✅ Resuelta" in shown["text"]
    assert "Paso" not in shown["text"] and "Esperando" not in shown["text"], shown["text"]
    if found is not None:
        assert found in shown["text"]
    if answers[-1:] == ["falla_enlace"]:
        assert "Administración de aduana: todo normal." in shown["text"], "the step it passed"


HACHADURA_1 = fallas.Target("camara", "hachadura", "hachadura-1")


async def monitor_posts(bot: BotHarness, fault_id: int) -> int:
    """What jobs/salud.py does with a fault its round opened: the message owed, then delivered.
    Returns the mark to wait after."""
    mark = bot.fake.mark()
    await fallas_board.publish(bot.services, fault_id)
    await bot.run_job("telegram.deliver")
    return mark


async def shown_after_delivery(bot: BotHarness, message_id: int) -> str:
    """The group's message once the Telegram outbox delivered what the monitor's changes owed: the
    job posts only the faults its round opened, so an edit of an existing one is owed by the change."""
    await bot.run_job("telegram.deliver")
    shown = bot.fake.message(GROUP_ID, message_id)
    assert shown is not None
    return shown["text"]


async def test_the_picture_back_hint_goes_when_the_camera_fails_again(bot: BotHarness) -> None:
    """Ana's fault: the monitor sees the picture back (the message invites her to close it), then the
    camera goes dark again and the monitor finds her fault still open: no invitation to close it."""
    posted = await open_fault(bot)
    message_id = posted.result["message_id"]
    back = "Imagen restablecida (detectado por el monitor de salud)."
    await fallas_board.restored(bot.services, 1, back)
    assert "📶" in await shown_after_delivery(bot, message_id)
    bot.clock.advance(timedelta(minutes=5))
    fault, created = await fallas_board.detected(bot.services, HACHADURA_1, "Sin imagen")
    assert (fault.id, created) == (1, False)
    dark = await shown_after_delivery(bot, message_id)
    assert "📶" not in dark and "ciérrela" not in dark, dark
    timeline = (await bot.ask("coord.carlos", "/falla F-2026-0001")).params["text"]
    assert "el monitor volvió a perder la imagen: Sin imagen" in timeline
    await fallas_board.detected(bot.services, HACHADURA_1, "Sin imagen")  # still dark: nothing more to say
    timeline = (await bot.ask("coord.carlos", "/falla F-2026-0001")).params["text"]
    assert timeline.count("volvió a perder la imagen") == 1
    await fallas_board.restored(bot.services, 1, back)
    assert "📶" in await shown_after_delivery(bot, message_id)


async def test_a_fault_back_at_the_vendor_step_is_told_to_the_vendor_again_and_chased(
    mail_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount
) -> None:
    """The vendor answered (ticket TK-1) and a technician resolved the monitor's fault; the camera fails
    again and the monitor reopens it: the vendor hears it is back, in the first e-mail's thread, and
    its silence from then on is chased again."""
    bot = mail_bot
    fault_id, posted, first = await answered_by_the_vendor(bot, smtp_server, imap_account, "TK-1")
    await resolve(bot, posted, "Se cambió la fuente de poder de la cámara", "camara")

    bot.clock.advance(timedelta(minutes=20))
    assert await fallas_board.reopen(bot.services, fault_id, "Sin imagen otra vez") is not None
    shown = await shown_after_delivery(bot, posted.result["message_id"])
    assert "Paso 3: reportada por correo" in shown
    assert "El proveedor respondió" not in shown, "that answer was to the first report"
    await bot.run_job("mail.deliver")
    again = (await smtp_server.wait_for(2))[1].message
    assert again["In-Reply-To"] == first.message["Message-ID"] and "[F-2026-0001]" in again["Subject"]
    assert again["To"] == "soporte@proveedor.test" and again["Cc"] == "contrato@mh.test"
    body = again.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "volvió a fallar" in body and "Sin imagen otra vez" in body and "TK-1" in body
    case = await fallas.load(bot.services, fault_id)
    assert case is not None and case.fault.vendor_replied_at is None and case.fault.vendor_ticket == "TK-1"

    bot.clock.advance(timedelta(hours=4, minutes=1))
    mark = bot.fake.mark()
    await bot.run_job("fallas.vendor_silence")
    chase = await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="no ha respondido")
    assert "F-2026-0001" in chase.params["text"] and "después de 4 h 1 min" in chase.params["text"]

    sent = [r.message for r in smtp_server.received]
    await imap_account.deliver(
        reply_to(sent[1], "Técnico <jperez@proveedor.test>", "Abrimos el ticket TK-2").as_bytes()
    )
    await bot.run_job("mail.inbox")
    case = await fallas.load(bot.services, fault_id)
    assert case is not None and case.fault.vendor_replied_at and case.fault.vendor_ticket == "TK-2"


async def kicked_delivery(bot: BotHarness) -> None:
    """The mail outbox's run a kick scheduled (the harness's job queue is paused), run once and gone."""
    (job,) = bot.app.job_queue.get_jobs_by_name("mail.deliver.now")  # type: ignore[union-attr]
    job.schedule_removal()
    await job.run(bot.app)


async def reported_to_the_vendor(bot: BotHarness, smtp_server: SmtpServer) -> tuple[int, Call]:
    """The monitor's fault on La Hachadura 1, posted and triaged to the vendor, whose e-mail went out.
    Returns the fault's id and its message."""
    fault, _ = await fallas_board.detected(bot.services, HACHADURA_1, "Sin imagen")
    assert fault.id is not None
    mark = await monitor_posts(bot, fault.id)
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-2026-0001")
    await press(bot, posted, "fll:1:ans:todo_normal")
    await press(bot, posted, "fll:1:ans:enlace_correcto")
    await kicked_delivery(bot)
    await smtp_server.wait_for(1)
    return fault.id, posted


async def answered_by_the_vendor(
    bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount, ticket: str
) -> tuple[int, Call, Received]:
    """`reported_to_the_vendor`, then the vendor's reply with `ticket`, read from the mailbox. Returns
    the fault's id, its message and the first e-mail."""
    point_at(bot, smtp_server, imap_account)
    fault_id, posted = await reported_to_the_vendor(bot, smtp_server)
    (first,) = smtp_server.received
    answer = reply_to(first.message, "Técnico <jperez@proveedor.test>", f"Ticket: {ticket}")
    await imap_account.deliver(answer.as_bytes())
    await bot.run_job("mail.inbox")
    return fault_id, posted, first


async def test_a_fault_the_monitor_closed_itself_failing_again_is_not_mailed_again(
    mail_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount
) -> None:
    """The vendor has not answered when the monitor sees the picture back and closes its fault; the
    camera fails again: the vendor never heard it was over, so it gets no second e-mail, and its
    silence since the first one is still chased."""
    bot = mail_bot
    point_at(bot, smtp_server, imap_account)
    fault_id, _ = await reported_to_the_vendor(bot, smtp_server)
    before = await fallas.load(bot.services, fault_id)
    assert before is not None and before.fault.vendor_emailed_at is not None
    bot.clock.advance(timedelta(minutes=30))
    await fallas_board.restored(bot.services, fault_id, "Imagen restablecida (detectado por el monitor de salud).")
    bot.clock.advance(timedelta(minutes=10))
    assert await fallas_board.reopen(bot.services, fault_id, "Sin imagen otra vez") is not None
    await bot.run_job("mail.deliver")
    assert len(smtp_server.received) == 1, "no second e-mail"
    after = await fallas.load(bot.services, fault_id)
    assert after is not None and after.fault.resolved_at is None
    assert after.fault.vendor_emailed_at == before.fault.vendor_emailed_at, "the wait runs from the first e-mail"

    bot.clock.advance(timedelta(hours=3, minutes=21))  # 4 h 1 min after the e-mail
    mark = bot.fake.mark()
    await bot.run_job("fallas.vendor_silence")
    chase = await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="no ha respondido")
    assert "F-2026-0001" in chase.params["text"] and "después de 4 h 1 min" in chase.params["text"]


async def test_a_fault_the_vendor_answered_and_the_monitor_closed_failing_again_is_mailed_again(
    mail_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount
) -> None:
    """The vendor answered (it may have fixed it) and the monitor then saw the picture back and closed
    the fault; the camera fails again: the vendor hears it is back, in the first e-mail's thread."""
    bot = mail_bot
    fault_id, _, first = await answered_by_the_vendor(bot, smtp_server, imap_account, "TK-7")
    bot.clock.advance(timedelta(minutes=30))
    await fallas_board.restored(bot.services, fault_id, "Imagen restablecida (detectado por el monitor de salud).")
    bot.clock.advance(timedelta(minutes=10))
    assert await fallas_board.reopen(bot.services, fault_id, "Sin imagen otra vez") is not None
    await kicked_delivery(bot)
    _, again = await smtp_server.wait_for(2)
    assert again.message["In-Reply-To"] == first.message["Message-ID"]
    assert "TK-7" in again.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


async def test_a_fault_a_person_resolved_failing_again_is_mailed_to_the_vendor_at_once(
    mail_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount
) -> None:
    """A technician resolved the fault while the vendor stayed silent; the camera fails again and the
    monitor reopens it: the vendor hears it once, without waiting for the mail outbox's next round."""
    bot = mail_bot
    point_at(bot, smtp_server, imap_account)
    fault_id, posted = await reported_to_the_vendor(bot, smtp_server)
    await resolve(bot, posted, "Se cambió la fuente de poder de la cámara", "camara")
    bot.clock.advance(timedelta(minutes=20))
    assert await fallas_board.reopen(bot.services, fault_id, "Sin imagen otra vez") is not None
    await kicked_delivery(bot)  # not left for the outbox's next round
    first, again = await smtp_server.wait_for(2)
    assert again.message["In-Reply-To"] == first.message["Message-ID"]
    assert "volvió a fallar" in again.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    await bot.run_job("mail.deliver")
    assert len(smtp_server.received) == 2, "one e-mail"
