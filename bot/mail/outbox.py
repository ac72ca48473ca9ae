"""The mail outbox: queue a mail inside the unit of work that causes it, deliver it later.

Delivery claims due mails (one when the bot is quiet, up to BATCH in a burst, where it waits
COALESCE_S between claims so that a few share each claim and its record), each with a
compare-and-set that also moves its `next_attempt_at` forward by a lease (LEASE); then it sends
them, then records their outcomes. So:

- Two runs never send the same claim: the second one's compare-and-set finds the row not due.
- A run that dies after the claim leaves the mail due again when the lease runs out: it is
  retried, never lost.
- The one edge left is at-least-once: a crash (or a connection lost) after the server accepted
  the DATA but before the row says "sent" makes the next attempt send it again (in a burst, the
  batch's other mails sent before the crash too). Every attempt carries the same stored Message-ID,
  so receivers (and our own inbox) can drop the copy.

Outcomes: a 5xx answer fails the mail at once; a 4xx answer about the mail is retried with an
exponential backoff (1, 2, 4 … minutes, at most an hour) up to MAX_REFUSALS times; a server that
cannot be reached does not count against the mail at all: an outage delays mail, never drops it.
Every attempt is a row in outbox_attempt with the server's answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit
from bot.mail import compose
from bot.mail.compose import Attachment
from bot.mail.smtp import SendError, SmtpTransport, configured
from storage.db import append
from storage.mail import (
    FALLBACK_DOMAIN,
    MailStatus,
    OutboxAttachment,
    OutboxAttempt,
    OutboxMail,
    attachments_of,
    claim_due,
    pending_count,
)

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)  # far longer than a send can take (connect 10 s, 60 s per command)
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)
MAX_REFUSALS = 12  # temporary refusals of one mail before it is given up
BATCH = 10  # mails claimed, sent, then recorded together: a crash may send up to this many again
ERROR_LENGTH = 1000
# In a burst of reports a mail was due every 15 ms or so, and each went alone: its claim and record
# cost twice its sending and queued before the filings. Waiting this long before the next claim lets
# a few share them; a mail on its own is sent at once, and only its record (and the connection's
# closing) waits this long.
COALESCE_S = 0.05

_warned_unconfigured = False  # "mail stays queued" is logged once per process


async def enqueue(
    session: AsyncSession,
    *,
    ref: str,
    to: str | Iterable[str],
    subject: str,
    text: str,
    html: str | None = None,
    cc: str | Iterable[str] = (),
    attachments: Iterable[Attachment | tuple[str, str, bytes]] = (),
    in_reply_to: str | None = None,
    now: datetime,
    domain: str | None = None,
) -> OutboxMail:
    """Queue a mail in the caller's unit of work (`Database.write`), so it commits with the change
    that caused it, or not at all. Raises `MailError` on a bad address, ref or attachment.

    The subject gets the case number (`[A-2026-0042] ...`) unless it has it already. The Message-ID
    (`<A-2026-0042.5f2c9e1a0b3d7c44@vigia.aduana.gob.sv>`) is assigned here; its domain is SMTP_FROM's,
    given as `domain=compose.domain_of(settings.smtp_from)`, or else settled when the mail is first
    claimed for delivery: the stored value is final from the first attempt on, and every retry
    carries it.
    """
    compose.check_ref(ref)
    recipients = compose.addresses(to, "to")
    if not recipients:
        raise compose.MailError("to: at least one recipient is needed")
    copies = compose.addresses(cc, "cc")
    files = compose.check_attachments(attachments)
    if in_reply_to is not None and not (in_reply_to.startswith("<") and in_reply_to.endswith(">")):
        raise compose.MailError(f"in_reply_to {in_reply_to!r} is not a Message-ID (<...@...>)")
    mail = OutboxMail(
        created_at=now,
        ref=ref,
        to_addresses=json.dumps(recipients, ensure_ascii=False),
        cc_addresses=json.dumps(copies, ensure_ascii=False),
        subject=compose.subject_with_ref(subject, ref),
        text=text,
        html=html,
        message_id=compose.new_message_id(ref, domain or FALLBACK_DOMAIN),
        in_reply_to=in_reply_to,
        next_attempt_at=now,
    )
    session.add(mail)
    await session.flush()
    assert mail.id is not None
    for file in files:
        session.add(
            OutboxAttachment(mail_id=mail.id, filename=file.filename, content_type=file.content_type, data=file.data)
        )
    await audit.record(
        session,
        "mail.queued",
        now=now,
        object_type="mail",
        object_id=mail.id,
        detail={
            "ref": ref,
            "to": recipients,
            "cc": copies,
            "subject": mail.subject,
            "message_id": mail.message_id,
            "attachments": [f.filename for f in files],
        },
    )
    return mail


def backoff(attempts: int) -> timedelta:
    """After the n-th attempt: 1, 2, 4, 8 … minutes, at most MAX_BACKOFF."""
    return min(FIRST_BACKOFF * 2 ** min(max(attempts - 1, 0), 10), MAX_BACKOFF)


async def deliver_due(services: Services) -> int:
    """Send what is due over one connection, until nothing is; returns how many mails got a final
    outcome (sent or failed). One run at a time in this process: called while a run is on its way, it
    returns 0, as that run takes every mail queued before it ends (a burst of reports used to start a
    run each, forty connections at once to the mail server, all queueing for the write lock). Stops
    early when the server cannot be reached: the next round tries again."""
    settings = services.settings
    if not configured(settings):
        await _warn_unconfigured(services)
        return 0
    if services.mail_running:
        return 0
    services.mail_running = True
    async with SmtpTransport(settings) as transport:
        try:
            return await _send_due(services, transport)
        finally:
            # in the same step as its last claim found nothing, so a mail queued after that claim finds
            # no run on its way and starts one, while this one hangs up
            services.mail_running = False


async def _send_due(services: Services, transport: SmtpTransport) -> int:
    """Claim up to BATCH due mails, send them, and record their outcomes in the unit of work that
    claims the next ones, until none is due or the server cannot be reached. Quietly a batch is one
    mail; in a burst, one write for BATCH mails, not one each, since every write queues behind the
    reports being filed."""
    sender = services.settings.smtp_from
    assert sender is not None
    done, outage = 0, None
    outcomes: list[Callable[[AsyncSession], Awaitable[int]]] = []  # the last batch's, for the next unit of work
    while outage is None:
        if outcomes and len(outcomes) < BATCH:  # a burst: let the next mails due join one claim
            await asyncio.sleep(COALESCE_S)
        async with services.db.write(urgent=True) as session:
            for outcome in outcomes:
                done += await outcome(session)
            outcomes, claimed = [], await _claim_due(session, services)
        if not claimed:
            return done
        for mail, attachments in claimed:
            result = outage or await _send(transport, mail, attachments, sender)  # after an outage: its error
            if isinstance(result, SendError):
                outcomes.append(partial(_record_failure, services=services, mail=mail, error=result))
                outage = None if result.reached else result
            else:
                outcomes.append(partial(_record_sent, services=services, mail=mail, refused=result))
    async with services.db.write(urgent=True) as session:
        for outcome in outcomes:
            done += await outcome(session)
    return done


async def _send(
    transport: SmtpTransport, mail: OutboxMail, attachments: list[OutboxAttachment], sender: str
) -> SendError | dict[str, str]:
    """The server's refusals of some recipients, or why the mail did not go."""
    try:
        message = compose.build(mail, attachments, sender)
        return await transport.send(message, compose.bare(sender), [compose.bare(a) for a in mail.to + mail.cc])
    except SendError as error:
        return error
    except Exception as exc:  # a bug composing or sending this mail must not block the others
        log.exception("mail %s (%s) could not be sent", mail.id, mail.ref)
        return SendError(f"{type(exc).__name__}: {exc}")


async def _claim_due(session: AsyncSession, services: Services) -> list[tuple[OutboxMail, list[OutboxAttachment]]]:
    now, domain = services.now(), compose.domain_of(services.settings.smtp_from)
    claimed = await claim_due(session, now, now + LEASE, BATCH, domain)  # another process may have claimed some
    attachments = await attachments_of(session, [mail.id for mail in claimed if mail.id is not None])
    return [(mail, attachments[mail.id]) for mail in claimed if mail.id is not None]


def _held(session: AsyncSession, mail: OutboxMail) -> OutboxMail:
    """The claimed row, as the claim left it (nobody else touches it while the lease holds), in the
    unit of work that records its outcome: no read back, one UPDATE."""
    session.add(mail)
    return mail


async def _record_sent(session: AsyncSession, *, services: Services, mail: OutboxMail, refused: dict[str, str]) -> int:
    now = services.now()
    error = "; ".join(f"{address}: {answer}" for address, answer in refused.items()) or None
    row = _held(session, mail)
    row.status, row.sent_at, row.last_error = MailStatus.SENT, now, error
    append(session, OutboxAttempt, {"mail_id": row.id, "at": now, "outcome": "sent", "error": error})
    detail = {"ref": row.ref, "message_id": row.message_id, "attempts": row.attempts}
    if refused:
        detail["refused"] = refused
    await audit.record(session, "mail.sent", now=now, object_type="mail", object_id=row.id, detail=detail)
    if refused:
        log.warning("mail %s (%s) sent, but refused for %s", mail.id, mail.ref, error)
    else:
        log.info("mail %s (%s) sent to %s", mail.id, mail.ref, ", ".join(mail.to + mail.cc))
    return 1


async def _record_failure(session: AsyncSession, *, services: Services, mail: OutboxMail, error: SendError) -> int:
    """Retry later or give up; returns 1 when the mail failed for good."""
    now = services.now()
    message = str(error)[:ERROR_LENGTH]
    row = _held(session, mail)
    if error.reached:
        row.refusals += 1
    row.last_error = message
    give_up = error.permanent or row.refusals >= MAX_REFUSALS
    if give_up:
        row.status = MailStatus.FAILED
        await audit.record(
            session,
            "mail.failed",
            now=now,
            object_type="mail",
            object_id=row.id,
            detail={"ref": row.ref, "message_id": row.message_id, "attempts": row.attempts, "error": message},
        )
    else:
        row.next_attempt_at = now + backoff(row.attempts)
    outcome = "failed" if give_up else "retry"
    append(session, OutboxAttempt, {"mail_id": row.id, "at": now, "outcome": outcome, "error": message})
    if give_up:
        log.error("mail %s (%s) failed for good after %d attempts: %s", mail.id, mail.ref, row.attempts, message)
    else:
        log.warning(
            "mail %s (%s) not sent (%s); next attempt at %s",
            mail.id,
            mail.ref,
            message,
            f"{row.next_attempt_at:%H:%M:%S}Z",
        )
    return 1 if give_up else 0


async def _warn_unconfigured(services: Services) -> None:
    global _warned_unconfigured
    if _warned_unconfigured:
        return
    async with services.db.read() as session:
        waiting = await pending_count(session)
    if waiting:
        _warned_unconfigured = True
        log.warning("SMTP_HOST or SMTP_FROM is not set: %d e-mail(s) stay queued until they are", waiting)
