"""Replies read from a real IMAP server (Dovecot): stored once, matched to their case by In-Reply-To or
by the subject, handed to the workflow's handler once with the quoted text removed; unmatched and
automatic mail stored and never lost."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.mail import IncomingReply, domain_of, enqueue, inbox
from bot.mail.inbox import html_text, reply_text
from bot.services import Services
from storage.mail import InboxMessage, OutboxMail, ReplyStatus
from tests.harness import BotHarness
from tests.mail_servers import (
    IMAP_PASSWORD,
    SENDER,
    UTF8_ACCOUNT,
    UTF8_PASSWORD,
    DovecotServer,
    ImapAccount,
    SmtpServer,
    point_at,
)

LUIS = "Luis Alvarado <adm.luis@aduana.example.sv>"
QUOTED_ES = """\
Recibido. Enviamos a dos agentes a la garita norte.
Luis

El jue, 4 dic 2026 a las 10:15, Vigía UTMV <
vigia@aduana.example.sv> escribió:
> Persona sospechosa en la garita norte.
> Cámara: La Hachadura 1
"""


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, IncomingReply]]:
    """Handlers for "A-" and "F-" that record what they get; the registry is restored afterwards."""
    monkeypatch.setattr(inbox, "_handlers", {})
    calls: list[tuple[str, IncomingReply]] = []

    async def record(_services: Services, ref: str, reply: IncomingReply) -> None:
        calls.append((ref, reply))

    inbox.register_reply_handler("A-", record, any_case)
    inbox.register_reply_handler("F-", record, any_case)
    return calls


async def any_case(_session: AsyncSession, _year: int, _seq: int) -> bool:
    """Every number named in a subject is a case: these tests' workflows have no cases of their own."""
    return True


@pytest.fixture
def mailbox_bot(bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount) -> BotHarness:
    point_at(bot, smtp_server, imap_account)
    return bot


def reply(subject: str, body: str, *, in_reply_to: str | None = None, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = LUIS
    message["To"] = SENDER
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 12, 4, 16, 20, tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain="aduana.example.sv")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = f"<older@example.sv> {in_reply_to}"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes(policy=policy.SMTP)  # CRLF, as it is stored on the server


async def sent_mail(bot: BotHarness, smtp_server: SmtpServer, ref: str = "A-2026-0042") -> OutboxMail:
    async with bot.services.db.write() as session:
        mail = await enqueue(
            session,
            ref=ref,
            to=[LUIS],
            subject="Alerta de anomalía",
            text="Persona sospechosa en la garita norte.",
            now=bot.services.now(),
            domain=domain_of(SENDER),
        )
    await bot.run_job("mail.deliver")
    await smtp_server.wait_for(1)
    return mail


async def stored(bot: BotHarness) -> list[InboxMessage]:
    async with bot.services.db.read() as session:
        return list((await session.exec(select(InboxMessage).order_by(col(InboxMessage.id)))).all())


async def test_a_reply_to_our_mail_reaches_its_handler_once_without_the_quote(
    mailbox_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount, handled: list
) -> None:
    mail = await sent_mail(mailbox_bot, smtp_server)
    raw = reply("Re: Alerta", QUOTED_ES, in_reply_to=mail.message_id)  # the subject lost the number
    await imap_account.deliver(raw)

    await mailbox_bot.run_job("mail.inbox")
    await mailbox_bot.run_job("mail.inbox")
    ((ref, incoming),) = handled
    assert ref == "A-2026-0042" and incoming.ref == ref and incoming.matched_by == "in_reply_to"
    assert incoming.text == "Recibido. Enviamos a dos agentes a la garita norte.\nLuis"
    assert (incoming.from_address, incoming.from_name) == ("adm.luis@aduana.example.sv", "Luis Alvarado")
    assert await imap_account.unseen() == []  # flagged seen once stored

    await imap_account.deliver(raw)  # the same message again (a second copy, a re-sync): stored once
    await mailbox_bot.run_job("mail.inbox")
    assert len(handled) == 1 and await imap_account.unseen() == []
    (row,) = await stored(mailbox_bot)
    assert (row.status, row.matched_ref, row.handled_at is not None) == (ReplyStatus.HANDLED, ref, True)
    assert row.raw == raw and row.in_reply_to == mail.message_id


async def test_a_reply_naming_our_mail_only_in_its_references_is_matched_by_them(
    mailbox_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount, handled: list
) -> None:
    """Some clients answer a message further down the thread: In-Reply-To names that one, and our mail
    is only among the References."""
    mail = await sent_mail(mailbox_bot, smtp_server)
    body = "Confirmo lo que dijo Sonia."
    await imap_account.deliver(
        reply(
            "Re: Alerta",
            body,
            In_Reply_To="<sonia.1@aduana.example.sv>",
            References=f"{mail.message_id} <sonia.1@aduana.example.sv>",
        )
    )
    await mailbox_bot.run_job("mail.inbox")
    ((ref, incoming),) = handled
    assert (ref, incoming.matched_by, incoming.text) == ("A-2026-0042", "in_reply_to", body)


async def test_a_reply_is_matched_by_the_case_number_in_its_subject(
    mailbox_bot: BotHarness, imap_account: ImapAccount, handled: list
) -> None:
    body = "La cámara 3 ya tiene energía.\n\nOn Thu, Dec 4, 2026 at 10:15 AM Vigía wrote:\n> Falla de cámara\n"
    await imap_account.deliver(reply("RE: [f-2026-0123] Falla de cámara", body))
    await mailbox_bot.run_job("mail.inbox")
    ((ref, incoming),) = handled
    assert (ref, incoming.matched_by, incoming.text) == ("F-2026-0123", "subject", "La cámara 3 ya tiene energía.")


async def test_an_unmatched_mail_is_stored_logged_and_left_unread_for_a_person(
    mailbox_bot: BotHarness, imap_account: ImapAccount, handled: list, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.mail"):
        await imap_account.deliver(reply("Consulta general", "¿A quién le escribo por las cámaras?"))
        await mailbox_bot.run_job("mail.inbox")
        await mailbox_bot.run_job("mail.inbox")
    (row,) = await stored(mailbox_bot)
    assert (row.status, row.matched_ref, row.text) == (
        ReplyStatus.UNMATCHED,
        None,
        "¿A quién le escribo por las cámaras?",
    )
    assert handled == [] and len(await imap_account.unseen()) == 1, "still new for whoever reads the mailbox"
    warnings = [r.getMessage() for r in caplog.records if "matches no case" in r.getMessage()]
    assert len(warnings) == 1 and "Consulta general" in warnings[0] and "left unread" in warnings[0]


async def test_a_subject_naming_no_case_that_exists_is_left_unread_for_a_person(
    mailbox_bot: BotHarness, imap_account: ImapAccount, caplog: pytest.LogCaptureFixture
) -> None:
    """A mistyped number (A-2026-0420 for 0042) names no case: unmatched, like a mail without one,
    for the anomalies' and the faults' workflows as they are registered."""
    mark, _ = await mailbox_bot.send("tec.ana", "/anomalia hachadura Persona merodeando el portón norte", "group")
    await mailbox_bot.fake.wait_for("sendMessage", after=mark, text_contains="A-2026-0001")
    with caplog.at_level(logging.WARNING, logger="bot.mail"):
        for subject in ("Re: A-2026-0420", "RE: [F-2026-0099] Falla de cámara", "Re: A-2026-0001"):
            await imap_account.deliver(reply(subject, "Era personal de la naviera."))
        await mailbox_bot.run_job("mail.inbox")
        await mailbox_bot.run_job("mail.inbox")
    *mistyped, right = await stored(mailbox_bot)
    assert [(row.status, row.matched_ref) for row in mistyped] == [(ReplyStatus.UNMATCHED, None)] * 2
    assert (right.status, right.matched_ref) == (ReplyStatus.HANDLED, "A-2026-0001")
    assert await imap_account.unseen() == [b"1", b"2"], "still new for whoever reads the mailbox"
    warnings = [r.getMessage() for r in caplog.records if "matches no case" in r.getMessage()]
    assert len(warnings) == 2 and "A-2026-0420" in warnings[0] and "F-2026-0099" in warnings[1]


async def test_mail_left_unread_does_not_hold_up_the_replies_after_it(
    mailbox_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount, handled: list, monkeypatch
) -> None:
    """Each round reads a few messages at most: those left unread must not be read again and again."""
    monkeypatch.setattr(inbox, "MAX_PER_RUN", 2)
    mail = await sent_mail(mailbox_bot, smtp_server)
    for n in range(3):
        await imap_account.deliver(reply(f"Consulta {n}", "¿Quién lleva el contrato de las cámaras?"))
    await imap_account.deliver(
        reply("Re: Alerta", "Era personal autorizado de la naviera.", in_reply_to=mail.message_id)
    )

    await mailbox_bot.run_job("mail.inbox")
    await mailbox_bot.run_job("mail.inbox")
    ((ref, incoming),) = handled
    assert (ref, incoming.text) == ("A-2026-0042", "Era personal autorizado de la naviera.")
    assert len(await imap_account.unseen()) == 3 and len(await stored(mailbox_bot)) == 4


async def test_a_rebuilt_folder_is_read_again_from_the_start_without_storing_or_handling_anything_twice(
    mailbox_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount, handled: list
) -> None:
    """The folder is rebuilt (a new UIDVALIDITY, UIDs from 1 again) with fewer messages than it had,
    all unseen: the next reply gets a UID the old folder's cursor is already past. Read again from
    the start, what was stored is neither stored nor handled again, and the new reply is handled."""
    folder = "Respuestas"
    point_at(mailbox_bot, imap=imap_account, IMAP_FOLDER=folder)
    validity = await imap_account.rebuild(folder)
    mail = await sent_mail(mailbox_bot, smtp_server)
    question = reply("Consulta general", "¿A quién le escribo por las cámaras?")
    answer = reply("Re: Alerta", "Recibido.", in_reply_to=mail.message_id)
    for raw in (question, reply("Consulta", "¿Quién lleva el contrato?"), answer):  # UIDs 1 to 3
        await imap_account.deliver(raw, folder)
    await mailbox_bot.run_job("mail.inbox")
    assert [incoming.text for _, incoming in handled] == ["Recibido."]

    assert await imap_account.rebuild(folder, [question, answer]) != validity  # UIDs 1 and 2, unseen
    later = reply("Re: Alerta", "Eran agentes de la naviera.", in_reply_to=mail.message_id)
    await imap_account.deliver(later, folder)  # UID 3
    await mailbox_bot.run_job("mail.inbox")
    await mailbox_bot.run_job("mail.inbox")
    assert [(ref, incoming.text) for ref, incoming in handled] == [
        ("A-2026-0042", "Recibido."),
        ("A-2026-0042", "Eran agentes de la naviera."),
    ]
    rows = await stored(mailbox_bot)
    assert [row.text for row in rows].count("Recibido.") == 1 and len(rows) == 4
    assert await imap_account.unseen(folder) == [b"1"], "only the question is left for a person, as before"


async def test_auto_replies_are_stored_but_never_dispatched(
    mailbox_bot: BotHarness, smtp_server: SmtpServer, imap_account: ImapAccount, handled: list
) -> None:
    mail = await sent_mail(mailbox_bot, smtp_server)
    away = reply("Fuera de la oficina", "Estaré fuera hasta el lunes.", in_reply_to=mail.message_id)
    await imap_account.deliver(away.replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:", 1))
    await mailbox_bot.run_job("mail.inbox")
    (row,) = await stored(mailbox_bot)
    assert (row.status, row.matched_ref) == (ReplyStatus.AUTOMATIC, "A-2026-0042") and handled == []
    assert len(await imap_account.unseen()) == 1, "left unread: a person decides what an auto-reply means"


async def test_a_reply_waits_for_its_workflow_and_a_failing_handler_is_retried(
    mailbox_bot: BotHarness, imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox, "_handlers", {})
    await imap_account.deliver(reply("Solicitud S-2026-0007", "Adjunto el oficio."))
    await mailbox_bot.run_job("mail.inbox")
    (row,) = await stored(mailbox_bot)
    assert row.status == ReplyStatus.PENDING and row.attempts == 0  # nobody handles "S-" yet: it waits

    outcomes: list[str] = []

    async def flaky(_services: Services, ref: str, _reply: IncomingReply) -> None:
        outcomes.append(ref)
        if len(outcomes) == 1:
            raise RuntimeError("the workflow's database was busy")

    inbox.register_reply_handler("S-", flaky, any_case)
    await mailbox_bot.run_job("mail.inbox")
    await mailbox_bot.run_job("mail.inbox")  # backing off: not yet
    (row,) = await stored(mailbox_bot)
    assert outcomes == ["S-2026-0007"] and row.status == ReplyStatus.PENDING and "busy" in (row.last_error or "")

    mailbox_bot.clock.advance(timedelta(minutes=1))
    await mailbox_bot.run_job("mail.inbox")
    (row,) = await stored(mailbox_bot)
    assert outcomes == ["S-2026-0007"] * 2 and row.status == ReplyStatus.HANDLED and row.attempts == 2


async def test_the_inbox_password_never_reaches_the_logs(
    mailbox_bot: BotHarness, imap_account: ImapAccount, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the root: DEBUG would let aiosqlite's threads log after the test
    for name in ("bot", "jobs", "aiosmtplib"):
        caplog.set_level(logging.DEBUG, logger=name)
    point_at(mailbox_bot, imap=imap_account, IMAP_PASSWORD="wrong-" + IMAP_PASSWORD)
    await imap_account.deliver(reply("Re: A-2026-0042", "Recibido."))
    await mailbox_bot.run_job("mail.inbox")
    assert await stored(mailbox_bot) == [] and len(await imap_account.unseen()) == 1
    text = caplog.text
    assert "inbox not read" in text and "login refused" in text and IMAP_PASSWORD not in text


async def test_a_non_ascii_password_logs_in_and_a_message_without_message_id_is_stored_once(
    mailbox_bot: BotHarness, dovecot: DovecotServer
) -> None:
    account = ImapAccount(dovecot, UTF8_ACCOUNT, UTF8_PASSWORD)
    point_at(mailbox_bot, imap=account)
    raw = b"From: alguien@example.sv\r\nSubject: sin identificador\r\n\r\nHola.\r\n"
    await account.deliver(raw)
    await mailbox_bot.run_job("mail.inbox")
    await account.deliver(raw)
    await mailbox_bot.run_job("mail.inbox")
    (row,) = await stored(mailbox_bot)
    assert row.message_id.startswith("<sha256.") and row.text == "Hola."
    assert len(await account.unseen()) == 2, "both copies matched no case: left for a person"


def test_reply_text_cuts_the_usual_quote_styles() -> None:
    assert reply_text(QUOTED_ES) == "Recibido. Enviamos a dos agentes a la garita norte.\nLuis"
    outlook = "Ya se revisó.\r\n\r\n________________________________\r\nDe: Vigía\r\nEnviado: jueves\r\nAsunto: x\r\n"
    assert reply_text(outlook) == "Ya se revisó."
    headers_only = "Visto.\n\nDe: Vigía UTMV <vigia@aduana.example.sv>\nEnviado el: jueves, 4 de diciembre\nbody"
    assert reply_text(headers_only) == "Visto."
    original = "Ok\n-----Original Message-----\nFrom: Vigía\n"
    assert reply_text(original) == "Ok"
    inline = "> ¿Confirma?\nConfirmo.\n> ¿Hora?\n10:30"
    assert reply_text(inline) == "Confirmo.\n10:30"


def test_it_leaves_out_a_signature_and_a_phone_s_footer() -> None:
    signed = "Era personal de la naviera.\n-- \nLuis Alvarado\nAdministrador de aduana\n"
    assert reply_text(signed) == "Era personal de la naviera."
    for footer in ("Enviado desde mi iPhone", "Sent from my Galaxy", "Obtener Outlook para Android"):
        assert reply_text(f"Ok\n\n{footer}\n\nEl jue escribió:\n> Alerta") == "Ok"
    assert reply_text("Ok\n--\nLuis") == "Ok", "a client that trims the space of the separator"
    assert reply_text("Se revisó -- era la naviera") == "Se revisó -- era la naviera"


def test_html_only_replies_lose_their_quoted_original() -> None:
    html = (
        "<html><head><style>p{}</style></head><body><div>Recibido,<br>enviamos patrulla.</div>"
        '<div class="gmail_quote">El jue escribió:<blockquote>Persona sospechosa</blockquote></div></body></html>'
    )
    assert html_text(html) == "Recibido,\nenviamos patrulla."
