"""The capture service against real cameras: RTSP (H.264, H.265, audio), HTTP digest/basic, a hung one."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import av
import numpy as np
import pytest

from bot.cameras.capture import CameraUnavailable, decode_image, grab_rtsp
from bot.cameras.clip import fit
from bot.cameras.mosaic import Tile, compose
from bot.cameras.overlay import burn_in, font_path
from bot.cameras.service import CaptureService, Frame
from bot.cameras.sources import Source, with_credentials, without_credentials
from bot.unit_config import Capture
from tests.cameras_fixtures import CAMERA_PASSWORD, CAMERA_USER, COLOURS, HttpCameras, RtspServer

DEADLINES = Capture()  # the product's 3 s to open and to read: an H.265 stream on a loaded 2-core CI needs it


def rtsp(code: str, server: RtspServer, mount: str, **extra: object) -> Source:
    return Source(
        code, code, "site", rtsp_url=server.url(mount), username=CAMERA_USER, password=CAMERA_PASSWORD, **extra
    )  # type: ignore[arg-type]


def http(code: str, cameras: HttpCameras, path: str, username: str = CAMERA_USER) -> Source:
    return Source(code, code, "site", snapshot_url=cameras.url(path), username=username, password=CAMERA_PASSWORD)


@pytest.fixture
async def service(rtsp_server: RtspServer, http_cameras: HttpCameras, hung_camera: int):
    sources = [
        rtsp("moving", rtsp_server, "/moving"),
        rtsp("audio", rtsp_server, "/audio", has_audio=True),
        rtsp("black", rtsp_server, "/black"),
        Source(
            "hung", "hung", "site", rtsp_url=f"rtsp://127.0.0.1:{hung_camera}/x", username="u", password=CAMERA_PASSWORD
        ),
        Source("refused", "refused", "site", rtsp_url="rtsp://127.0.0.1:9/x", username="u", password=CAMERA_PASSWORD),
        http("digest", http_cameras, "/digest/red.jpg"),
        http("basic", http_cameras, "/basic/green.jpg"),
        http("digest-wrong-user", http_cameras, "/digest/blue.jpg", username="intruso"),
        Source("http-hung", "http-hung", "site", snapshot_url=f"http://127.0.0.1:{hung_camera}/snap.jpg"),
    ]
    if "/hevc" in rtsp_server.mounts:
        sources.append(rtsp("hevc", rtsp_server, "/hevc"))
    capture = CaptureService(DEADLINES, {s.code: s for s in sources})
    yield capture
    await capture.aclose()


def centre(image: np.ndarray) -> np.ndarray:
    """The mean BGR colour of the middle of a picture (away from any burnt-in text)."""
    height, width = image.shape[:2]
    return image[height // 3 : 2 * height // 3, width // 3 : 2 * width // 3].reshape(-1, 3).mean(axis=0)


def test_it_grabs_fresh_frames_from_h264_and_h265(rtsp_server: RtspServer) -> None:
    first = grab_rtsp(rtsp_server.url("/moving"), 3, 3)
    assert first.shape == (1080, 1920, 3)
    grabs = (grab_rtsp(rtsp_server.url("/moving"), 3, 3) for _ in range(5))  # each open takes a fresh frame
    assert any(np.abs(first.astype(int) - later.astype(int)).sum() > 0 for later in grabs), "the ball moves"
    assert grab_rtsp(rtsp_server.url("/black"), 3, 3).max() < 30
    if "/hevc" not in rtsp_server.mounts:
        pytest.skip("x265enc is not installed, so the RTSP server has no H.265 stream")
    assert grab_rtsp(rtsp_server.url("/hevc"), 3, 3).shape == (720, 1280, 3)


async def test_requests_for_one_camera_share_one_capture(service: CaptureService, http_cameras: HttpCameras) -> None:
    served = http_cameras.served.get("/digest/red.jpg", 0)
    first, second = await asyncio.gather(service.snapshot("digest"), service.snapshot("digest"))
    assert first is second
    assert http_cameras.served["/digest/red.jpg"] == served + 1
    service.options = DEADLINES.model_copy(update={"share_window_s": 0})  # as if the window had passed
    third = await service.snapshot("digest")
    assert third is not first and http_cameras.served["/digest/red.jpg"] == served + 2


async def test_http_snapshots_with_digest_and_basic_auth(service: CaptureService, http_cameras: HttpCameras) -> None:
    red, green = await asyncio.gather(service.snapshot("digest"), service.snapshot("basic"))
    assert np.allclose(centre(red.image), COLOURS["red"], atol=10)
    assert np.allclose(centre(green.image), COLOURS["green"], atol=10)
    sent_to_digest = [header for path, header in http_cameras.authorizations if path.startswith("/digest/")]
    assert not any(h.lower().startswith("basic") for h in sent_to_digest), "never basic to a digest camera"
    with pytest.raises(CameraUnavailable) as refused:
        await service.snapshot("digest-wrong-user")
    assert refused.value.reason == "auth"


async def test_a_hung_camera_times_out_while_others_answer_promptly(service: CaptureService) -> None:
    """The other camera's frame does not wait for the hung ones, and the hung ones give up by
    themselves (how long each takes is measured by bench/snapshot.py, not asserted here)."""
    hung = asyncio.create_task(service.snapshot("hung"))
    http_hung = asyncio.create_task(service.snapshot("http-hung"))
    await asyncio.sleep(0)  # the hung opens are under way first
    frame = await service.snapshot("moving")
    assert frame.image.shape == (1080, 1920, 3)
    assert not hung.done() and not http_hung.done(), "the working camera did not wait for the hung ones"
    for task in (hung, http_hung):
        with pytest.raises(CameraUnavailable) as failure:
            await asyncio.wait_for(task, service.deadline_s + 5)
        assert failure.value.reason == "timeout"


async def test_a_refused_camera_is_told_apart_from_a_hung_one(service: CaptureService) -> None:
    """A refused connection is "unreachable" at once, not a wait for the timeout."""
    with pytest.raises(CameraUnavailable) as failure:
        await asyncio.wait_for(service.snapshot("refused"), service.deadline_s)
    assert failure.value.reason == "unreachable"


async def test_passwords_stay_out_of_errors_and_logs(
    service: CaptureService, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    outcome = await service.snapshots(["hung", "refused", "digest-wrong-user", "moving", "digest"])
    assert isinstance(outcome["moving"], Frame) and isinstance(outcome["hung"], CameraUnavailable)
    texts = [str(r) for r in outcome.values()] + [repr(s) for s in service.sources.values()]
    out, err = capfd.readouterr()
    everything = "\n".join([*texts, caplog.text, out, err])
    assert "camera hung (rtsp://127.0.0.1:" in caplog.text  # the URL is logged, without credentials
    assert CAMERA_PASSWORD not in everything


def test_urls_carry_credentials_only_for_the_capture_library() -> None:
    url = with_credentials("rtsp://10.20.3.12:554/Streaming/Channels/101", "monitoreo", "p@ss:w/rd ñ")
    assert url == "rtsp://monitoreo:p%40ss%3Aw%2Frd%20%C3%B1@10.20.3.12:554/Streaming/Channels/101"
    assert without_credentials(url) == "rtsp://10.20.3.12:554/Streaming/Channels/101"
    source = Source("c", "C", "s", rtsp_url="rtsp://10.0.0.1/x", username="u", password="p@ss:w/rd ñ")
    assert "p@ss" not in repr(source) and source.safe_url == "rtsp://10.0.0.1/x"
    assert "p%40ss" not in source.scrub(f"failed to open {source.stream_url}")


def test_burnt_in_text_renders_accents_with_a_real_font() -> None:
    assert font_path() is not None, "DejaVu Sans (matplotlib's copy or Debian's) must be there"
    frame = np.zeros((1080, 1920, 3), dtype=np.uint8)
    marked = burn_in(frame, ["Aduana Aérea 1 · Zona de carga", "05/12/2026 10:00:00 · solicitó Ana López"])
    band = marked[:100]
    assert (band > 200).any(), "white text in the band"
    assert not marked[200:].any(), "nothing below the band changes"


def test_a_mosaic_of_many_cameras_stays_within_telegrams_photo_limits() -> None:
    tiles = [Tile(f"Cámara {n}", np.zeros((1080, 1920, 3), dtype=np.uint8)) for n in range(120)]
    height, width = compose(tiles, ["Sitio", "hora"]).shape[:2]
    assert width + height <= 10_000 and max(width, height) / min(width, height) <= 20


def test_a_jpeg_that_is_no_image_is_refused() -> None:
    with pytest.raises(CameraUnavailable) as failure:
        decode_image(b"<html>login</html>")
    assert failure.value.reason == "bad_image"


async def test_a_clip_has_video_and_audio_of_the_asked_length(service: CaptureService, tmp_path: Path) -> None:
    info = await service.clip("audio", 2, tmp_path / "clip.mp4", max_bytes=50 * 1024 * 1024)
    with av.open(str(info.path)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.duration / 1_000_000 == pytest.approx(2, abs=0.3)
        assert sum(1 for _ in container.decode(audio=0)) > 50  # ~94 AAC frames in 2 s at 48 kHz
    assert info.has_audio and info.note is None


async def test_an_h265_camera_gives_an_h264_clip(
    service: CaptureService, rtsp_server: RtspServer, tmp_path: Path
) -> None:
    if "/hevc" not in rtsp_server.mounts:
        pytest.skip("x265enc is not installed, so the RTSP server has no H.265 stream")
    info = await service.clip("hevc", 1, tmp_path / "clip.mp4", max_bytes=50 * 1024 * 1024)
    with av.open(str(info.path)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.duration / 1_000_000 == pytest.approx(1, abs=0.3)


async def test_a_clip_over_the_upload_limit_is_reencoded_to_fit(service: CaptureService, tmp_path: Path) -> None:
    recorded = await service.clip("audio", 2, tmp_path / "big.mp4", max_bytes=50 * 1024 * 1024)
    size = recorded.path.stat().st_size
    limit = size // 3
    fitted = await service.run(fit, recorded, limit)
    assert fitted.path.stat().st_size <= limit and fitted.note in ("reencoded", "shortened")
    with av.open(str(fitted.path)) as container:
        assert container.streams.video[0].codec_context.name == "h264" and container.streams.audio
