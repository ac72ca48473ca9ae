"""Writing and verifying the audit log.

Each row's hash covers its content and the previous row's hash, so editing, deleting or
reordering any row breaks every hash after it; `verify` names the first row that no longer fits.
The database also refuses UPDATE and DELETE on the table (see the first migration).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.audit import GENESIS, AuditEntry, entries_in_order, last_hash
from storage.db import Database, append
from storage.people import Person

LAST_HASH = "audit.last_hash"  # in the session's info: the chain's end as this unit of work has left it


def chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    fields = [
        prev_hash,
        entry.at.isoformat(),
        entry.actor_id,
        entry.actor_telegram_id,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.detail,
    ]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


async def record(
    session: AsyncSession,
    action: str,
    *,
    now: datetime,
    actor: Person | None = None,
    actor_telegram_id: int | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one row inside the caller's unit of work (`Database.write`), so it commits with the action.
    The unit's rows follow one another: the last hash is read once per unit, then remembered in it,
    and the rows are written together at the unit's end (storage/db.append)."""
    prev = session.info.get(LAST_HASH) or await last_hash(session)
    entry = AuditEntry(
        at=now,
        actor_id=actor.id if actor else None,
        actor_telegram_id=actor_telegram_id if actor_telegram_id is not None else (actor and actor.telegram_id),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
        prev_hash=prev,
        hash="",
    )
    entry.hash = session.info[LAST_HASH] = chain_hash(prev, entry)
    append(session, AuditEntry, entry.model_dump(exclude={"id"}))


@dataclass(frozen=True)
class Verification:
    checked: int
    first_bad_id: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_bad_id is None


async def verify(db: Database) -> Verification:
    expected_prev = GENESIS
    checked = 0
    async with db.read() as session:
        async for entry in entries_in_order(session):
            if entry.prev_hash != expected_prev:
                return Verification(checked, entry.id, "does not follow the previous row (a row was removed or moved)")
            if chain_hash(entry.prev_hash, entry) != entry.hash:
                return Verification(checked, entry.id, "its content was changed after it was written")
            expected_prev = entry.hash
            checked += 1
    return Verification(checked)
