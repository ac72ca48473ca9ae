"""Every harness bot in this package talks to a `FlakyTelegram`: the same fake, plus faults."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.resilience.cameras import BadCameras
from tests.resilience.faults import FlakyTelegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FlakyTelegram]:
    fake = FlakyTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def bad_cameras() -> AsyncIterator[BadCameras]:
    """HTTP cameras that misbehave as each test's `modes` say (a camera with no mode gives a picture)."""
    cameras = BadCameras()
    await cameras.start()
    try:
        yield cameras
    finally:
        await cameras.stop()
