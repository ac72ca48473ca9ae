"""Short clips with sound, with PyAV (FFmpeg inside its wheel): record, then fit Telegram's limit.

Recording copies the camera's packets from the first keyframe on, so an H.264 camera costs almost
no CPU. Phones play inline only H.264 with AAC in MP4 with the index first (faststart); anything
else (H.265, G.711 audio) is re-encoded once recorded. A clip over the upload limit is re-encoded
at the bitrate that fits, and shortened if even that is not enough. Blocking: run in a thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av

from bot.cameras.capture import CameraUnavailable

PLAYABLE_VIDEO, PLAYABLE_AUDIO = "h264", "aac"
MP4_OPTIONS = {"movflags": "+faststart"}
AUDIO_BPS = 64_000
MIN_VIDEO_BPS = 120_000


@dataclass(frozen=True)
class ClipInfo:
    path: Path
    duration_s: float
    width: int
    height: int
    has_audio: bool
    note: str | None = None  # "reencoded" (lower quality to fit) or "shortened"


RTSP_OPTIONS = {"rtsp_transport": "tcp", "analyzeduration": "100000", "probesize": "32768"}


def probe(path: Path) -> ClipInfo:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        duration = container.duration / 1_000_000 if container.duration else 0.0
        return ClipInfo(
            path, duration, video.codec_context.width, video.codec_context.height, bool(container.streams.audio)
        )


def open_rtsp(url: str, open_timeout_s: float, read_timeout_s: float) -> av.container.InputContainer:
    """An RTSP stream opened with PyAV as OpenCV opens it (TCP, short analysis: the SDP already
    names the codecs, and FFmpeg's default 5 s of probing would cost a second per open), or
    CameraUnavailable like `grab_rtsp`, never with the URL in the message."""
    started = time.monotonic()
    try:
        return av.open(url, options=RTSP_OPTIONS, timeout=(open_timeout_s, read_timeout_s))
    except av.FFmpegError as exc:
        waited = time.monotonic() - started
        reason = "timeout" if waited >= open_timeout_s * 0.9 else "unreachable"
        raise CameraUnavailable(reason, f"{type(exc).__name__} after {waited:.1f} s") from None


def record(url: str, dest: Path, seconds: float, open_timeout_s: float, read_timeout_s: float) -> ClipInfo:
    """`seconds` of the stream from its next keyframe, as a playable MP4 at `dest`."""
    with open_rtsp(url, open_timeout_s, read_timeout_s) as source:
        if not source.streams.video:
            raise CameraUnavailable("no_stream", "the stream has no video")
        video = source.streams.video[0]
        audio = source.streams.audio[0] if source.streams.audio else None
        playable = video.codec_context.name == PLAYABLE_VIDEO and (
            audio is None or audio.codec_context.name == PLAYABLE_AUDIO
        )
        raw = dest if playable else dest.with_suffix(".raw.mkv")
        _copy(source, video, audio, raw, seconds, deadline=time.monotonic() + seconds + 2 * read_timeout_s + 5)
    if playable:
        return probe(dest)
    try:
        return transcode(raw, dest)
    finally:
        raw.unlink(missing_ok=True)


def _copy(source: av.container.InputContainer, video, audio, dest: Path, seconds: float, deadline: float) -> None:
    streams = [s for s in (video, audio) if s is not None]
    start: Fraction | None = None
    offsets: dict[int, int] = {}
    with av.open(str(dest), "w", options=MP4_OPTIONS if dest.suffix == ".mp4" else {}) as sink:
        outputs = {s.index: sink.add_stream_from_template(s) for s in streams}
        try:
            for packet in source.demux(*streams):
                if time.monotonic() > deadline:
                    break
                if packet.pts is None or packet.dts is None:
                    continue
                stream = packet.stream
                at = packet.pts * stream.time_base
                if start is None:
                    if stream is not video or not packet.is_keyframe:
                        continue
                    start = at
                if at < start:
                    continue
                if stream is video and at - start >= seconds:
                    break
                offset = offsets.setdefault(stream.index, int(start / stream.time_base))
                packet.pts -= offset
                packet.dts -= offset
                packet.stream = outputs[stream.index]
                sink.mux(packet)
        except av.FFmpegError as exc:
            if start is None:
                raise CameraUnavailable("no_frame", type(exc).__name__) from None
        if start is None:
            raise CameraUnavailable("no_frame", "no keyframe before the deadline")


def transcode(
    src: Path,
    dest: Path,
    *,
    video_bps: int | None = None,
    max_width: int | None = None,
    max_seconds: float | None = None,
) -> ClipInfo:
    """Re-encode to H.264 + AAC in MP4; optionally at a bitrate, narrower, or shorter."""
    with av.open(str(src)) as source, av.open(str(dest), "w", options=MP4_OPTIONS) as sink:
        video_in = source.streams.video[0]
        audio_in = source.streams.audio[0] if source.streams.audio else None
        width, height = video_in.codec_context.width, video_in.codec_context.height
        if max_width and width > max_width:
            width, height = max_width, round(height * max_width / width / 2) * 2
        video_out = sink.add_stream("libx264", rate=video_in.average_rate or 25)
        video_out.width, video_out.height, video_out.pix_fmt = width, height, "yuv420p"
        video_out.codec_context.time_base = Fraction(1, 90_000)
        options = {"preset": "veryfast"}
        if video_bps:
            video_out.bit_rate = video_bps
            options.update(maxrate=str(video_bps), bufsize=str(video_bps))
        video_out.codec_context.options = options
        audio_out = sink.add_stream("aac", rate=audio_in.codec_context.sample_rate) if audio_in else None
        if audio_out is not None:
            audio_out.bit_rate = AUDIO_BPS
        for frame in source.decode(*[s for s in (video_in, audio_in) if s is not None]):
            if frame.pts is None:
                continue
            at = float(frame.pts * frame.time_base)
            if max_seconds is not None and at >= max_seconds:
                continue
            if isinstance(frame, av.VideoFrame):
                image = frame.reformat(width=width, height=height, format="yuv420p")
                image.pts, image.time_base = round(at * 90_000), Fraction(1, 90_000)
                sink.mux(video_out.encode(image))
            elif audio_out is not None:
                frame.pts = None
                sink.mux(audio_out.encode(frame))
        sink.mux(video_out.encode(None))
        if audio_out is not None:
            sink.mux(audio_out.encode(None))
    return probe(dest)


def fit(clip: ClipInfo, max_bytes: int) -> ClipInfo:
    """The clip itself if it is small enough; else re-encoded to fit, and shortened if need be."""
    size = clip.path.stat().st_size
    if size <= max_bytes:
        return clip
    duration = max(clip.duration_s, 0.5)
    audio = AUDIO_BPS if clip.has_audio else 0
    video_bps = max(MIN_VIDEO_BPS, int(max_bytes * 8 * 0.85 / duration) - audio)
    smaller = clip.path.with_suffix(".fit.mp4")
    result = transcode(clip.path, smaller, video_bps=video_bps, max_width=1280 if video_bps < 2_500_000 else None)
    note = "reencoded"
    while result.path.stat().st_size > max_bytes and duration > 1:
        duration *= max_bytes / result.path.stat().st_size * 0.9
        shorter = clip.path.with_suffix(".short.mp4")
        result = transcode(smaller, shorter, video_bps=video_bps, max_width=1280, max_seconds=duration)
        shorter.replace(smaller)
        result, note = replace(result, path=smaller), "shortened"
    smaller.replace(clip.path)
    return replace(result, path=clip.path, note=note)
