"""The 15-day report, the daily digest and the weekly chart end to end: the records, the chief's
review over the fake Bot API, the e-mail on the SMTP test server. December 2026: the clock starts
on Friday the 4th at 10:00 (Q1, days 1-15)."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from bot.unit_config import Informes
from storage.anomalias import Anomaly, AnomalyNotice
from storage.fallas import Fault
from storage.health import CameraUptime
from storage.informes import Report
from storage.people import person_by_key
from storage.solicitudes import Solicitud
from tests.fake_telegram import Call
from tests.harness import GROUP_ID, BotHarness
from tests.mail_servers import SmtpServer
from tests.test_cli import environment, vigia
from tests.test_relevo import hand_over

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


def sheet_rows(call: Call, sheet: str) -> list[tuple]:
    (data,) = call.files.values()
    rows = list(load_workbook(io.BytesIO(data))[sheet].iter_rows(values_only=True))
    return rows[1:]  # below the header


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def seed_november(bot: BotHarness) -> None:
    """The second half of November, written as the workflows leave it: an anomaly Luis answered,
    one from before still open, a fault resolved, a fault open since before, an hour of probes."""
    async with bot.services.db.write() as session:
        ana, luis = await person_by_key(session, "tec.ana"), await person_by_key(session, "adm.luis")
        assert ana is not None and luis is not None
        justified = Anomaly(
            year=2026, seq=7, site_code="hachadura", cameras="hachadura-1", category="persona_sospechosa",
            description="Dos personas saltan la malla", reporter_id=ana.id, created_at=utc(20, 14),
            status="cerrada", closed_at=utc(21, 14),
        )  # fmt: skip
        older = Anomaly(
            year=2026, seq=3, site_code="hachadura", category="otro", description="Portón sin candado",
            reporter_id=ana.id, created_at=utc(10, 14),
        )  # fmt: skip
        session.add_all([justified, older])
        await session.flush()
        session.add(
            AnomalyNotice(
                anomaly_id=justified.id,
                person_id=luis.id,
                role="administrador",
                call_outcome="realizada",
                called_at=utc(20, 14, 2),
                notified_at=utc(20, 14, 1),
                acknowledged_at=utc(20, 14, 12),
                justification="Personal de la naviera",
                justified_at=utc(20, 17),
                justified_via="email",
            )
        )
        session.add_all([
            Fault(year=2026, seq=4, scope="camara", site_code="hachadura", camera_code="hachadura-1",
                  description="Imagen en negro", opened_at=utc(22, 18), resolved_at=utc(23, 0), cause="energia"),
            Fault(year=2026, seq=2, scope="sitio", site_code="hachadura", description="Sin enlace",
                  opened_at=utc(12, 18)),
            CameraUptime(camera_code="hachadura-1", hour=utc(25, 18), up=45, down=15),
        ])  # fmt: skip


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


async def test_the_documents_say_what_the_records_say(bot: BotHarness) -> None:
    await seed_november(bot)
    mark, _ = await bot.send("jefe.marta", "/reporte 2026-11-Q2")
    pdf, xlsx = await chiefs_copy(bot, mark)
    (anomaly,) = sheet_rows(xlsx, "Anomalías")
    assert anomaly == (
        "A-2026-0007", datetime(2026, 11, 20, 8, 0), "Aduana Frontera La Hachadura", "La Hachadura 1",
        "Persona sospechosa", "Dos personas saltan la malla", "Luis Alvarado (llamada, Telegram, justificó por email)",
        12, 3.0, "Luis Alvarado: Personal de la naviera", "cerrada",
    )  # fmt: skip
    faults = {row[0]: row for row in sheet_rows(xlsx, "Fallas")}
    assert faults["F-2026-0004"][1:] == (
        datetime(2026, 11, 22, 12, 0), "Aduana Frontera La Hachadura", "La Hachadura 1", "Imagen en negro", 6.0,
        "energia", "resuelta",
    )  # fmt: skip
    assert faults["F-2026-0002"][5:] == (18.5 * 24, None, "en curso"), "open: counted to the period's end"
    assert [row[1] for row in sheet_rows(xlsx, "Disponibilidad")] == [0.75]
    assert sorted(row[0] for row in sheet_rows(xlsx, "Pendientes")) == ["A-2026-0003", "F-2026-0002"]
    text = " ".join(pdf_text(pdf).split())  # table cells wrap their text
    rows = (
        "Aduana Frontera La Hachadura · 1 anomalía",  # grouped by site, then by category
        "Persona sospechosa · 1 anomalía A-2026-0007 20/11/2026 08:00 La Hachadura 1 Persona sospechosa Dos personas "
        "saltan la malla Luis Alvarado (llamada, Telegram, justificó por email) 12 min 3 h Luis Alvarado: Personal de "
        "la naviera cerrada",
        "F-2026-0002 12/11/2026 12:00 Aduana Frontera La Hachadura Sitio completo Sin enlace 18 d 12 h sin determinar "
        "en curso",
        "F-2026-0004 22/11/2026 12:00 Aduana Frontera La Hachadura La Hachadura 1 Imagen en negro 6 h energia resuelta",
        "Disponibilidad Aduana Frontera La Hachadura 75,0 %",
        "A-2026-0003 Anomalía 10/11/2026 08:00 Aduana Frontera La Hachadura Portón sin candado abierta",
    )
    for row in rows:
        assert row in text, row
    assert pdf_images(pdf) == 5, "anomalies by site and by category, the heat map, response times, availability"


async def test_vigia_report_writes_the_version_the_chief_got(bot: BotHarness, tmp_path: Path) -> None:
    await seed_november(bot)
    mark, _ = await bot.send("jefe.marta", "/reporte 2026-11-Q2")
    await chiefs_copy(bot, mark)
    env = environment(bot.fake, tmp_path, Path(bot.settings.config_path)) | {
        "DATABASE_URL": bot.settings.database_url_or_default
    }
    code, out, _ = await vigia(env, "report", "--periodo", "2026-11-Q2", "--out", str(tmp_path / "r.pdf"))
    async with bot.services.db.read() as session:
        (report,) = (await session.exec(select(Report))).all()
    assert code == 0 and "version 1" in out
    assert hashlib.sha256((tmp_path / "r.pdf").read_bytes()).hexdigest() == report.pdf_sha256
    code, out, _ = await vigia(env, "report", "--periodo", "2026-12-Q1", "--out", str(tmp_path / "r.xlsx"))
    assert code == 0 and "preliminary" in out and load_workbook(tmp_path / "r.xlsx")["Anomalías"]
    code, _, err = await vigia(env, "report", "--periodo", "2026-12-Q1", "--out", str(tmp_path / "r.docx"))
    assert code == 2 and "must end in .pdf or .xlsx" in err and not (tmp_path / "r.docx").exists()


async def test_a_preliminary_copy_counts_an_open_fault_until_now(bot: BotHarness) -> None:
    async with bot.services.db.write() as session:
        session.add(
            Fault(year=2026, seq=1, scope="sitio", site_code="hachadura", opened_at=bot.clock() - timedelta(hours=30))
        )
    mark, _ = await bot.send("coord.carlos", "/reporte 2026-12-Q1")
    preliminary = await bot.fake.wait_for("sendDocument", after=mark, chat_id=CARLOS)
    xlsx = await bot.fake.wait_for("sendDocument", after=preliminary.index + 1, chat_id=CARLOS)
    ((*_, elapsed, _, state),) = sheet_rows(xlsx, "Fallas")
    assert elapsed == pytest.approx(30, abs=0.1) and state == "en curso", "until now, not the period's end"


async def test_an_observation_after_approval_changes_nothing(bot: BotHarness) -> None:
    mark, _ = await bot.send("jefe.marta", "/reporte 2026-11-Q2")
    pdf, _ = await chiefs_copy(bot, mark)
    mark, _ = await bot.press("jefe.marta", pdf.result, "inf:1:obs")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="observaciones")
    bot.services.unit = bot.services.unit.model_copy(
        update={"mail": bot.services.unit.mail.model_copy(update={"direccion_general": ("direccion@mh.test",)})}
    )
    mark, _ = await bot.press("jefe.marta", pdf.result, "inf:1:ok")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="aprobado")
    late = bot.fake.mark()
    bot.fake.send_text(
        bot.user("jefe.marta"), bot.private("jefe.marta"), "Agregar la ronda nocturna", reply_to=question.result
    )
    await bot.fake.wait_for("sendMessage", after=late, chat_id=MARTA, text_contains="ya está aprobado")
    assert not [c for c in bot.fake.calls[late:] if c.method == "sendDocument"], "no version after approval"


async def observe(bot: BotHarness, version: Call, text: str) -> tuple[Call, Call]:
    """The chief's observation on `version`'s message; returns the next version's copies."""
    mark, _ = await bot.press("jefe.marta", version.result, f"inf:{version_id(version)}:obs")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="observaciones")
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("jefe.marta"), bot.private("jefe.marta"), text, reply_to=question.result)
    return await chiefs_copy(bot, mark)


def version_id(copy: Call) -> int:
    (button, *_) = [b["callback_data"] for row in copy.params["reply_markup"]["inline_keyboard"] for b in row]
    return int(button.split(":")[1])


async def test_a_period_approved_takes_no_observation_from_an_older_versions_message(bot: BotHarness) -> None:
    """Marta's two-paragraph observation makes v2, another makes v3, keeping the first whole; she
    approves v3. The observation button still on v1's message then refuses, naming the version the
    Dirección General got, and /reporte still gives v3."""
    bot.services.unit = bot.services.unit.model_copy(
        update={"mail": bot.services.unit.mail.model_copy(update={"direccion_general": ("direccion@mh.test",)})}
    )
    mark, _ = await bot.send("jefe.marta", "/reporte 2026-11-Q2")
    first, _ = await chiefs_copy(bot, mark)
    second, _ = await observe(bot, first, "Reforzar la ronda nocturna.\nCoordinar con la PNC el portón norte.")
    third, _ = await observe(bot, second, "Revisar la cámara 3 de San Cristóbal")
    observations = pdf_text(third).split("6. Observaciones de la Jefatura")[1].split("7. Gráficos")[0]
    assert "versión 3" in third.params["caption"] and "Coordinar con la PNC" in observations
    assert "\n3. " not in observations and "2. Revisar la cámara 3" in observations, "the paragraphs stay one item"
    mark, _ = await bot.press("jefe.marta", third.result, f"inf:{version_id(third)}:ok")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="aprobado")
    mark, _ = await bot.press("jefe.marta", first.result, f"inf:{version_id(first)}:obs")
    refused = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "ya está aprobado (versión 3)" in refused.params["text"]
    mark, _ = await bot.send("jefe.marta", "/reporte 2026-11-Q2")
    again, _ = await chiefs_copy(bot, mark)
    assert "versión 3" in again.params["caption"]


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
    far = await bot.ask("jefe.marta", "/reporte 9999-12-Q2")  # its end would overflow the calendar
    assert "no es un período" in far.params["text"]
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


async def owe_requests(bot: BotHarness, *due: date) -> None:
    async with bot.services.db.write() as session:
        marta = await person_by_key(session, "jefe.marta")
        assert marta is not None and marta.id is not None
        for seq, day in enumerate(due, start=1):
            session.add(
                Solicitud(
                    year=2026,
                    seq=seq,
                    kind="interna",
                    unit_code="dgr",
                    channel="correo",
                    received_on=date(2026, 11, 27),
                    requester="Unidad de Gestión de Riesgos",
                    asked="Video del portón",
                    state="busqueda",
                    due_on=day,
                    created_at=utc(27, 15),
                    registered_by_id=marta.id,
                )
            )


async def test_the_daily_digest_goes_once_to_the_chief_and_coordinator(bot: BotHarness) -> None:
    await seed(bot)
    # Saturday the 5th: one request overdue since Thursday, one due Monday (the next working day), one later
    await owe_requests(bot, date(2026, 12, 3), date(2026, 12, 7), date(2026, 12, 9))
    await hand_over(bot)  # Ana's handover at 13:50, nobody has accepted it
    await bot.run_job("informes.daily_digest")  # 10:00: the digest of the 3rd, nothing in it
    await at(bot, datetime(2026, 12, 5, 13, 45, tzinfo=UTC))  # the 5th at 07:45
    mark = bot.fake.mark()
    await bot.run_job("informes.daily_digest")
    for chat in (MARTA, CARLOS):
        digest = await bot.fake.wait_for(
            "sendMessage", after=mark, chat_id=chat, text_contains="Resumen del 04/12/2026"
        )
        assert digest.params["text"] == (
            "🗞 <b>Resumen del 04/12/2026</b>\n"
            "Anomalías notificadas: 1 (abiertas en total: 1)\n"
            "Fallas abiertas: 1 · resueltas: 0 (abiertas en total: 1)\n"
            "Relevos: 1 (sin aceptar: 1)\n"
            "Solicitudes abiertas: 3 · vencen hoy o el próximo día hábil: 1 · vencidas: 1"
        )
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


async def test_reports_missed_over_two_periods_come_oldest_first_once(bot: BotHarness) -> None:
    await at(bot, datetime(2027, 1, 2, 15, 0, tzinfo=UTC))  # down from the 4th of December to the 2nd of January
    mark = bot.fake.mark()
    await bot.run_job("informes.report.start")
    first, _ = await chiefs_copy(bot, mark)
    second = await bot.fake.wait_for("sendDocument", after=first.index + 2, chat_id=MARTA)
    assert "R-2026-12-Q1" in first.params["caption"] and "R-2026-12-Q2" in second.params["caption"]
    await bot.run_job("informes.report")
    assert len([c for c in bot.fake.calls[mark:] if c.method == "sendDocument"]) == 4, "two reports, once each"


async def test_reports_switched_back_on_after_months_catch_up_only_the_last_45_days(bot: BotHarness) -> None:
    """`report_at` is off from December to June: switched back on on 2 June, the schedule hands the
    chief the three periods that ended since 18 April (back to 2027-04-Q2), not the eleven since December."""
    informes = bot.services.unit.informes
    bot.services.unit = bot.services.unit.model_copy(
        update={"informes": informes.model_copy(update={"report_at": None})}
    )
    await at(bot, datetime(2027, 3, 1, 15, 0, tzinfo=UTC))
    await bot.run_job("informes.report")
    bot.services.unit = bot.services.unit.model_copy(update={"informes": informes})
    await at(bot, datetime(2027, 6, 2, 15, 0, tzinfo=UTC))
    mark = bot.fake.mark()
    await bot.run_job("informes.report.start")
    await bot.fake.wait_for("sendDocument", after=mark, chat_id=MARTA, caption=lambda c: "R-2027-05-Q2" in c)
    captions = " ".join(c.params.get("caption", "") for c in bot.fake.calls[mark:] if c.method == "sendDocument")
    assert re.findall(r"R-\d{4}-\d{2}-Q\d", captions) == ["R-2027-04-Q2", "R-2027-05-Q1", "R-2027-05-Q2"]
    async with bot.services.db.read() as session:
        assert sorted((await session.exec(select(Report.period))).all()) == ["2027-04-Q2", "2027-05-Q1", "2027-05-Q2"]


async def test_reports_made_before_any_chief_opened_the_bot_all_reach_the_first_one(bot: BotHarness) -> None:
    """December's first half is issued on the 16th, its second on 1 January, and Marta only opens the
    bot on the 2nd: she gets both, oldest first, not just the last one."""
    await bot.link("jefe.marta", None)
    await at(bot, datetime(2026, 12, 16, 13, 30, tzinfo=UTC))
    await bot.run_job("informes.report")
    await at(bot, datetime(2027, 1, 1, 13, 30, tzinfo=UTC))
    await bot.run_job("informes.report")
    assert not [c for c in bot.fake.calls if c.method == "sendDocument"]
    await bot.link("jefe.marta", MARTA)
    mark = bot.fake.mark()
    await bot.run_job("informes.report")
    first, _ = await chiefs_copy(bot, mark)
    second = await bot.fake.wait_for("sendDocument", after=first.index + 2, chat_id=MARTA)
    assert "R-2026-12-Q1" in first.params["caption"] and "R-2026-12-Q2" in second.params["caption"]
    assert "versión 1" in first.params["caption"] and "versión 1" in second.params["caption"]


async def test_the_weekly_chart_waits_for_a_chief_to_open_the_bot(bot: BotHarness) -> None:
    await bot.link("jefe.marta", None)
    await at(bot, datetime(2026, 12, 7, 14, 30, tzinfo=UTC))  # Monday 7th at 08:30
    await bot.run_job("informes.weekly_availability")
    await bot.link("jefe.marta", MARTA)
    mark = bot.fake.mark()
    await at(bot, datetime(2026, 12, 8, 14, 30, tzinfo=UTC))  # she opens the bot on Tuesday
    await bot.run_job("informes.weekly_availability")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="semana pasada")


async def test_a_monday_missed_while_down_brings_the_chart_later_that_week(bot: BotHarness) -> None:
    await at(bot, datetime(2026, 12, 9, 16, 0, tzinfo=UTC))  # Wednesday the 9th: down on Monday
    mark = bot.fake.mark()
    await bot.run_job("informes.weekly_availability")
    chart = await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="semana pasada")
    assert "Sin datos" in chart.params["text"]
    await at(bot, datetime(2026, 12, 13, 16, 0, tzinfo=UTC))  # Sunday: still that week, sent already
    await bot.run_job("informes.weekly_availability")
    assert len([c for c in bot.fake.calls[mark:] if "semana pasada" in c.params.get("text", "")]) == 1


async def test_reports_and_digests_follow_the_configured_hours_or_stay_off(bot: BotHarness) -> None:
    off = Informes(report_at=None, daily_digest_at=time(9, 15), weekly_availability_at=None)
    bot.services.unit = bot.services.unit.model_copy(update={"informes": off})
    await at(bot, datetime(2027, 1, 4, 14, 0, tzinfo=UTC))  # Monday the 4th at 08:00: all were due at the defaults
    for job in ("informes.report", "informes.daily_digest", "informes.weekly_availability"):
        await bot.run_job(job)
    assert not [c for c in bot.fake.calls if c.params.get("chat_id") == MARTA], "off, or not yet 09:15"
    await at(bot, datetime(2027, 1, 4, 15, 15, tzinfo=UTC))
    mark = bot.fake.mark()
    await bot.run_job("informes.daily_digest")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=MARTA, text_contains="Resumen del 03/01/2027")


async def test_a_daily_digest_switched_off_is_not_sent_at_any_hour(bot: BotHarness) -> None:
    off = bot.services.unit.informes.model_copy(update={"daily_digest_at": None})
    bot.services.unit = bot.services.unit.model_copy(update={"informes": off})
    for hour in (11, 15, 23):  # 05:00, 09:00 and 17:00 in El Salvador: before and after the default 07:30
        await at(bot, datetime(2026, 12, 4, hour, 0, tzinfo=UTC))
        await bot.run_job("informes.daily_digest")
    assert not [c for c in bot.fake.calls if "Resumen del" in c.params.get("text", "")]
