"""The mail tables and their compare-and-set claims on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.mail import enqueue
from storage.db import Database
from storage.mail import (
    InboxMessage,
    attachments_of,
    claim_due,
    claim_reply,
    due_replies,
    mail_by_message_ids,
    mails_for_ref,
)

NOW = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
LEASE = timedelta(minutes=15)
BLOB = bytes(range(256)) * 16


async def test_a_mail_is_claimed_once_per_lease(db: Database) -> None:
    async with db.write() as session:
        mail = await enqueue(
            session,
            ref="F-2026-0123",
            to="Proveedor <soporte@proveedor.example.com>, otro@proveedor.example.com",
            cc=["admin.contrato@hacienda.example.sv"],
            subject="Falla de cámara",
            text="La cámara no responde.",
            attachments=[("cuadro.jpg", "image/jpeg", BLOB)],
            now=NOW,
            domain="aduana.example.sv",
        )
    assert mail.to == ["Proveedor <soporte@proveedor.example.com>", "otro@proveedor.example.com"]
    assert mail.message_id.startswith("<F-2026-0123.") and mail.message_id.endswith("@vigia.aduana.example.sv>")
    async with db.write() as session:
        assert [m.id for m in await claim_due(session, NOW, NOW + LEASE, 10, "aduana.example.sv")] == [mail.id]
        assert await claim_due(session, NOW, NOW + LEASE, 10, "aduana.example.sv") == []
        assert await claim_due(session, NOW + LEASE - timedelta(seconds=1), NOW + 2 * LEASE, 10, "x.sv") == []
    async with db.read() as session:
        (attachment,) = (await attachments_of(session, [mail.id]))[mail.id]  # type: ignore[list-item,index]
        assert attachment.data == BLOB
        assert (await mail_by_message_ids(session, ["<x@y>", mail.message_id])).id == mail.id  # type: ignore[union-attr]
        assert [m.attempts for m in await mails_for_ref(session, "F-2026-0123")] == [1]


async def test_due_mails_are_claimed_oldest_first_a_batch_at_a_time(db: Database) -> None:
    """A burst's mails go in batches: each claimed by one claimer, none twice, none left behind; one
    queued without a domain gets the sender's at its claim, and keeps it."""
    async with db.write() as session:
        for n, later in enumerate((2, 0, 1)):
            await enqueue(
                session, ref=f"A-2026-000{n}", to="a@b.sv", subject="s", text="t", now=NOW + timedelta(seconds=later)
            )
    after = NOW + timedelta(seconds=5)
    async with db.write() as session:
        first = await claim_due(session, after, after + LEASE, 2, "aduana.example.sv")
    async with db.write() as session:
        second = await claim_due(session, after, after + LEASE, 2, "aduana.example.sv")
        assert await claim_due(session, after, after + LEASE, 2, "aduana.example.sv") == []
    assert [m.ref for m in first] == ["A-2026-0001", "A-2026-0002"] and [m.ref for m in second] == ["A-2026-0000"]
    assert all(m.attempts == 1 and m.next_attempt_at == after + LEASE for m in first + second)
    assert all(m.message_id.endswith("@vigia.aduana.example.sv>") for m in first + second)
    async with db.read() as session:
        stored = await mails_for_ref(session, "A-2026-0000")
    assert [m.message_id for m in stored] == [second[0].message_id]


async def test_a_reply_queued_before_its_mail_was_sent_follows_its_message_id(db: Database) -> None:
    """A reminder queued while the alert it answers was still unsent (SMTP down, no domain yet) must
    still thread on the alert as it was sent."""
    async with db.write() as session:
        alert = await enqueue(session, ref="A-2026-0001", to="a@b.sv", subject="s", text="t", now=NOW)
        await enqueue(
            session, ref="A-2026-0001", to="a@b.sv", subject="r", text="t", in_reply_to=alert.message_id, now=NOW
        )
    async with db.write() as session:
        sent, reminder = await claim_due(session, NOW, NOW + LEASE, 10, "aduana.example.sv")
    assert sent.message_id.endswith("@vigia.aduana.example.sv>") and reminder.in_reply_to == sent.message_id


async def test_a_reply_is_stored_once_and_claimed_once(db: Database) -> None:
    def message() -> InboxMessage:
        return InboxMessage(
            message_id="<r1@proveedor.example.com>",
            from_address="soporte@proveedor.example.com",
            received_at=NOW,
            matched_ref="F-2026-0123",
            status="pending",
            raw=BLOB,
        )

    async with db.write() as session:
        session.add(message())
    with pytest.raises(IntegrityError):
        async with db.write() as session:
            session.add(message())
    async with db.write() as session:
        (reply,) = await due_replies(session, NOW)
        assert reply.raw == BLOB
        assert await claim_reply(session, reply.id, NOW, NOW + LEASE)  # type: ignore[arg-type]
        assert not await claim_reply(session, reply.id, NOW, NOW + LEASE)  # type: ignore[arg-type]
        assert await due_replies(session, NOW) == []
