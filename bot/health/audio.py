"""Does a camera's microphone still hear anything? One short listen to its RTSP stream, with PyAV.

A camera that should carry sound fails in two quiet ways that no picture shows: the audio track is
gone (a reconfigured encoder, a firmware update) or it is there but carries nothing (a cut or
unplugged microphone sends digital silence). `probe_audio` opens the stream as `bot.cameras.clip`
does (RTSP over TCP, the same open and read timeouts), decodes about `seconds` of sound and
measures its RMS level in dBFS; below `silent_below_db` (ffmpeg silencedetect's -60 dB) is silent.
The monitor decides how many silent probes in a row make a fault (cameras.md: 2 s or more).

Blocking: run it on the capture service's threads. It is bounded in time even when the camera
hangs: the open gives up after `open_timeout_s`, every read after `read_timeout_s`, and the listen
itself stops at its own deadline even while video keeps flowing without any sound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import av
import numpy as np

from bot.cameras.capture import CameraUnavailable
from bot.cameras.clip import open_rtsp

SILENCE_FLOOR_DB = -240.0  # the level reported for digital silence (RMS 1e-12)
STATES = ("ok", "missing", "silent")


@dataclass(frozen=True)
class AudioCheck:
    state: str  # "ok" | "missing" | "silent"
    level_db: float | None  # RMS level in dBFS of what was heard; None when nothing was
    seconds: float = 0.0  # how much sound was decoded


def _full_scale(samples: np.ndarray) -> np.ndarray:
    """Decoded samples as float64 in [-1, 1], whatever the decoder's sample format."""
    if samples.dtype.kind == "f":
        return samples.astype(np.float64, copy=False)
    if samples.dtype.kind == "u":
        half = float(np.iinfo(samples.dtype).max + 1) / 2
        return (samples.astype(np.float64) - half) / half
    return samples.astype(np.float64) / float(-np.iinfo(samples.dtype).min)


def level_db(sum_of_squares: float, count: int) -> float:
    rms = math.sqrt(sum_of_squares / count) if count else 0.0
    return 20 * math.log10(max(rms, 1e-12))


def probe_audio(
    url: str,
    open_timeout_s: float,
    read_timeout_s: float,
    seconds: float = 1.0,
    silent_below_db: float = -60.0,
) -> AudioCheck:
    """Listen to `seconds` of a stream's first audio track. CameraUnavailable when the stream
    cannot be opened (or stalls before any sound), like `grab_rtsp`; never a URL in the message."""
    with open_rtsp(url, open_timeout_s, read_timeout_s) as source:
        if not source.streams.audio:
            return AudioCheck("missing", None)
        audio = source.streams.audio[0]
        # Every stream is demuxed, so the deadline is checked even while only video arrives.
        deadline = time.monotonic() + seconds + read_timeout_s + 1.0
        heard, sum_of_squares, count = 0.0, 0.0, 0
        try:
            for packet in source.demux():
                if time.monotonic() > deadline or heard >= seconds:
                    break
                if packet.stream is not audio or packet.size == 0:
                    continue
                for frame in audio.codec_context.decode(packet):
                    samples = _full_scale(frame.to_ndarray())
                    sum_of_squares += float(np.square(samples).sum())
                    count += samples.size
                    heard += frame.samples / (frame.sample_rate or audio.codec_context.sample_rate or 48_000)
        except av.FFmpegError as exc:
            if count == 0:
                raise CameraUnavailable("timeout", f"{type(exc).__name__} while listening") from None
    if count == 0:
        return AudioCheck("missing", None)
    level = level_db(sum_of_squares, count)
    return AudioCheck("silent" if level < silent_below_db else "ok", level, round(heard, 3))
