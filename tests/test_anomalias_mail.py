"""Anomalies with their real parts: a camera snapshot attached, the e-mail on a real SMTP server,
and a justification that comes back through a real IMAP server to the group."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from sqlmodel import select

from bot.mail import compose
from storage.evidence import Evidence
from tests.cameras_fixtures import HttpCameras
from tests.conftest import UNIT_YAML
from tests.harness import GROUP_ID, BotHarness
from tests.mail_servers import ImapAccount, SmtpServer, point_at, reply_to
from tests.security.guided import ready_to_send

LUIS, OSCAR = 1005, 1006
JUSTIFICATION = "Era personal de la naviera autorizado para retirar carga"


@pytest.fixture
def unit_file(tmp_path: Path, http_cameras: HttpCameras) -> Iterator[Path]:
    """La Hachadura's camera is a real HTTP camera that serves a blue picture."""
    unit = yaml.safe_load(UNIT_YAML)
    unit["cameras"] = [
        {
            "code": "hachadura-1",
            "name": "La Hachadura 1",
            "site": "hachadura",
            "snapshot_url": http_cameras.url("/open/blue.jpg"),
        }
    ]
    path = tmp_path / "vigia.yaml"
    path.write_text(yaml.safe_dump(unit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    yield path


async def test_the_alert_email_carries_the_snapshot_and_the_reply_justifies(
    mail_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount
) -> None:
    bot = mail_bot
    point_at(bot, smtp_server, imap_account)
    mark, _ = await bot.send(
        "tec.ana", "/anomalia hachadura #persona_sospechosa #hachadura-1 Persona saltó la malla <script>", "group"
    )
    report = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    photo = await bot.fake.wait_for("sendPhoto", after=mark, chat_id=LUIS)

    await bot.run_job("mail.deliver")
    (sent,) = await smtp_server.wait_for(1)
    message = sent.message
    assert sent.rcpt_tos == ["luis@aduana.test"]
    assert message["Subject"] == "[A-2026-0001] Anomalía en Aduana Frontera La Hachadura: Persona sospechosa"
    html_part = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;script&gt;" in html_part and "<script>" not in html_part
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content() == photo.files["photo"], "the picture Luis got on Telegram, byte for byte"
    image = cv2.imdecode(np.frombuffer(attachment.get_content(), np.uint8), cv2.IMREAD_COLOR)
    blue, _, red = (float(image[:, :, channel].mean()) for channel in range(3))
    assert blue > 150 and red < 80  # the blue camera, with the burnt-in label on top
    async with bot.services.db.read() as session:
        (evidence,) = (await session.exec(select(Evidence))).all()
    assert evidence.case_ref == "anomalia:A-2026-0001"

    body = "Verificamos: era un empleado de la bodega que perdió su carné.\n\nEl jue, 4 dic escribió:\n> Estimado"
    reply = reply_to(message, "Luis Alvarado <luis@aduana.test>", body)  # type: ignore[arg-type]
    badge = cv2.imencode(".jpg", np.full((60, 90, 3), 200, np.uint8))[1].tobytes()
    reply.add_attachment(badge, maintype="image", subtype="jpeg", filename="carne.jpg")
    await imap_account.deliver(reply.as_bytes())
    await bot.run_job("mail.inbox")
    mark = bot.fake.mark()
    await bot.run_job("anomalias.justifications")
    await bot.run_job("anomalias.justifications")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="📝 Justificación")
    assert "por correo" in posted.params["text"] and "perdió su carné" in posted.params["text"]
    assert "Estimado" not in posted.params["text"]
    assert posted.params["reply_parameters"]["message_id"] == report.result["message_id"]
    assert sum("📝 Justificación" in str(c.params.get("text")) for c in bot.fake.calls[mark:]) == 1
    async with bot.services.db.read() as session:
        kept = (await session.exec(select(Evidence).where(Evidence.case_ref == "anomalia:A-2026-0001"))).all()
    assert len(kept) == 2  # the snapshot, and the photo that came with the reply


@pytest.mark.parametrize(
    "body",
    [
        "Ok, recibido.",
        "Ok\n\nEnviado desde mi iPhone",
        "Recibido, gracias.\n-- \nLuis Alvarado\nAdministrador de aduana, La Hachadura",
    ],
)
async def test_an_emailed_ok_is_answered_with_what_a_justification_needs(
    mail_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount, body: str
) -> None:
    """Thanks, a phone's footer or a signature under them explain nothing either."""
    bot = mail_bot
    point_at(bot, smtp_server, imap_account)
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura #persona_sospechosa Persona saltó la malla norte", "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="A-2026-0001")
    await bot.run_job("mail.deliver")
    (alert,) = await smtp_server.wait_for(1)
    reply = reply_to(alert.message, "Luis Alvarado <luis@aduana.test>", body)
    await imap_account.deliver(reply.as_bytes())
    await bot.run_job("mail.inbox")
    await bot.run_job("mail.deliver")
    hint = (await smtp_server.wait_for(2))[1]
    assert hint.rcpt_tos == ["luis@aduana.test"] and hint.message["In-Reply-To"] == reply["Message-ID"]
    assert hint.message["Subject"] == "[A-2026-0001] Justificación pendiente"
    assert "no alcanza como justificación" in hint.message.get_content()
    mark = bot.fake.mark()
    await bot.run_job("anomalias.justifications")
    await bot.settle()
    assert not [c for c in bot.fake.calls[mark:] if "📝 Justificación" in str(c.params.get("text"))]


async def test_the_reminder_reaches_by_mail_who_is_not_on_telegram_and_their_reply_justifies(
    mail_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount
) -> None:
    """Luis never opened the bot: his alert came by e-mail only, and so does his reminder, as a reply
    to it (one thread, and his answer matches the case). Óscar, on Telegram without an address, is
    reminded there."""
    bot = mail_bot
    point_at(bot, smtp_server, imap_account)
    await bot.link("adm.luis", None)
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura #riesgo_seguridad Disparos cerca del carril", "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=OSCAR, text_contains="Anomalía A-2026-0001")
    await bot.run_job("mail.deliver")
    (alert,) = await smtp_server.wait_for(1)

    bot.clock.advance(timedelta(hours=24, minutes=1))
    mark = bot.fake.mark()
    await bot.run_job("anomalias.unjustified")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=OSCAR, text_contains="Seguimos esperando")
    await bot.run_job("mail.deliver")
    reminder = (await smtp_server.wait_for(2))[1]
    assert reminder.rcpt_tos == ["luis@aduana.test"]
    assert reminder.message["In-Reply-To"] == alert.message["Message-ID"]
    assert reminder.message["Subject"].startswith("[A-2026-0001]")
    assert "Seguimos esperando su justificación de la anomalía A-2026-0001" in reminder.message.get_content()

    answer = reply_to(reminder.message, "Luis Alvarado <luis@aduana.test>", JUSTIFICATION)  # type: ignore[arg-type]
    await imap_account.deliver(answer.as_bytes())
    await bot.run_job("mail.inbox")
    mark = bot.fake.mark()
    await bot.run_job("anomalias.justifications")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="📝 Justificación")
    assert "Luis Alvarado" in posted.params["text"] and "naviera autorizado" in posted.params["text"]


async def test_mail_waits_out_an_smtp_outage_and_goes_once(mail_bot: BotHarness, smtp_server: SmtpServer) -> None:
    bot = mail_bot
    await smtp_server.stop()
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura Vehículo sin placas frente al portón", "group")
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="Llame primero")
    await bot.run_job("mail.deliver")
    await bot.restart()  # queued mail survives a restart
    await smtp_server.start()
    point_at(bot, smtp_server)
    bot.clock.advance(timedelta(minutes=5))
    await bot.run_job("mail.deliver")
    await bot.run_job("mail.deliver")
    received = await smtp_server.wait_for(1)
    assert len(received) == 1 and received[0].message["Subject"].startswith("[A-2026-0001]")


def noise(width: int, height: int) -> bytes:
    """A JPEG that hardly compresses: the larger the picture, the more bytes."""
    pixels = np.random.default_rng(width).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return cv2.imencode(".jpg", pixels)[1].tobytes()


async def test_it_files_a_report_whose_images_do_not_fit_in_one_email_and_the_email_says_what_was_left_out(
    mail_bot: BotHarness, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Images over the mail's limit (20 MB; the two smaller of Ana's three photos here) never keep a case
    from being filed or alerted: the e-mail carries those that fit, the largest left out first, and says
    how many are only in Telegram."""
    bot = mail_bot
    small, large, medium = noise(64, 48), noise(640, 480), noise(320, 240)
    monkeypatch.setattr(compose, "MAX_ATTACHMENTS_BYTES", len(small) + len(medium))
    form = await ready_to_send(bot, [small, large, medium])
    mark, _ = await bot.press("tec.ana", form.result, "anmd:1:send")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="Anomalía A-2026-0001")
    album = await bot.fake.wait_for("sendMediaGroup", after=mark, chat_id=LUIS)
    assert len(album.params["media"]) == 3, "Telegram carries them all"

    await bot.run_job("mail.deliver")
    (sent,) = await smtp_server.wait_for(1)
    attached = {a.get_filename(): a.get_content() for a in sent.message.iter_attachments()}
    assert attached == {"A-2026-0001-1.jpg": small, "A-2026-0001-3.jpg": medium}
    note = "Imágenes no adjuntadas por el tamaño del correo: 1 de 3"
    assert note in sent.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert note in sent.message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
