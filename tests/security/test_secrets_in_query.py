"""A camera whose snapshot URL carries its password in the query string (`snapshot.cgi?pwd=...`, as
many cheap cameras and CGI encoders want it): the password must not reach Telegram or the logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.cameras_fixtures import CAMERA_PASSWORD
from tests.conftest import UNIT_YAML
from tests.harness import BotHarness
from tests.ports import unassigned_port


@pytest.fixture
def unit_file(tmp_path: Path) -> Path:
    unit = yaml.safe_load(UNIT_YAML)
    unit["cameras"] = [
        {
            "code": "hachadura-1",
            "name": "La Hachadura 1",
            "site": "hachadura",
            "snapshot_url": f"http://127.0.0.1:{unassigned_port()}/cgi-bin/snapshot.cgi?user=admin&pwd=${{CAM_PASSWORD}}",
        }
    ]
    unit["capture"] = {"open_timeout_s": 1, "read_timeout_s": 1}
    path = tmp_path / "vigia.yaml"
    path.write_text(yaml.safe_dump(unit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


async def test_it_keeps_a_password_in_the_query_string_out_of_messages(bot: BotHarness) -> None:
    start = bot.fake.mark()
    await bot.ask("tec.ana", "/foto hachadura 1", text_contains="127.0.0.1")
    sent = json.dumps([c.params for c in bot.fake.calls[start:]], ensure_ascii=False)
    assert CAMERA_PASSWORD not in sent
