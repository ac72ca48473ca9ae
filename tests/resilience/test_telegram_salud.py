"""Telegram failing while the health monitor posts a fault it found (`salud.round`). One HTTP camera
gives a picture, then answers 503: the third bad probe opens a fault, posted as the last good frame
then the fault's message with its triage buttons. Rounds are run by hand, a minute apart."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import UNIT_YAML
from tests.harness import GROUP_ID, BotHarness
from tests.resilience.cameras import BadCameras
from tests.resilience.faults import delivered
from tests.test_salud import rounds

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def unit_file(tmp_path: Path, bad_cameras: BadCameras) -> Path:
    unit = yaml.safe_load(UNIT_YAML)
    unit["cameras"] = [
        {"code": "patio", "name": "Patio de carga", "site": "hachadura", "snapshot_url": bad_cameras.url("patio")}
    ]
    unit["capture"] = {"open_timeout_s": 1.0, "read_timeout_s": 1.0, "share_window_s": 0}  # rounds are ms apart
    path = tmp_path / "vigia.yaml"
    path.write_text(yaml.safe_dump(unit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


async def fault_found(bot: BotHarness, bad_cameras: BadCameras) -> None:
    """A good probe (the picture to show later), then two bad ones: the next bad probe opens the fault."""
    await rounds(bot, 1)
    bad_cameras.modes["patio"] = "down"
    await rounds(bot, 2)


def posts(bot: BotHarness) -> tuple[list, list]:
    photos = [c for c in delivered(bot.fake, chat_id=GROUP_ID) if c.method == "sendPhoto"]
    messages = [
        c for c in delivered(bot.fake, chat_id=GROUP_ID, text_contains="F-2026-0001") if c.method == "sendMessage"
    ]
    return photos, messages


async def test_it_posts_the_fault_once_after_telegram_refused_connections(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    """Fault: Telegram refuses connections during the round that opens the fault. Expected: the fault is
    stored; the next round after the outage posts its last good frame, then its message with the triage
    buttons, each once; later rounds post nothing more."""
    await fault_found(bot, bad_cameras)
    await bot.fake.go_down()
    await rounds(bot, 1)
    await bot.fake.come_back()
    assert posts(bot) == ([], [])
    await rounds(bot, 3)
    photos, messages = posts(bot)
    assert len(photos) == 1 and len(messages) == 1 and photos[0].index < messages[0].index
    assert messages[0].params["reply_markup"]["inline_keyboard"]
    assert bot.errors == []


async def test_it_posts_the_last_frame_once_when_the_faults_message_fails(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    """Fault: one 500 on the fault's message, after its photo was accepted. Expected: the photo once, and
    the message once on the next round."""
    await fault_found(bot, bad_cameras)
    bot.fake.fail("sendMessage", chat_id=GROUP_ID, text_contains="F-2026-0001", error_code=500, description="Internal")
    await rounds(bot, 3)
    photos, messages = posts(bot)
    assert len(messages) == 1 and len(photos) == 1
