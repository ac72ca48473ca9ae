"""The health probe against the real RTSP test server: a camera's sound (heard, silent, missing,
a camera that hangs) and a stream whose picture froze under a ticking overlay."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bot.cameras.capture import CameraUnavailable, grab_rtsp
from bot.health.audio import _full_scale, level_db, probe_audio
from bot.health.detectors import FREEZE_GRID, Reference, Thresholds, change, is_frozen, judge, sample
from tests.cameras_fixtures import RtspServer

OPEN_S, READ_S = 3.0, 3.0


def test_it_hears_a_microphone_and_measures_its_level(rtsp_server: RtspServer) -> None:
    heard = probe_audio(rtsp_server.url("/audio"), OPEN_S, READ_S)
    assert heard.state == "ok"
    assert heard.level_db is not None and -16 < heard.level_db < -11, "a 440 Hz sine at volume 0.3: -13.5 dBFS"
    assert heard.seconds >= 1.0


def test_it_tells_a_mute_microphone(rtsp_server: RtspServer) -> None:
    heard = probe_audio(rtsp_server.url("/silent"), OPEN_S, READ_S)
    assert heard.state == "silent"
    assert heard.level_db is not None and heard.level_db < -60
    assert heard.seconds >= 1.0, "it listened: silence is sound that says nothing, not missing sound"


def test_it_tells_a_stream_without_sound(rtsp_server: RtspServer) -> None:
    heard = probe_audio(rtsp_server.url("/moving"), OPEN_S, READ_S)
    assert (heard.state, heard.level_db) == ("missing", None)


def test_it_gives_up_on_a_hung_camera_in_bounded_time(hung_camera: int) -> None:
    started = time.monotonic()
    with pytest.raises(CameraUnavailable) as failure:
        probe_audio(f"rtsp://127.0.0.1:{hung_camera}/stream", 1.5, 1.5)
    waited = time.monotonic() - started
    assert failure.value.reason == "timeout"
    assert waited < 1.5 + 1.5 + 2, f"{waited:.1f} s"
    assert "127.0.0.1" not in str(failure.value), "no URL in the message"
    started = time.monotonic()
    with pytest.raises(CameraUnavailable) as refused:
        probe_audio("rtsp://127.0.0.1:9/stream", 1.5, 1.5)
    assert refused.value.reason == "unreachable" and time.monotonic() - started < 1.0


def test_it_measures_levels_in_any_sample_format() -> None:
    assert np.allclose(_full_scale(np.array([-32768, 0, 16384], np.int16)), [-1.0, 0.0, 0.5])
    assert np.allclose(_full_scale(np.array([0, 128, 255], np.uint8)), [-1.0, 0.0, 127 / 128])
    assert np.allclose(_full_scale(np.array([-(2**31), 2**30], np.int32)), [-1.0, 0.5])
    assert level_db(0.5 * 1000, 1000) == pytest.approx(-3.01, abs=0.01), "a full-scale sine"
    assert level_db(0.0, 1000) == -240.0
    assert level_db(0.0, 0) == -240.0


def _top_strip(image: np.ndarray) -> np.ndarray:
    """The top row of the frozen check's cells, where /frozen's live patch moves."""
    return image[: image.shape[0] // FREEZE_GRID[0]].astype(np.int16)


def test_it_sees_a_real_stream_freeze_under_a_ticking_overlay(rtsp_server: RtspServer) -> None:
    url = rtsp_server.url("/frozen")
    first = grab_rtsp(url, OPEN_S, READ_S)
    deadline = time.monotonic() + 15
    while True:  # the stream is live: its overlay changes between grabs (waited on, within a deadline)
        later = grab_rtsp(url, OPEN_S, READ_S)
        if np.abs(_top_strip(later) - _top_strip(first)).max() > 50:
            break
        assert time.monotonic() < deadline, "the overlay of /frozen never changed: is the stream live?"
    last = grab_rtsp(url, OPEN_S, READ_S)
    below = first.shape[0] // FREEZE_GRID[0]
    assert np.abs(last[below:].astype(np.int16) - first[below:]).mean() < 0.5, "the picture itself is stuck"
    frozen = [(0.0, sample(first)), (15.0, sample(later)), (30.0, sample(last))]
    assert is_frozen(frozen)
    assert change(frozen[0][1], frozen[2][1]) < Thresholds().frozen_mad
    assert judge(frozen[2][1], Reference.from_sample(frozen[0][1])) == frozenset(), "nothing else is wrong with it"

    moving = [(t, sample(grab_rtsp(rtsp_server.url("/moving"), OPEN_S, READ_S))) for t in (0.0, 15.0, 30.0)]
    assert not is_frozen(moving), "the ball moves: the camera is live"
