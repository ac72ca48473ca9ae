"""Every harness bot in this package talks to a `FlakyTelegram`: the same fake, plus faults."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.resilience.faults import FlakyTelegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FlakyTelegram]:
    fake = FlakyTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
