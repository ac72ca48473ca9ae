"""Updates of one chat in the order they came; different chats at the same time.

PTB handles updates one after the other by default, so one slow update (an anomaly report waiting
on a camera that hangs, a document being rendered) held up every technician's next command. Fully
concurrent handling would let a person's second message overtake their first (a reply to the
bot's question before the question was stored). Per chat is what each person expects of a
conversation: their own messages in order, nobody else's wait on them.

The group is one chat, so its messages stay in order too (the consignas board follows them).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates taken at once before PTB's own semaphore makes the next wait: high, because a waiting
# update is a coroutine parked on its chat's lock, and a low bound would let one chat's backlog
# fill every place and hold up the other chats again.
MAX_UPDATES_IN_FLIGHT = 256


def chat_of(update: object) -> int | None:
    """The conversation an update belongs to: its chat, or the person (an inline query has no chat);
    None for anything else, which then goes one at a time among its kind."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class PerChatOrder(BaseUpdateProcessor):
    def __init__(self) -> None:
        super().__init__(MAX_UPDATES_IN_FLIGHT)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._waiting: Counter[int | None] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = chat_of(update)
        lock = self._locks.setdefault(chat, asyncio.Lock())  # asyncio.Lock wakes its waiters in order
        self._waiting[chat] += 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[chat] -= 1
            if not self._waiting[chat]:  # a chat that went quiet keeps nothing
                del self._waiting[chat], self._locks[chat]

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made as chats write."""

    async def shutdown(self) -> None:
        """Nothing to close: PTB waits for the updates in flight before it stops."""
