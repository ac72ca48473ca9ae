"""The mail outbox against a real SMTP server (aiosmtpd): delivered once, retried through outages with
backoff, failed for good on a 5xx, picked up again after a claim that never completed, and never a
password in the logs."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.mail import MailError, domain_of, enqueue, outbox
from bot.mail.outbox import LEASE, MAX_REFUSALS
from bot.services import Services
from storage.audit import AuditEntry
from storage.db import Database
from storage.mail import MailStatus, OutboxAttempt, OutboxMail, attempts_of, claim_due
from tests.harness import GROUP_ID, BotHarness
from tests.mail_servers import SENDER, SMTP_PASSWORD, SmtpServer, point_at

LUIS = "Luis Alvarado <adm.luis@aduana.example.sv>"
OSCAR = "oscar.ramirez@hacienda.example.sv"
PHOTO = bytes(range(256)) * 64  # every byte value: any mangling shows


async def queue(bot: BotHarness, **fields: object) -> OutboxMail:
    values: dict = {"ref": "A-2026-0042", "to": [LUIS], "subject": "Alerta de anomalía", "text": "Persona sospechosa"}
    async with bot.services.db.write() as session:
        return await enqueue(session, now=bot.services.now(), **(values | fields))  # no domain, as the workflows


async def reload(bot: BotHarness, mail: OutboxMail) -> tuple[OutboxMail, list[OutboxAttempt]]:
    async with bot.services.db.read() as session:
        row = await session.get(OutboxMail, mail.id)
        assert row is not None
        return row, await attempts_of(session, row.id)  # type: ignore[arg-type]


async def audited(bot: BotHarness, prefix: str = "mail.") -> list[str]:
    async with bot.services.db.read() as session:
        entries = await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        return [e.action for e in entries if e.action.startswith(prefix)]


async def test_it_delivers_a_queued_mail_once_with_both_parts_and_the_attachment(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    mail = await queue(
        mail_bot,
        cc=[OSCAR],
        text="Persona sospechosa en la garita norte.\nCámara: La Hachadura 1",
        html="<p>Persona <b>sospechosa</b> en la garita norte.</p>",
        attachments=[("hachadura-1.jpg", "image/jpeg", PHOTO)],
    )
    assert mail.message_id.startswith("<A-2026-0042.") and mail.message_id.endswith("@vigia.invalid>")
    assert mail.subject == "[A-2026-0042] Alerta de anomalía"

    await mail_bot.run_job("mail.deliver")
    (received,) = await smtp_server.wait_for(1)
    message = received.message
    row, _ = await reload(mail_bot, mail)
    assert row.message_id == mail.message_id.replace("@vigia.invalid>", f"@vigia.{domain_of(SENDER)}>")
    assert received.mail_from == "vigia@aduana.example.sv"
    assert sorted(received.rcpt_tos) == ["adm.luis@aduana.example.sv", OSCAR]
    assert message["Message-ID"] == row.message_id  # settled at the first claim, before anything was sent
    assert message["Subject"] == "[A-2026-0042] Alerta de anomalía"
    assert message["To"] == LUIS and message["Cc"] == OSCAR and message["From"] == SENDER
    assert message["Auto-Submitted"] == "auto-generated" and message["X-Vigia-Ref"] == "A-2026-0042"
    assert message.get_body(("plain",)).get_content().strip().endswith("Cámara: La Hachadura 1")  # type: ignore[union-attr]
    assert "<b>sospechosa</b>" in message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "hachadura-1.jpg" and attachment.get_content_type() == "image/jpeg"
    assert attachment.get_content() == PHOTO

    await mail_bot.run_job("mail.deliver")
    assert len(smtp_server.received) == 1 and smtp_server.connections == 1  # nothing due: no connection either
    row, attempts = await reload(mail_bot, mail)
    assert (row.status, row.attempts, row.sent_at is not None) == (MailStatus.SENT, 1, True)
    assert [(a.outcome, a.error) for a in attempts] == [("sent", None)]
    assert await audited(mail_bot) == ["mail.queued", "mail.sent"]


async def test_what_a_mail_says_arrives_as_written(mail_bot: BotHarness, smtp_server: SmtpServer) -> None:
    """Lines that SMTP and mbox files treat specially ("From …", a lone "."), a name with accents and
    an accented file name each arrive exactly as queued: no ">From", no lost dot, no mangled name."""
    text = "Informe del turno.\nFrom the north gate: two people.\n.\n..\nFin del informe, sin más."
    to = "José Pérez Martínez de la Garita Norte <jose.perez@aduana.example.sv>"
    await queue(mail_bot, to=[to], text=text, attachments=[("bitácora-noviembre.pdf", "application/pdf", PHOTO)])
    await mail_bot.run_job("mail.deliver")
    (received,) = await smtp_server.wait_for(1)
    message = received.message
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert body.replace("\r\n", "\n").rstrip("\n") == text, "as SMTP carries it, with CRLF line ends"
    assert message["To"] == to and message["From"] == SENDER
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "bitácora-noviembre.pdf" and attachment.get_content() == PHOTO


async def test_an_outage_delays_mail_with_backoff_and_it_goes_out_once(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    mail = await queue(mail_bot)
    await smtp_server.stop()  # connections refused
    await mail_bot.run_job("mail.deliver")
    row, attempts = await reload(mail_bot, mail)
    assert row.status == MailStatus.PENDING and row.attempts == 1 and row.refusals == 0
    assert [a.outcome for a in attempts] == ["retry"] and "cannot reach 127.0.0.1" in (row.last_error or "")
    first_retry = row.next_attempt_at - mail_bot.services.now()
    assert timedelta(seconds=50) < first_retry <= timedelta(minutes=1)

    await mail_bot.run_job("mail.deliver")  # not due yet: no new attempt
    assert len((await reload(mail_bot, mail))[1]) == 1

    await smtp_server.start()
    smtp_server.hang_up = True  # back, but closing every connection at once
    mail_bot.clock.advance(timedelta(minutes=1))
    await mail_bot.run_job("mail.deliver")
    row, attempts = await reload(mail_bot, mail)
    assert [a.outcome for a in attempts] == ["retry", "retry"] and row.refusals == 0
    assert timedelta(seconds=110) < row.next_attempt_at - mail_bot.services.now() <= timedelta(minutes=2)

    smtp_server.hang_up = False
    mail_bot.clock.advance(timedelta(minutes=1))
    await mail_bot.run_job("mail.deliver")
    assert smtp_server.received == []  # the backoff is 2 minutes now
    mail_bot.clock.advance(timedelta(minutes=1))
    await mail_bot.run_job("mail.deliver")
    await mail_bot.run_job("mail.deliver")
    (received,) = await smtp_server.wait_for(1)
    assert received.message["Message-ID"] == (await reload(mail_bot, mail))[0].message_id
    row, attempts = await reload(mail_bot, mail)
    assert row.status == MailStatus.SENT and [a.outcome for a in attempts] == ["retry", "retry", "sent"]


async def test_mails_claimed_together_wait_together_through_an_outage(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    """A burst meets a server that is down: the first mail finds it so, the others are not tried
    against it one by one, none is counted as refused, and all go out once it is back."""
    mails = [await queue(mail_bot, subject=f"Alerta {n}") for n in range(3)]
    await smtp_server.stop()
    await mail_bot.run_job("mail.deliver")
    for mail in mails:
        row, attempts = await reload(mail_bot, mail)
        assert (row.status, row.refusals, [a.outcome for a in attempts]) == (MailStatus.PENDING, 0, ["retry"])
        assert "cannot reach 127.0.0.1" in (row.last_error or "")

    await smtp_server.start()
    mail_bot.clock.advance(timedelta(minutes=1))
    await mail_bot.run_job("mail.deliver")
    received = await smtp_server.wait_for(3)
    assert sorted(str(r.message["Subject"]) for r in received) == [f"[A-2026-0042] Alerta {n}" for n in range(3)]
    assert smtp_server.connections == 1


async def test_backoff_doubles_up_to_an_hour() -> None:
    minutes = [outbox.backoff(n) / timedelta(minutes=1) for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert outbox.backoff(10_000) == timedelta(hours=1)


async def test_a_refused_recipient_fails_the_mail_for_good_and_the_group_is_told_once(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    nobody = "nadie@aduana.example.sv"
    smtp_server.refuse_recipients[nobody] = "550 5.1.1 <nadie@aduana.example.sv>: Recipient address rejected"
    mail = await queue(mail_bot, ref="F-2026-0123", to=[nobody], subject="Falla de cámara")
    mark = mail_bot.fake.mark()
    await mail_bot.run_job("mail.deliver")
    row, attempts = await reload(mail_bot, mail)
    assert row.status == MailStatus.FAILED and row.attempts == 1
    assert "550 5.1.1" in (row.last_error or "") and [a.outcome for a in attempts] == ["failed"]
    assert await audited(mail_bot) == ["mail.queued", "mail.failed"]
    notice = await mail_bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Correo no entregado"
    )
    assert notice.params["message_thread_id"] == mail_bot.unit.group.topics.fallas
    assert "F-2026-0123" in notice.params["text"] and "550 5.1.1" in notice.params["text"]

    mail_bot.clock.advance(timedelta(hours=2))
    await mail_bot.run_job("mail.deliver")
    assert len((await reload(mail_bot, mail))[1]) == 1 and smtp_server.received == []
    assert len([c for c in mail_bot.fake.calls[mark:] if "Correo no entregado" in str(c.params.get("text"))]) == 1


async def test_one_refused_recipient_of_two_still_sends_and_is_recorded(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    smtp_server.refuse_recipients["nadie@aduana.example.sv"] = "550 5.1.1 User unknown"
    mail = await queue(mail_bot, to=[LUIS, "nadie@aduana.example.sv"])
    await mail_bot.run_job("mail.deliver")
    (received,) = await smtp_server.wait_for(1)
    assert received.rcpt_tos == ["adm.luis@aduana.example.sv"]
    row, _ = await reload(mail_bot, mail)
    assert row.status == MailStatus.SENT and "nadie@aduana.example.sv: 550 5.1.1 User unknown" in (row.last_error or "")


async def test_temporary_refusals_are_retried_then_given_up(mail_bot: BotHarness, smtp_server: SmtpServer) -> None:
    smtp_server.data_answer = "451 4.3.0 Mailbox busy, try again later"
    mail = await queue(mail_bot)
    for _ in range(MAX_REFUSALS):
        await mail_bot.run_job("mail.deliver")
        mail_bot.clock.advance(timedelta(hours=1))
    row, attempts = await reload(mail_bot, mail)
    assert row.status == MailStatus.FAILED and row.refusals == MAX_REFUSALS
    assert [a.outcome for a in attempts] == ["retry"] * (MAX_REFUSALS - 1) + ["failed"]
    assert all("451 4.3.0" in (a.error or "") for a in attempts)


async def test_a_claim_that_never_completes_is_taken_again_after_the_lease(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    """A delivery that died between its claim and its outcome (the process crashed mid-send)."""
    mail = await queue(mail_bot)
    now = mail_bot.services.now()
    async with mail_bot.services.db.write() as session:
        assert [m.id for m in await claim_due(session, now, now + LEASE, 10, "x.sv")] == [mail.id]

    await mail_bot.run_job("mail.deliver")
    mail_bot.clock.advance(LEASE - timedelta(seconds=5))
    await mail_bot.run_job("mail.deliver")
    assert smtp_server.received == []

    mail_bot.clock.advance(timedelta(seconds=5))
    await mail_bot.run_job("mail.deliver")
    await mail_bot.run_job("mail.deliver")
    (received,) = await smtp_server.wait_for(1)
    assert received.message["Message-ID"] == (await reload(mail_bot, mail))[0].message_id
    row, attempts = await reload(mail_bot, mail)
    assert row.status == MailStatus.SENT and row.attempts == 2 and [a.outcome for a in attempts] == ["sent"]


async def test_two_processes_delivering_at_once_send_each_mail_once(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    """The bot and another process on the same database (each its own run): the claims decide."""
    mails = [await queue(mail_bot, subject=f"Alerta {n}") for n in range(6)]
    other = Services(
        mail_bot.settings, mail_bot.unit, Database(mail_bot.settings.database_url_or_default), clock=mail_bot.clock
    )
    try:
        done = await asyncio.gather(outbox.deliver_due(mail_bot.services), outbox.deliver_due(other))
    finally:
        await other.db.dispose()
    assert sum(done) == 6
    received = await smtp_server.wait_for(6)
    stored = [(await reload(mail_bot, m))[0].message_id for m in mails]
    assert sorted(r.message["Message-ID"] for r in received) == sorted(stored)


async def test_mail_queued_while_a_run_is_on_its_way_goes_with_it_over_one_connection(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    """A burst of reports, each asking for a delivery run: one run, one connection to the server (it
    used to be a run and a connection for each report, forty at once in bench/anomaly.py)."""
    smtp_server.hold_data = asyncio.Event()
    await queue(mail_bot, subject="Alerta 1")
    run = asyncio.create_task(outbox.deliver_due(mail_bot.services))
    await smtp_server.wait_for(1)  # the server has it and has not answered: the run is on its way
    async with asyncio.timeout(5):
        for n in (2, 3, 4):
            await queue(mail_bot, subject=f"Alerta {n}")
            mail_bot.services.kick_outbox()  # what a report does: no run of its own is scheduled
            assert await outbox.deliver_due(mail_bot.services) == 0  # and a round meanwhile joins the run
        assert not mail_bot.app.job_queue.get_jobs_by_name("mail.deliver.now")  # type: ignore[union-attr]
        smtp_server.hold_data.set()
        assert await run == 4
    subjects = [str(r.message["Subject"]) for r in await smtp_server.wait_for(4)]
    assert subjects == [f"[A-2026-0042] Alerta {n}" for n in (1, 2, 3, 4)] and smtp_server.connections == 1

    smtp_server.hold_data = None
    await queue(mail_bot, subject="Alerta 5")  # after the run ended: a run of its own
    mail_bot.services.kick_outbox()
    await mail_bot.run_job("mail.deliver.now")
    assert str((await smtp_server.wait_for(5))[-1].message["Subject"]) == "[A-2026-0042] Alerta 5"


async def test_enqueue_refuses_bad_input_and_rolls_back_with_the_caller(bot: BotHarness) -> None:
    for bad in (
        {"to": ["no es un correo"]},
        {"to": []},
        {"to": ["a@b.sv\r\nBcc: x@y.sv"]},
        {"cc": ["sin-arroba"]},
        {"ref": "A 2026/0042"},
        {"attachments": [("../../etc/passwd", "text/plain", b"x")]},
        {"in_reply_to": "not-a-message-id"},
    ):
        with pytest.raises(MailError):
            await queue(bot, **bad)

    with pytest.raises(RuntimeError):
        async with bot.services.db.write() as session:
            await enqueue(session, ref="A-2026-0042", to=[LUIS], subject="x", text="y", now=bot.services.now())
            raise RuntimeError("the state change that caused the mail failed")
    async with bot.services.db.read() as session:
        assert (await session.exec(select(OutboxMail))).all() == []
    assert await audited(bot) == []


async def test_without_smtp_host_mail_stays_queued_and_one_warning_says_so(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "_warned_unconfigured", False)
    mail = await queue(bot)
    with caplog.at_level(logging.WARNING, logger="bot.mail"):
        await bot.run_job("mail.deliver")
        await bot.run_job("mail.deliver")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("bot.mail")] == [
        "SMTP_HOST or SMTP_FROM is not set: 1 e-mail(s) stay queued until they are"
    ]
    row, attempts = await reload(bot, mail)
    assert row.status == MailStatus.PENDING and row.attempts == 0 and attempts == []


async def test_starttls_required_but_not_offered_sends_nothing_in_clear(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    point_at(mail_bot, smtp_server, SMTP_SECURITY="starttls")
    mail = await queue(mail_bot)
    await mail_bot.run_job("mail.deliver")
    row, _ = await reload(mail_bot, mail)
    assert row.status == MailStatus.PENDING and "STARTTLS" in (row.last_error or "") and smtp_server.received == []


async def test_it_logs_in_and_no_password_reaches_the_logs(
    bot: BotHarness, smtp_server_with_auth: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the root: DEBUG would let aiosqlite's threads log after the test
    for name in ("bot", "jobs", "aiosmtplib"):
        caplog.set_level(logging.DEBUG, logger=name)
    server = smtp_server_with_auth
    point_at(bot, server, SMTP_PASSWORD="wrong-" + SMTP_PASSWORD)
    mail = await queue(bot)
    await bot.run_job("mail.deliver")
    row, _ = await reload(bot, mail)
    assert (
        row.status == MailStatus.PENDING and row.refusals == 0 and "refused the login of vigia-smtp" in row.last_error
    )  # type: ignore[operator]

    point_at(bot, server)
    bot.clock.advance(timedelta(minutes=1))
    await bot.run_job("mail.deliver")
    await server.wait_for(1)
    assert server.logins == ["vigia-smtp"]
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))  # not the server's
    assert "refused the login" in ours and SMTP_PASSWORD not in ours and SMTP_PASSWORD not in (row.last_error or "")
