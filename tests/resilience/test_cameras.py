"""Cameras that hang, talk garbage or never stop talking: `/foto` must answer within the capture
deadline (open + read timeout + 0.5 s) with a clear reason, and the process must not swallow what
the camera sends. The bot runs in-process, so the process's peak RSS is the bot's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import UNIT_YAML
from tests.harness import BotHarness
from tests.resilience.cameras import BadCameras, GarbageRtsp, reset_rss_peak, rss_peak_mb
from tests.resilience.faults import delivered, texts_to

CAPTURE = {"open_timeout_s": 1.0, "read_timeout_s": 1.0}
DEADLINE_S = 2.5  # open + read + 0.5
MARGIN_S = 1.5  # the update's way in and the answer's way out, on a loaded 2-core machine
MAX_GROWTH_MB = 100
ANA, KEVIN, LUIS = 1001, 1002, 1005


@pytest.fixture
async def garbage_rtsp() -> AsyncIterator[GarbageRtsp]:
    server = GarbageRtsp()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def unit_file(tmp_path: Path, bad_cameras: BadCameras, garbage_rtsp: GarbageRtsp, hung_camera: int) -> Path:
    unit = yaml.safe_load(UNIT_YAML)
    auth = {"username": "u", "password": "${CAM_PASSWORD}"}
    bad_cameras.modes.update({"basura-http": "garbage", "cinco-gb": "endless", "goteo": "trickle"})

    def cam(code: str, **source: str) -> dict:
        return {"code": code, "name": code.replace("-", " ").title(), "site": "hachadura", **source, **auth}

    unit["cameras"] = [
        cam("colgada", rtsp_url=f"rtsp://127.0.0.1:{hung_camera}/Streaming/Channels/101"),
        cam("basura-http", snapshot_url=bad_cameras.url("basura-http")),
        cam("basura-rtsp", rtsp_url=garbage_rtsp.url()),
        cam("cinco-gb", snapshot_url=bad_cameras.url("cinco-gb")),
        cam("goteo", snapshot_url=bad_cameras.url("goteo")),
        cam("buena", snapshot_url=bad_cameras.url("buena")),
    ]
    unit["capture"] = CAPTURE
    unit["salud"] = {"enabled": False}
    path = tmp_path / "vigia.yaml"
    path.write_text(yaml.safe_dump(unit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


async def foto(bot: BotHarness, camera: str) -> tuple[str, float, float]:
    """/foto <camera> in private: the answer's text, the seconds it took, the peak RSS growth in MB."""
    before = reset_rss_peak()
    started = time.monotonic()
    mark, _ = await bot.send("tec.ana", f"/foto {camera}")
    answer = await bot.fake.wait_for("sendMessage", after=mark, chat_id=ANA, timeout=DEADLINE_S + 5)
    return str(answer.params["text"]), time.monotonic() - started, rss_peak_mb() - before


@pytest.mark.parametrize(
    ("camera", "reason"),
    [
        pytest.param("colgada", "no respondió en 2.5 s", id="hung-rtsp"),
        pytest.param("basura-http", "lo que envió no es una imagen", id="garbage-http"),
        pytest.param("basura-rtsp", "sin señal", id="garbage-rtsp"),
        pytest.param("cinco-gb", "lo que envió no es una imagen", id="5GB-http"),
        pytest.param("goteo", "no respondió en 2.5 s", id="5GB-trickle-http"),
    ],
)
async def test_it_answers_foto_in_bounded_time_and_memory(
    bot: BotHarness, bad_cameras: BadCameras, camera: str, reason: str
) -> None:
    """Fault: the camera accepts and never answers (hung), answers random bytes as image/jpeg, speaks
    random bytes on its RTSP port, or announces 5 GB (Content-Length 5e9) and streams it fast or in a
    trickle. Expected: /foto answers "📷 <camera> · <site>: sin señal, <reason>" with the URL without
    credentials within the deadline (+ margin), the process's peak RSS grows less than 100 MB, and a
    5 GB body is cut off early."""
    text, seconds, growth = await foto(bot, camera)
    assert text.startswith(f"📷 <b>{camera.replace('-', ' ').title()}</b>") and reason in text, text
    assert "s3cret" not in text and "127.0.0.1" in text
    assert seconds < DEADLINE_S + MARGIN_S, f"{seconds:.1f} s"
    assert growth < MAX_GROWTH_MB, f"peak RSS grew {growth:.0f} MB"
    assert bad_cameras.sent.get(camera, 0) < 64 * 1024 * 1024, f"{bad_cameras.sent[camera]} bytes read"
    print(f"{camera}: {seconds:.2f} s, peak RSS +{growth:.0f} MB, {bad_cameras.sent.get(camera, 0)} bytes sent: {text}")


async def test_it_answers_the_other_cameras_while_one_hangs(bot: BotHarness) -> None:
    """Fault: a /foto of the hung camera is in progress. Expected: a /foto of another camera sent after it
    is answered first, without waiting for the hung one's deadline."""
    hung, _ = await bot.send("tec.ana", "/foto colgada")
    mark, _ = await bot.send("tec.ana", "/foto basura http")
    quick = await bot.fake.wait_for("sendMessage", after=mark, chat_id=ANA, text_contains="Basura Http")
    slow = await bot.fake.wait_for("sendMessage", after=hung, chat_id=ANA, text_contains="Colgada")
    assert quick.index < slow.index


async def test_a_report_waiting_on_a_hung_camera_holds_up_nobody_else(bot: BotHarness) -> None:
    """Fault: Ana files an anomaly naming the hung camera, so its snapshot waits for the capture
    deadline. Expected: Kevin's command, sent after hers, is answered first; her report is filed
    without that snapshot, and her own next message waits for her report (her chat keeps its order)."""
    filing, _ = await bot.send("tec.ana", "/anomalia hachadura #colgada Persona rondando el portón norte")
    mine, _ = await bot.send("tec.ana", "/quien")
    other, _ = await bot.send("tec.kevin", "/quien")
    kevins = await bot.fake.wait_for("sendMessage", after=other, chat_id=KEVIN)
    filed = await bot.fake.wait_for("sendMessage", after=filing, chat_id=ANA, text_contains="A-2026-0001")
    anas = await bot.fake.wait_for("sendMessage", after=mine, chat_id=ANA, text_contains="Ahora")
    assert kevins.index < filed.index < anas.index


async def test_the_call_list_does_not_wait_for_the_alerts_photo(bot: BotHarness) -> None:
    """Fault: Telegram takes its time with the report's photo to Luis, the site's administrator.
    Expected: Ana's call list (phone first, procedure I-2) reaches her while the photo is still on its
    way; the photo then arrives."""
    held = bot.fake.hold("sendPhoto", chat_id=LUIS)
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura #buena Persona rondando el portón norte")
    async with asyncio.timeout(DEADLINE_S + 5):
        await held.reached.wait()
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=ANA, text_contains="A-2026-0001")
    held.release.set()
    await bot.fake.wait_for("sendPhoto", after=mark, chat_id=LUIS)


async def test_the_alert_does_not_wait_for_a_refused_photo_which_comes_at_the_next_round(bot: BotHarness) -> None:
    """Fault: Telegram answers 500 to the report's photo for Luis, the site's administrator. Expected:
    his alert arrives at once; the photo at the next round, once (it used to go straight to Telegram,
    and a refusal lost it)."""
    bot.fake.fail("sendPhoto", chat_id=LUIS, error_code=500, description="Internal Server Error")
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura #buena Persona rondando el portón norte")
    await bot.settle()
    (alert,) = delivered(bot.fake, mark, chat_id=LUIS)
    assert "🚨" in alert.params["text"] and "A-2026-0001" in alert.params["text"]
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS, mark)[1:] == ["A-2026-0001"]
    assert [c.method for c in delivered(bot.fake, mark, chat_id=LUIS)] == ["sendMessage", "sendPhoto"]
    assert bot.take_errors() == []
