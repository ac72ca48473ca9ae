"""Per-person flood limit: a token bucket for each Telegram user id, as a pure rule.

Each person holds up to `BURST` tokens; every update they send takes one, and tokens come back
steadily, the whole burst in `REFILL`. An update that finds the bucket empty is refused: the
first refusal of a flood is answered once (politely), the rest are dropped without a word, and
the next update that finds a token again ends the flood. Time comes from the caller (the bot's
clock, `services.now()`), so tests travel instead of sleeping. Nothing here knows Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

BURST = 20  # updates a person may send at once
REFILL = timedelta(seconds=30)  # time for an empty bucket to fill again: one token every 1.5 s
FORGET_EVERY = 1000  # checks between sweeps of the buckets that are full again (idle people)


class Verdict(StrEnum):
    ALLOW = "allow"
    WARN = "warn"  # refused; the first refusal of this flood: tell the person once
    DROP = "drop"  # refused, and told already: drop silently


@dataclass
class Bucket:
    tokens: float
    at: datetime  # when `tokens` was counted
    warned: bool = False  # this flood has been answered already


@dataclass
class FloodLimit:
    burst: int = BURST
    refill: timedelta = REFILL
    buckets: dict[int, Bucket] = field(default_factory=dict)
    _checks: int = 0

    def __post_init__(self) -> None:
        if self.burst < 1 or self.refill <= timedelta(0):
            raise ValueError("a flood limit needs a burst of at least 1 and a positive refill time")

    @property
    def per_second(self) -> float:
        return self.burst / self.refill.total_seconds()

    def check(self, user_id: int, now: datetime) -> Verdict:
        """Take one token for this update of `user_id`, if there is one."""
        self._checks += 1
        if self._checks % FORGET_EVERY == 0:
            self.forget_idle(now)
        bucket = self.buckets.get(user_id)
        if bucket is None:
            bucket = self.buckets[user_id] = Bucket(float(self.burst), now)
        bucket.tokens = self._tokens(bucket, now)
        bucket.at = max(bucket.at, now)  # a clock set back never mints tokens
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return Verdict.ALLOW
        if bucket.warned:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN

    def forget_idle(self, now: datetime) -> None:
        """Drop the buckets that are full again: a new bucket for them would be the same."""
        for user_id in [u for u, b in self.buckets.items() if self._tokens(b, now) >= self.burst]:
            del self.buckets[user_id]

    def _tokens(self, bucket: Bucket, now: datetime) -> float:
        elapsed = max((now - bucket.at).total_seconds(), 0.0)
        return min(float(self.burst), bucket.tokens + elapsed * self.per_second)
