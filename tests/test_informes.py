"""The 15-day report, the daily digest and the weekly chart end to end: the records, the chief's
review over the fake Bot API, the e-mail on the SMTP test server. December 2026: the clock starts
on Friday the 4th at 10:00 (Q1, days 1-15)."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from storage.health import CameraUptime
from storage.informes import Report
from tests.fake_telegram import Call
from tests.harness import GROUP_ID, BotHarness
from tests.mail_servers import SmtpServer

MARTA, CARLOS, LUIS = 1004, 1003, 1005
JUSTIFICATION = "Era personal de la naviera autorizado para retirar carga"


def pdf_text(call: Call) -> str:
    (data,) = call.files.values()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_images(call: Call) -> int:
    (data,) = call.files.values()
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


async def seed(bot: BotHarness) -> None:
    """An anomaly acknowledged and justified by Luis, and a camera fault: the period's records."""
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura Persona merodeando el portón norte", "group")
    alert = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="A-2026-0001")
    await bot.press("adm.luis", alert.result, "anm:ack:1")
    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")
    question = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=LUIS, text_contains="Escriba la justificación"
    )
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("adm.luis"), bot.private("adm.luis"), JUSTIFICATION, reply_to=question.result)
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="quedó registrada")
    mark, _ = await bot.send("tec.ana", "/falla hachadura-1 Sin imagen desde las 9", "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-2026-0001")


async def chiefs_copy(bot: BotHarness, mark: int) -> tuple[Call, Call]:
    pdf = await bot.fake.wait_for("sendDocument", after=mark, chat_id=MARTA, timeout=20)
    xlsx = await bot.fake.wait_for("sendDocument", after=pdf.index + 1, chat_id=MARTA)
    return pdf, xlsx


async def at(bot: BotHarness, moment: datetime) -> None:
    bot.clock.set(moment)


async def test_the_report_is_issued_once_reviewed_and_emailed_once(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    bot = mail_bot
    await seed(bot)
    await bot.run_job("informes.report")
    assert not [c for c in bot.fake.calls if c.method == "sendDocument"], "not before the period ends"

    await at(bot, datetime(2026, 12, 16, 13, 30, tzinfo=UTC))  # the 16th at 07:30 local
    mark = bot.fake.mark()
    await bot.run_job("informes.report")
    pdf, xlsx = await chiefs_copy(bot, mark)
    assert "R-2026-12-Q1" in pdf.params["caption"] and "versión 1" in pdf.params["caption"]
    buttons = [b["callback_data"] for row in pdf.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["inf:1:ok", "inf:1:obs"]
    text = pdf_text(pdf)
    for expected in ("A-2026-0001", "Aduana Frontera La Hachadura", "F-2026-0001", "Persona merodeando", "naviera"):
        assert expected in text, expected
    assert "1 al 15 de diciembre de 2026" in text and "Página 1 de" in text
    assert pdf_images(pdf) >= 2, "the charts are in the document"
    (data,) = xlsx.files.values()
    sheet = load_workbook(io.BytesIO(data))["Anomalías"]
    numbers = [row[0] for row in sheet.iter_rows(values_only=True) if row and str(row[0]).startswith("A-")]
    assert numbers == ["A-2026-0001"]

    again = bot.fake.mark()
    await bot.run_job("informes.report")
    await bot.restart()
    await bot.run_job("informes.report")
    assert not [c for c in bot.fake.calls[again:] if c.method == "sendDocument"], "issued and sent once"

    mark, _ = await bot.press("jefe.marta", pdf.result, "inf:1:obs")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="observaciones")
    short = bot.fake.mark()
    bot.fake.send_text(bot.user("jefe.marta"), bot.private("jefe.marta"), "ok", reply_to=question.result)
    await bot.fake.wait_for("sendMessage", after=short, chat_id=MARTA, text_contains="al menos unas palabras")
    mark = bot.fake.mark()
    observation = "Coordinar con la PNC la vigilancia del portón norte"
    bot.fake.send_text(bot.user("jefe.marta"), bot.private("jefe.marta"), observation, reply_to=question.result)
    second, _ = await chiefs_copy(bot, mark)
    assert "versión 2" in second.params["caption"] and observation in pdf_text(second)

    mark, _ = await bot.press("jefe.marta", pdf.result, "inf:1:ok")
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text_contains="versión más nueva")
    mark, _ = await bot.press("jefe.marta", second.result, "inf:2:ok")
    await bot.press("jefe.marta", second.result, "inf:2:ok")  # a double tap before the buttons go
    done = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="aprobado")
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text_contains="ya está aprobado")
    async with bot.services.db.read() as session:
        report = await session.get(Report, 2)
    assert report is not None and report.approved_by_id is not None
    assert report.pdf_sha256 in done.params["text"]

    await bot.run_job("mail.deliver")
    await bot.run_job("mail.deliver")
    await smtp_server.wait_for(2)  # the anomaly's alert to Luis, and the report
    (received,) = [r for r in smtp_server.received if r.rcpt_tos == ["direccion@mh.test"]]
    message = received.message
    assert "R-2026-12-Q1" in str(message["Subject"])
    attached = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert set(attached) == {"Informe-R-2026-12-Q1-v2.pdf", "Informe-R-2026-12-Q1-v2.xlsx"}
    assert hashlib.sha256(attached["Informe-R-2026-12-Q1-v2.pdf"]).hexdigest() == report.pdf_sha256
    assert len(smtp_server.received) == 2, "approved and e-mailed once"


async def test_reporte_on_demand_empty_preliminary_and_mistakes(bot: BotHarness) -> None:
    mark, _ = await bot.send("jefe.marta", "/reporte 2026-11-Q2")
    pdf, _ = await chiefs_copy(bot, mark)
    assert "Sin anomalías notificadas en el período" in pdf_text(pdf)
    assert pdf.params["reply_markup"], "the chief can approve a period asked for on demand"
    mark, _ = await bot.send("coord.carlos", "/reporte 2026-12-Q1")
    preliminary = await bot.fake.wait_for("sendDocument", after=mark, chat_id=CARLOS)
    assert "preliminar" in preliminary.params["caption"] and "reply_markup" not in preliminary.params
    bad = await bot.ask("jefe.marta", "/reporte 2026-13-Q1")
    assert "no es un período" in bad.params["text"]
    refused = await bot.ask("tec.ana", "/reporte")
    assert "R-2026" not in refused.params["text"] and not [
        c for c in bot.fake.calls if c.method == "sendDocument" and c.params["chat_id"] == 1001
    ]


async def test_a_report_missed_while_down_is_issued_on_start_once(bot: BotHarness) -> None:
    await at(bot, datetime(2026, 12, 20, 15, 0, tzinfo=UTC))  # down since the 15th
    mark = bot.fake.mark()
    await bot.run_job("informes.report.start")
    pdf, _ = await chiefs_copy(bot, mark)
    assert "R-2026-12-Q1" in pdf.params["caption"]
    await bot.run_job("informes.report")
    assert len([c for c in bot.fake.calls[mark:] if c.method == "sendDocument"]) == 2, "the PDF and the XLSX, once"


async def test_the_daily_digest_goes_once_to_the_chief_and_coordinator(bot: BotHarness) -> None:
    await seed(bot)
    await bot.run_job("informes.daily_digest")  # 10:00: the digest of the 3rd, nothing in it
    await at(bot, datetime(2026, 12, 5, 13, 45, tzinfo=UTC))  # the 5th at 07:45
    mark = bot.fake.mark()
    await bot.run_job("informes.daily_digest")
    for chat in (MARTA, CARLOS):
        digest = await bot.fake.wait_for(
            "sendMessage", after=mark, chat_id=chat, text_contains="Resumen del 04/12/2026"
        )
        assert "Anomalías notificadas: 1" in digest.params["text"] and "Fallas abiertas: 1" in digest.params["text"]
    await bot.run_job("informes.daily_digest")
    digests = [c for c in bot.fake.calls[mark:] if "Resumen del 04/12" in c.params.get("text", "")]
    assert len(digests) == 2


async def test_monday_brings_last_weeks_availability_chart(bot: BotHarness) -> None:
    async with bot.services.db.write() as session:
        for day in range(7):  # Monday 30 Nov to Sunday 6 Dec, 12:00 local
            hour = datetime(2026, 11, 30, 18, tzinfo=UTC) + timedelta(days=day)
            session.add(CameraUptime(camera_code="hachadura-1", hour=hour, up=50, degraded=5, down=5))
    await at(bot, datetime(2026, 12, 7, 14, 30, tzinfo=UTC))  # Monday 7th at 08:30
    mark = bot.fake.mark()
    await bot.run_job("informes.weekly_availability")
    chart = await bot.fake.wait_for("sendPhoto", after=mark, chat_id=MARTA)
    assert "semana pasada" in chart.params["caption"]
    await bot.run_job("informes.weekly_availability")
    assert len([c for c in bot.fake.calls[mark:] if c.method == "sendPhoto"]) == 1
    async with bot.services.db.read() as session:
        assert len((await session.exec(select(CameraUptime))).all()) == 7
