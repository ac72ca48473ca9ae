"""Cameras: snapshots, mosaics and clips, and the evidence they leave.

OpenCV reads its FFmpeg settings from the environment, some of them once, when the library loads.
This package sets them here, before any of its modules imports cv2, so importing anything from
`bot.cameras` first is enough. The operator may override each one in the environment.

- OPENCV_FFMPEG_IS_THREAD_SAFE=1: without it every open takes a process-wide lock, and one camera
  that never answers delays every other camera's snapshot (opencv issues 20114, 24229).
- OPENCV_FFMPEG_CAPTURE_OPTIONS: RTSP over TCP (cameras behind NAT and lossy links drop UDP, and
  the variable replaces OpenCV's own TCP preference), and a short stream analysis: 0.1 s instead
  of FFmpeg's default cuts the first frame of a 1080p stream from ~1.2 s to ~0.3 s.
- OPENCV_FFMPEG_LOGLEVEL=-8 (quiet) and OPENCV_LOG_LEVEL=ERROR: FFmpeg writes straight to stderr,
  beyond the reach of our redacting log filter; we log failures ourselves, without credentials.
"""

from __future__ import annotations

import os

FFMPEG_ENVIRONMENT = {
    "OPENCV_FFMPEG_IS_THREAD_SAFE": "1",
    "OPENCV_FFMPEG_CAPTURE_OPTIONS": "rtsp_transport;tcp|analyzeduration;100000",
    "OPENCV_FFMPEG_LOGLEVEL": "-8",
    "OPENCV_LOG_LEVEL": "ERROR",
}

for _name, _value in FFMPEG_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)
