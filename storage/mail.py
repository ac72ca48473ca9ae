"""E-mail: the outbox (queued, delivered by SMTP, every attempt recorded) and the inbox (replies read over IMAP).

A mail is a row first and a message on the wire later: the workflow that causes it writes the row in
its own unit of work, the delivery job claims and sends it. Replies are stored before the IMAP
server is told they were seen, so none is lost between the two.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, LargeBinary
from sqlmodel import Field, SQLModel, col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.queries import grouped
from storage.types import UTCDateTime

FALLBACK_DOMAIN = "invalid"  # a Message-ID queued before SMTP_FROM's domain is known reads @vigia.invalid (RFC 2606)


class MailStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or being sent: see OutboxMail.next_attempt_at)
    SENT = "sent"
    FAILED = "failed"  # refused for good, or too many temporary refusals


class ReplyStatus(StrEnum):
    PENDING = "pending"  # matched to a case, waiting for (or between attempts of) its workflow's handler
    HANDLED = "handled"
    FAILED = "failed"  # the handler kept failing: stored, logged, left for a person
    UNMATCHED = "unmatched"  # no case found: stored and logged, never dispatched
    AUTOMATIC = "automatic"  # an auto-reply, a bounce, or our own mail: stored, never dispatched


class OutboxMail(SQLModel, table=True):
    """One outgoing e-mail. Claiming it for a delivery pushes `next_attempt_at` forward by a lease,
    so a delivery that dies half-way is retried once the lease runs out, not lost."""

    __tablename__ = "outbox_mail"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    ref: str = Field(max_length=40, index=True)  # the case: A-2026-0042, F-2026-0123
    to_addresses: str  # JSON list of "Name <addr>" or "addr"
    cc_addresses: str = "[]"
    subject: str
    text: str
    html: str | None = None
    message_id: str = Field(max_length=250, unique=True)  # <A-2026-0042.5f2c9e1a0b3d7c44@vigia.example.org>
    in_reply_to: str | None = Field(default=None, max_length=500)
    status: str = Field(default=MailStatus.PENDING, max_length=10, index=True)
    attempts: int = 0  # claims made (each recorded in outbox_attempt, unless the process died during it)
    refusals: int = 0  # temporary (4xx) answers about this very mail; an unreachable server does not count
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, index=True)
    last_error: str | None = None
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failure_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the group was told
    stuck_reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # coordinators told it waits

    @property
    def to(self) -> list[str]:
        return json.loads(self.to_addresses)

    @property
    def cc(self) -> list[str]:
        return json.loads(self.cc_addresses)


class OutboxAttachment(SQLModel, table=True):
    __tablename__ = "outbox_attachment"

    id: int | None = Field(default=None, primary_key=True)
    mail_id: int = Field(foreign_key="outbox_mail.id", index=True)
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    data: bytes = Field(sa_type=LargeBinary)


class OutboxAttempt(SQLModel, table=True):
    """One delivery attempt and how it ended: `sent`, `retry` or `failed`, with the server's words."""

    __tablename__ = "outbox_attempt"

    id: int | None = Field(default=None, primary_key=True)
    mail_id: int = Field(foreign_key="outbox_mail.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    outcome: str = Field(max_length=10)
    error: str | None = None


class InboxMessage(SQLModel, table=True):
    """One e-mail read from the IMAP folder, stored once (by Message-ID) whether or not it matched a case."""

    __tablename__ = "inbox_message"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=500, unique=True)
    from_address: str
    from_name: str = ""
    subject: str = ""
    text: str = ""  # the reply itself, quoted text removed
    received_at: datetime = Field(sa_type=UTCDateTime)
    in_reply_to: str | None = Field(default=None, max_length=500)
    reference_ids: str = ""  # the References header's Message-IDs, newest first
    matched_ref: str | None = Field(default=None, max_length=40, index=True)
    matched_by: str | None = Field(default=None, max_length=20)  # "in_reply_to" (or References), "subject"
    status: str = Field(default=ReplyStatus.UNMATCHED, max_length=10, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    raw: bytes = Field(sa_type=LargeBinary)  # the whole message as received: attachments, signatures, headers


class InboxCursor(SQLModel, table=True):
    """How far a mailbox has been read: its last UID looked at, which holds while the folder keeps its
    UIDVALIDITY (a rebuilt folder numbers again from 1, and is read again from the start; the
    Message-ID keeps each message stored once). Mail left unread for a person is not read again."""

    __tablename__ = "inbox_cursor"

    mailbox: str = Field(primary_key=True, max_length=300)  # user@host:port/folder
    uid_validity: int = Field(sa_type=BigInteger)  # IMAP's are unsigned 32-bit numbers
    last_uid: int = Field(sa_type=BigInteger)


# --- outbox queries -------------------------------------------------------------------------------


async def claim_due(
    session: AsyncSession, now: datetime, lease_until: datetime, limit: int, domain: str
) -> list[OutboxMail]:
    """Up to `limit` due mails, chosen oldest due first, each taken with a compare-and-set: only the
    first claimer of a due mail changes its row, and holds it until `lease_until`. One statement for
    the lot, as a burst of reports queues a mail each. The batch is returned in the order the mails
    were queued (by id; RETURNING keeps none). The attempt is counted here, so even a delivery that
    never reports back counts. A Message-ID queued without a domain (`@vigia.invalid>`) gets `domain`,
    and so does a reply to one of ours queued before that one was sent (a reminder to an unsent alert)."""
    due = (
        select(OutboxMail.id)
        .where(OutboxMail.status == MailStatus.PENDING, col(OutboxMail.next_attempt_at) <= now)
        .order_by(col(OutboxMail.next_attempt_at), col(OutboxMail.id))
        .limit(limit)
    )
    statement = (
        update(OutboxMail)
        .where(
            col(OutboxMail.id).in_(due.scalar_subquery()),
            col(OutboxMail.status) == MailStatus.PENDING,
            col(OutboxMail.next_attempt_at) <= now,
        )
        .values(
            next_attempt_at=lease_until,
            attempts=col(OutboxMail.attempts) + 1,
            message_id=func.replace(OutboxMail.message_id, f"@vigia.{FALLBACK_DOMAIN}>", f"@vigia.{domain}>"),
            in_reply_to=func.replace(OutboxMail.in_reply_to, f"@vigia.{FALLBACK_DOMAIN}>", f"@vigia.{domain}>"),
        )
        .returning(OutboxMail)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    claimed = (await session.exec(statement)).scalars().all()  # type: ignore[call-overload]
    return sorted(claimed, key=lambda mail: mail.id or 0)


async def attachments_of(session: AsyncSession, mail_ids: list[int]) -> dict[int, list[OutboxAttachment]]:
    """Each mail's attachments, in the order they were queued; one query for a batch."""
    return await grouped(session, OutboxAttachment, "mail_id", mail_ids)


async def attempts_of(session: AsyncSession, mail_id: int) -> list[OutboxAttempt]:
    statement = select(OutboxAttempt).where(OutboxAttempt.mail_id == mail_id).order_by(col(OutboxAttempt.id))
    return list((await session.exec(statement)).all())


async def mails_for_ref(session: AsyncSession, ref: str) -> list[OutboxMail]:
    """Every mail of a case, oldest first: what a workflow shows as "e-mail sent / queued / failed"."""
    statement = select(OutboxMail).where(OutboxMail.ref == ref).order_by(col(OutboxMail.id))
    return list((await session.exec(statement)).all())


async def mail_by_message_ids(session: AsyncSession, message_ids: list[str]) -> OutboxMail | None:
    """The newest of our mails whose Message-ID is one of these (a reply's In-Reply-To and References)."""
    if not message_ids:
        return None
    statement = (
        select(OutboxMail).where(col(OutboxMail.message_id).in_(message_ids)).order_by(col(OutboxMail.id).desc())
    )
    return (await session.exec(statement)).first()


async def failed_unnotified(session: AsyncSession) -> list[OutboxMail]:
    statement = select(OutboxMail).where(
        OutboxMail.status == MailStatus.FAILED, col(OutboxMail.failure_notified_at).is_(None)
    )
    return list((await session.exec(statement.order_by(col(OutboxMail.id)))).all())


async def pending_count(session: AsyncSession) -> int:
    return len((await session.exec(select(OutboxMail.id).where(OutboxMail.status == MailStatus.PENDING))).all())


# --- inbox queries --------------------------------------------------------------------------------


async def inbox_by_message_id(session: AsyncSession, message_id: str) -> InboxMessage | None:
    return (await session.exec(select(InboxMessage).where(InboxMessage.message_id == message_id))).first()


async def last_uid_read(session: AsyncSession, mailbox: str, uid_validity: int) -> int:
    """0 when the mailbox was never read, or its folder was rebuilt since."""
    cursor = await session.get(InboxCursor, mailbox)
    return cursor.last_uid if cursor is not None and cursor.uid_validity == uid_validity else 0


async def advance_cursor(session: AsyncSession, mailbox: str, uid_validity: int, uid: int) -> None:
    cursor = await session.get(InboxCursor, mailbox)
    if cursor is None or cursor.uid_validity != uid_validity:
        cursor = cursor or InboxCursor(mailbox=mailbox, uid_validity=uid_validity, last_uid=0)
        cursor.uid_validity, cursor.last_uid = uid_validity, 0
    cursor.last_uid = max(cursor.last_uid, uid)
    session.add(cursor)


async def due_replies(session: AsyncSession, now: datetime) -> list[InboxMessage]:
    """Matched replies waiting for their workflow's handler, oldest first."""
    statement = (
        select(InboxMessage)
        .where(
            InboxMessage.status == ReplyStatus.PENDING,
            col(InboxMessage.next_attempt_at).is_(None) | (col(InboxMessage.next_attempt_at) <= now),
        )
        .order_by(col(InboxMessage.id))
    )
    return list((await session.exec(statement)).all())


async def claim_reply(session: AsyncSession, reply_id: int, now: datetime, lease_until: datetime) -> bool:
    """Compare-and-set, as for mails: the claimer holds the reply until `lease_until`."""
    due = col(InboxMessage.next_attempt_at).is_(None) | (col(InboxMessage.next_attempt_at) <= now)
    statement = (
        update(InboxMessage)
        .where(col(InboxMessage.id) == reply_id, col(InboxMessage.status) == ReplyStatus.PENDING, due)
        .values(next_attempt_at=lease_until, attempts=col(InboxMessage.attempts) + 1)
    )
    return (await session.exec(statement)).rowcount == 1  # type: ignore[attr-defined]


async def replies_for_ref(session: AsyncSession, ref: str) -> list[InboxMessage]:
    statement = select(InboxMessage).where(InboxMessage.matched_ref == ref).order_by(col(InboxMessage.id))
    return list((await session.exec(statement)).all())


async def stuck_mails(session: AsyncSession, queued_before: datetime) -> list[OutboxMail]:
    """Mail still pending since before `queued_before`, not yet reported as stuck."""
    statement = select(OutboxMail).where(
        OutboxMail.status == MailStatus.PENDING,
        col(OutboxMail.created_at) <= queued_before,
        col(OutboxMail.stuck_reported_at).is_(None),
    )
    return list((await session.exec(statement.order_by(col(OutboxMail.id)))).all())


async def undelivered(session: AsyncSession) -> list[OutboxMail]:
    """Pending and failed mail, oldest first: what `vigia outbox` shows."""
    statement = select(OutboxMail).where(col(OutboxMail.status).in_([MailStatus.PENDING, MailStatus.FAILED]))
    return list((await session.exec(statement.order_by(col(OutboxMail.id)))).all())
