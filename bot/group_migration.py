"""The unit's group became a supergroup, with a new chat id: the bot follows it.

Turning on topics (or making the group public, or some member settings) turns a basic group into a
supergroup with a new id. Telegram says so in both chats, and from then on answers the old id with
ChatMigrated. Without this the bot took the new id for a foreign group and left it, and everything
the outbox owed the old id was refused. Now, whichever it sees first (the service message, or
ChatMigrated on a notice): the move is kept in the audit log, what the outbox owes goes to the new
id in the same unit of work, and the bot uses the new id, after a restart too (the unit file still
has the old one until someone changes it: the log says so at every start).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from bot import audit
from storage.audit import latest_entry
from storage.notices import move_owed

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
ACTION = "group.migrated"


async def follow(services: Services, old: int, new: int) -> bool:
    """Chat `old` is now `new`: what the outbox owes it moves; True if it is the unit's group, which
    the bot now knows by `new` (True also for the second notice of a move already followed)."""
    async with services.db.write() as session:  # one writer: both chats' notices of the move may come at once
        group_id = services.unit.group.chat_id
        await move_owed(session, old, new)  # again for the second notice of a move: what was owed since
        if group_id == new:
            return True
        if group_id != old:
            return False
        await audit.record(session, ACTION, now=services.now(), object_type="chat", object_id=old, detail={"to": new})
        _use(services, new)
    return True


async def follow_recorded(services: Services) -> None:
    """At start-up: a move recorded for the group id of the unit file (or for its new id, again)."""
    new = await moved_to(services, services.unit.group.chat_id)
    if new is not None:
        _use(services, new)


async def moved_to(services: Services, chat_id: int) -> int | None:
    """The id the group `chat_id` has now, by the moves recorded; None if it never moved."""
    seen, current = {chat_id}, chat_id
    async with services.db.read() as session:
        while (entry := await latest_entry(session, ACTION, str(current))) is not None:
            current = int(json.loads(entry.detail)["to"])
            if current in seen:
                break
            seen.add(current)
    return current if current != chat_id else None


def _use(services: Services, new: int) -> None:
    unit = services.unit
    services.unit = unit.model_copy(update={"group": unit.group.model_copy(update={"chat_id": new})})
    log.error(
        "the group %s is now the supergroup %s: the bot uses the new id; set group.chat_id: %s in the unit file",
        unit.group.chat_id,
        new,
        new,
    )
