"""What the monitor keeps in memory between rounds: recent samples (for the frozen check), the last
pictures (for a fault's message) and the reference looks (loaded once, saved now and then).

Losing it in a restart costs a few probes of judgement, never a fault: statuses are in the database.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from bot.health.detectors import Reference, Sample

RECENT = 6  # samples kept per camera: enough for a freeze over three probes, with room to spare


@dataclass
class CameraMemory:
    recent: deque[tuple[float, Sample]] = field(default_factory=lambda: deque(maxlen=RECENT))
    last_good: tuple[bytes, datetime] | None = None  # JPEG of the last healthy picture
    last_frame: tuple[bytes, datetime] | None = None  # JPEG of the last picture, healthy or not
    next_due: datetime | None = None


@dataclass
class HealthMemory:
    cameras: dict[str, CameraMemory] = field(default_factory=dict)
    references: dict[tuple[str, str], Reference] = field(default_factory=dict)
    saved_at: dict[tuple[str, str], datetime] = field(default_factory=dict)  # when each was last stored
    references_loaded: bool = False
    _lock: asyncio.Lock | None = None

    def camera(self, code: str) -> CameraMemory:
        return self.cameras.setdefault(code, CameraMemory())

    @property
    def lock(self) -> asyncio.Lock:
        """One round at a time: a slow round makes the next tick wait, not overlap."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock
