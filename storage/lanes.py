"""Waiters in two lanes, the urgent one first, each in the order it came.

Two things take turns this way: the database's writers (storage/db.py, where recording which mails
went out goes before the filings waiting) and Telegram's overall turns (bot/telegram_pacing.py,
where an alert goes before the call lists waiting). Plain asyncio, no I/O: it lives with the first.
"""

from __future__ import annotations

import asyncio
from collections import deque


class Lanes:
    def __init__(self) -> None:
        self._lanes: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (deque(), deque())

    def __bool__(self) -> bool:
        """Someone is waiting (or gave up and has not been skipped yet)."""
        return any(self._lanes)

    def join(self, urgent: bool) -> asyncio.Future[None]:
        """A place in a lane: the future is done when its turn comes (cancel it to give up)."""
        waiter = asyncio.get_running_loop().create_future()
        self._lanes[0 if urgent else 1].append(waiter)
        return waiter

    def hand_over(self) -> bool:
        """The turn to the first urgent waiter, else the first ordinary one, skipping those that gave
        up; False when nobody was waiting for it."""
        for lane in self._lanes:
            while lane:
                waiter = lane.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return True
        return False
