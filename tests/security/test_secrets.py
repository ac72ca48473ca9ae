"""The bot token, camera passwords and the SMTP password never reach the logs, Telegram, e-mail or
the documents the bot writes, even while cameras and the mail server fail.

Cameras carry their credentials in the URL (`rtsp://admin:${CAM_PASSWORD}@...`), as cameras are often
configured; one refuses the connection, one refuses the login. The SMTP server refuses the login,
then goes down. Everything the bot says meanwhile is searched for every secret.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
import yaml

from bot.logs import RedactingFilter
from tests.cameras_fixtures import CAMERA_PASSWORD, HttpCameras
from tests.conftest import UNIT_YAML
from tests.fake_telegram import Call
from tests.harness import GROUP_ID, BotHarness
from tests.mail_servers import SMTP_PASSWORD, SmtpServer, point_at
from tests.ports import unassigned_port

OURS = ("bot", "handlers", "jobs", "storage")
LOGGERS = (*OURS, "telegram", "httpx", "httpcore", "aiosmtplib", "apscheduler")


@pytest.fixture
def unit_file(tmp_path: Path, http_cameras: HttpCameras) -> Path:
    """Overrides conftest's: two cameras at La Hachadura with credentials in their URLs, both failing."""
    unit = yaml.safe_load(UNIT_YAML)
    refused, digest = unassigned_port(), http_cameras.port  # nothing listens: refused at once
    unit["cameras"] = [
        {
            "code": "hachadura-1",
            "name": "La Hachadura 1",
            "site": "hachadura",
            "rtsp_url": f"rtsp://admin:${{CAM_PASSWORD}}@127.0.0.1:{refused}/Streaming/101",
        },
        {
            "code": "hachadura-2",
            "name": "La Hachadura 2",
            "site": "hachadura",
            "snapshot_url": f"http://admin:${{CAM_PASSWORD}}@127.0.0.1:{digest}/digest/red.jpg",  # wrong user
        },
    ]
    unit["capture"] = {"open_timeout_s": 1, "read_timeout_s": 1}
    path = tmp_path / "vigia.yaml"
    path.write_text(yaml.safe_dump(unit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class Raw(logging.Handler):
    """Our own packages' log lines as they are written, before any redacting filter."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs(bot: BotHarness, caplog: pytest.LogCaptureFixture) -> Iterator[tuple[pytest.LogCaptureFixture, Raw]]:
    """caplog with the production filter (bot.logs.setup_logging puts it on the one handler), every
    library at DEBUG; and `Raw`, what our own code logs with no filter at all."""
    raw = Raw()
    raw.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    caplog.handler.addFilter(RedactingFilter(bot.services.secrets))
    caplog.set_level(logging.INFO)  # the root: DEBUG would let aiosqlite's threads log after the test
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    for name in OURS:
        logging.getLogger(name).addHandler(raw)
    yield caplog, raw
    for name in OURS:
        logging.getLogger(name).removeHandler(raw)


def secrets_of(bot: BotHarness, *more: str) -> dict[str, str]:
    return {"bot token": bot.settings.telegram_bot_token.get_secret_value(), "camera": CAMERA_PASSWORD} | {
        f"smtp {n}": s for n, s in enumerate(more)
    }


def leaks(secrets: dict[str, str], where: str, text: str | bytes) -> list[str]:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    return [f"{name} in {where}" for name, secret in secrets.items() if secret.encode() in data]


def sent_to_telegram(calls: list[Call]) -> list[tuple[str, str | bytes]]:
    found: list[tuple[str, str | bytes]] = []
    for call in calls:
        found.append((f"call #{call.index} {call.method}", json.dumps(call.params, ensure_ascii=False, default=str)))
        found += [(f"call #{call.index} file {name}", data) for name, data in call.files.items()]
    return found


def document_text(name: str, data: bytes) -> str:
    """What a person reads in a document the bot sent: every sheet's cells, every PDF page."""
    if name.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(member).decode("utf-8", "replace") for member in archive.namelist())
    if name.endswith(".pdf"):
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    return ""


async def test_it_keeps_every_secret_out_of_logs_messages_mail_and_documents(
    bot: BotHarness,
    smtp_server_with_auth: SmtpServer,
    logs: tuple[pytest.LogCaptureFixture, Raw],
) -> None:
    caplog, raw = logs
    wrong_smtp_password = "wrong-" + SMTP_PASSWORD
    point_at(bot, smtp_server_with_auth, SMTP_PASSWORD=wrong_smtp_password)
    secrets = secrets_of(bot, SMTP_PASSWORD, wrong_smtp_password)
    start = bot.fake.mark()

    for camera in ("hachadura 1", "hachadura 2"):  # refused; wrong login
        failure = await bot.ask("tec.ana", f"/foto {camera}", where="group", text_contains="127.0.0.1")
        assert "admin" not in failure.params["text"]  # the URL is shown without its user, too

    for _ in range(3):  # the health monitor opens a fault for the site after three bad rounds
        bot.clock.advance(timedelta(seconds=60))
        await bot.run_job("salud.round")
    posted = await bot.fake.wait_for("sendMessage", after=start, chat_id=GROUP_ID, text_contains="F-2026-0001")
    for answer in ("todo_normal", "enlace_correcto"):  # reaching the vendor queues the e-mail
        mark, _ = await bot.press("tec.ana", posted.result, f"fll:1:ans:{answer}")
        await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])

    await bot.run_job("mail.deliver")  # the login is refused
    await smtp_server_with_auth.stop()  # then the server is down
    bot.clock.advance(timedelta(minutes=5))
    await bot.run_job("mail.deliver")
    bot.clock.advance(timedelta(minutes=bot.unit.mail.stuck_after_minutes + 1))
    mark = bot.fake.mark()
    await bot.run_job("mail.deliver")  # the coordinators are told the mail is stuck, with its last error
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=1003)
    await smtp_server_with_auth.start()
    point_at(bot, smtp_server_with_auth)
    bot.clock.advance(timedelta(hours=1))
    await bot.run_job("mail.deliver")
    mails = await smtp_server_with_auth.wait_for(1)

    mark, _ = await bot.send("tec.ana", "/bitacora")
    documents = [await bot.fake.wait_for("sendDocument", after=mark, chat_id=1001) for _ in range(1)]
    documents.append(await bot.fake.wait_for("sendDocument", after=documents[0].index + 1, chat_id=1001))
    await bot.settle()

    found: list[str] = []
    for where, text in sent_to_telegram(bot.fake.calls[start:]):
        found += leaks(secrets, where, text)
    for mail in mails:
        found += leaks(secrets, f"mail to {mail.rcpt_tos}", mail.raw)
    for document in documents:
        (name,) = [file for file in document.files]
        filename = document.params.get("filename") or name
        found += leaks(secrets, f"document {filename}", document_text(str(filename), document.files[name]))
    found += leaks(secrets, "the log (production filter)", caplog.text)
    found += leaks(secrets, "our own log lines (no filter)", "\n".join(raw.lines))
    assert found == []
    assert "refused the login" in caplog.text and any("hachadura-1" in line for line in raw.lines)
