"""Telegram's flood limits, kept by waiting our turn rather than by being refused.

Telegram asks a bot for about one message a second into a chat (short bursts allowed), twenty a
minute into a group and about thirty a second overall; past them it answers 429 and every chat
waits. Two pieces keep to them, both on only with TELEGRAM_RATE_LIMIT:
- ChatPace, each private chat's allowance. The outbox's couriers (bot/notices_delivery.py) wait for
  their chat's turn *before* they read what is owed, so what piles up meanwhile shares the next
  message (bot/notices_bundle.py) instead of going out, and being refused, one message at a time.
  A handler's answer to the person who just wrote does not wait, but it counts;
- Pacing, PTB's rate limiter for every request: one message every 1/25 s overall and one every
  3.2 s into a group, evenly spaced, never in bursts. An URGENT request (an alert to a person who
  must act) takes the next overall turn before the ordinary ones waiting: a hundred call lists or a
  digest never hold an administrator's alert back. Every message into a private chat is counted in
  its ChatPace here, whoever sent it.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from storage.lanes import Lanes

URGENT: Final = True  # rate_limit_args for a request that goes before the ordinary ones waiting
FORGET_AFTER = 512  # chats remembered before those that have their full allowance again are dropped


@dataclass
class ChatPace:
    """One message a second into a private chat, after a burst of `burst` (a token bucket), the burst
    spread over its first second (a message every 1/burst s at most): spent at once, it went on three
    small messages while what piled up behind them waited a whole second for the fourth. Groups are
    left to Pacing, which spaces every message into a group evenly."""

    per_second: float = 1.0
    burst: int = 3
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[int, tuple[float, float]] = field(default_factory=dict)  # chat: (allowance, when)

    def wait_s(self, chat_id: int) -> float:
        """How long before `chat_id` may get its next message."""
        if chat_id < 0:
            return 0.0
        _, last = self._buckets.get(chat_id, (self.burst, -math.inf))
        spread = last + 1 / (self.burst * self.per_second) - self.clock()
        return max(0.0, (1 - self._allowance(chat_id)) / self.per_second, spread)

    def take(self, chat_id: int | str, messages: int = 1) -> None:
        """`messages` went to `chat_id` (an album counts each picture, as Telegram does)."""
        if not isinstance(chat_id, int) or chat_id < 0:
            return
        self._buckets[chat_id] = (self._allowance(chat_id) - messages, self.clock())
        if len(self._buckets) > FORGET_AFTER:
            for chat in [c for c in self._buckets if self._allowance(c) >= self.burst]:
                del self._buckets[chat]

    def _allowance(self, chat_id: int) -> float:
        allowance, when = self._buckets.get(chat_id, (self.burst, -math.inf))
        return min(float(self.burst), allowance + (self.clock() - when) * self.per_second)


class Pacing(BaseRateLimiter[bool]):
    """Evenly spaced turns overall and per group; URGENT first; a 429 (which the spacing should never
    meet) pauses every request for Telegram's retry_after and is tried again up to `max_retries`."""

    def __init__(
        self,
        interval_s: float = 1 / 25,
        group_interval_s: float = 3.2,
        max_retries: int = 3,
        chat_pace: ChatPace | None = None,
    ) -> None:
        self._interval, self._group_interval, self._max_retries = interval_s, group_interval_s, max_retries
        self._chat_pace = chat_pace
        self._free_at = 0.0  # event-loop time of the next overall turn
        self._group_free_at: dict[int | str, float] = {}
        self._waiting = Lanes()
        self._timer: asyncio.TimerHandle | None = None
        self._unpaused = asyncio.Event()
        self._unpaused.set()

    async def initialize(self) -> None:
        """Nothing to set up: turns are counted as requests come."""

    async def shutdown(self) -> None:
        """Nothing to close: PTB stops sending before it shuts the limiter down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: bool | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if chat_id is None:  # not a message (a button's answer, a file): Telegram does not count it
            return await callback(*args, **kwargs)
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # a channel's @name stays a name, and is paced as a group
        retries = 0
        while True:
            await self._group_turn(chat_id)
            await self._turn(urgent=bool(rate_limit_args))
            await self._unpaused.wait()
            if self._chat_pace is not None and endpoint.startswith("send") and endpoint != "sendChatAction":
                media = data.get("media")
                self._chat_pace.take(chat_id, len(media) if isinstance(media, list) else 1)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if retries == self._max_retries:
                    raise
                retries += 1
                self._unpaused.clear()
                try:
                    await asyncio.sleep(retry_after_s(exc))
                finally:
                    self._unpaused.set()

    async def _group_turn(self, chat_id: int | str) -> None:
        """A group's (or a channel's, by @name) next free turn, reserved in order of arrival."""
        if isinstance(chat_id, int) and chat_id > 0:
            return
        now = asyncio.get_running_loop().time()
        turn = max(now, self._group_free_at.get(chat_id, 0.0))
        self._group_free_at[chat_id] = turn + self._group_interval
        if len(self._group_free_at) > FORGET_AFTER:
            self._group_free_at = {chat: at for chat, at in self._group_free_at.items() if at > now}
        if turn > now:
            await asyncio.sleep(turn - now)

    async def _turn(self, *, urgent: bool) -> None:
        loop = asyncio.get_running_loop()
        if not self._waiting and loop.time() >= self._free_at:
            self._free_at = loop.time() + self._interval
            return
        waiter = self._waiting.join(urgent)
        self._arm(loop)
        await waiter

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            self._timer = loop.call_at(self._free_at, self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        """The turn is free: the first urgent request waiting takes it, else the first ordinary one."""
        self._timer = None
        if self._waiting.hand_over():
            self._free_at = loop.time() + self._interval
            if self._waiting:
                self._arm(loop)


def retry_after_s(exc: RetryAfter) -> float:
    """Telegram's wait, an int of seconds in PTB 22 and a timedelta once PTB switches."""
    wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
