"""Blocking frame grabs with OpenCV: run these in the capture service's threads, never on the loop.

Each snapshot opens the stream, decodes the first frame and closes it again. A capture left open
hands out frames as old as the time it sat idle (FFmpeg buffers, and its OpenCV backend cannot
limit the buffer), so opening per snapshot is what makes a frame fresh; with the short stream
analysis set in `bot.cameras` an open costs ~0.1-0.25 CPU-s and ~0.3 s at 1080p.
"""

from __future__ import annotations

import time

import cv2  # bot/cameras/__init__.py, which Python runs before this module, has set its environment
import numpy as np

REASONS = ("timeout", "unreachable", "no_frame", "auth", "bad_image", "busy", "no_stream", "error")


class CameraUnavailable(Exception):
    """A camera gave no picture. `reason` is one of REASONS; the message never carries a URL."""

    def __init__(self, reason: str, detail: str = "") -> None:
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def grab_rtsp(url: str, open_timeout_s: float, read_timeout_s: float) -> np.ndarray:
    """One fresh BGR frame from an RTSP stream, or CameraUnavailable within the timeouts.

    A listener that never answers costs `open_timeout_s`; a stream that stalls after opening
    costs up to about three read timeouts (FFmpeg retries), which the service's deadline hides.
    """
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        int(open_timeout_s * 1000),
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        int(read_timeout_s * 1000),
    ]
    started = time.monotonic()
    capture = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
    try:
        if not capture.isOpened():
            waited = time.monotonic() - started
            if waited >= open_timeout_s * 0.9:
                raise CameraUnavailable("timeout", f"no answer within {waited:.1f} s")
            raise CameraUnavailable("unreachable", f"refused after {waited:.1f} s")
        ok, frame = capture.read()
        if not ok or frame is None or frame.size == 0:
            raise CameraUnavailable("no_frame", f"opened, but no frame after {time.monotonic() - started:.1f} s")
        return frame
    finally:
        capture.release()


def decode_image(data: bytes) -> np.ndarray:
    """A BGR frame from JPEG/PNG bytes (an HTTP snapshot)."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise CameraUnavailable("bad_image", f"{len(data)} bytes that are no image")
    return image


def encode_jpeg(image: np.ndarray, quality: int = 85, comment: str | None = None) -> bytes:
    """JPEG bytes; `comment` goes into a COM segment (what the picture is, for whoever reads the file)."""
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 0])
    if not ok:
        raise ValueError("JPEG encoding failed")
    data = buffer.tobytes()
    if comment:
        payload = comment.encode("utf-8")[:65000]
        segment = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
        data = data[:2] + segment + data[2:]
    return data


def fit_within(image: np.ndarray, max_side: int) -> np.ndarray:
    """Scale down (never up) so the longer side is at most `max_side` pixels."""
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1:
        return image
    return cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
