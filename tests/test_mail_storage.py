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
    claim_mail,
    claim_reply,
    due_mails,
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
    async with db.write() as session:
        assert [m.id for m in await due_mails(session, NOW, 10)] == [mail.id]
        assert await claim_mail(session, mail.id, NOW, NOW + LEASE)  # type: ignore[arg-type]
        assert not await claim_mail(session, mail.id, NOW, NOW + LEASE)  # type: ignore[arg-type]
        assert await due_mails(session, NOW + LEASE - timedelta(seconds=1), 10) == []
    async with db.read() as session:
        (attachment,) = await attachments_of(session, mail.id)  # type: ignore[arg-type]
        assert attachment.data == BLOB
        assert (await mail_by_message_ids(session, ["<x@y>", mail.message_id])).id == mail.id  # type: ignore[union-attr]
        assert [m.attempts for m in await mails_for_ref(session, "F-2026-0123")] == [1]


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
