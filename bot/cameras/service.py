"""The capture service: frames and clips from named cameras, for commands, anomalies, faults, health.

- One bounded pool of threads runs every OpenCV and PyAV call; the event loop only awaits.
- At most one thread works on a camera at a time, and requests for a camera within
  `share_window_s` of each other share one capture, so a burst of /foto costs one grab.
- Every snapshot answers within `deadline_s` (open + read timeout + 0.5 s): a camera that hangs
  gives CameraUnavailable("timeout") then, while its thread finishes on its own bounded timeouts.
- Clips take at most half the threads, and so do the grabs of a mosaic (all mosaics at once, each
  grab until its thread ends, a hung one included), so a site whose cameras all hang does not
  queue other people's /foto behind its grabs past their deadline.
- Messages and logs name a camera by code and credential-free URL only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import numpy as np

from bot.cameras import clip
from bot.cameras.capture import CameraUnavailable, decode_image, grab_rtsp
from bot.cameras.http_snapshot import ChallengeAuth, fetch
from bot.cameras.sources import Source
from bot.unit_config import Capture

log = logging.getLogger(__name__)
R = TypeVar("R")


@dataclass(frozen=True)
class Frame:
    camera: str  # code
    image: np.ndarray  # BGR
    captured_at: datetime  # UTC


class CaptureService:
    def __init__(
        self, options: Capture, sources: dict[str, Source], clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.options = options
        self.sources = sources
        self._clock = clock
        self._executor = concurrent.futures.ThreadPoolExecutor(options.workers, thread_name_prefix="camera")
        self._clip_slots: asyncio.Semaphore | None = None
        self._several_slots: asyncio.Semaphore | None = None
        self._shared: dict[str, tuple[float, asyncio.Future[Frame]]] = {}
        self._threads: dict[str, concurrent.futures.Future[Any]] = {}
        self._auth: dict[str, ChallengeAuth] = {}
        self._last_ok: dict[str, datetime] = {}
        self._http: httpx.AsyncClient | None = None

    @property
    def deadline_s(self) -> float:
        """The longest a snapshot request waits before it is told the camera gave nothing."""
        return self.options.open_timeout_s + self.options.read_timeout_s + 0.5

    def source(self, code: str) -> Source:
        source = self.sources.get(code)
        if source is None:
            raise CameraUnavailable("no_stream", f"camera {code!r} is not configured or disabled")
        return source

    def last_ok(self, code: str) -> datetime | None:
        """When this process last got a picture from the camera (None: not since it started)."""
        return self._last_ok.get(code)

    async def run(self, function: Callable[..., R], *args: Any) -> R:
        """Blocking work (image encoding, hashing, files) on the pool, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(function, *args))

    async def snapshot(self, code: str) -> Frame:
        """A fresh frame, shared with any request for the same camera in the last `share_window_s`."""
        source = self.source(code)
        loop = asyncio.get_running_loop()
        shared = self._shared.get(code)
        fresh = shared is not None and shared[1].get_loop() is loop
        if fresh and shared[1].done():
            fresh = loop.time() - shared[0] <= self.options.share_window_s
        if not fresh:
            shared = (loop.time(), asyncio.ensure_future(self._capture(source)))
            shared[1].add_done_callback(_retrieve)
            self._shared[code] = shared
        assert shared is not None
        return await asyncio.shield(shared[1])

    async def snapshots(self, codes: Iterable[str]) -> dict[str, Frame | CameraUnavailable]:
        """Frames from several cameras at once (a mosaic); failures in place, all within one deadline."""
        codes = list(codes)
        results = await asyncio.gather(*(self._one_of_several(code) for code in codes), return_exceptions=True)
        outcome: dict[str, Frame | CameraUnavailable] = {}
        for code, result in zip(codes, results, strict=True):
            if isinstance(result, Frame | CameraUnavailable):
                outcome[code] = result
            elif isinstance(result, Exception):  # _capture turns every failure into CameraUnavailable
                outcome[code] = CameraUnavailable("error", type(result).__name__)
            else:
                raise result  # cancelled
        return outcome

    async def _one_of_several(self, code: str) -> Frame:
        """A snapshot on one of the threads that several-camera requests share. The deadline counts from
        the request, not from the turn: a camera whose turn does not come in time is a timeout, and is
        not grabbed later, when nobody waits for it. The turn is given back when the grab's thread
        ends, not at the deadline: a hung grab still holds its thread after the deadline."""
        if self._several_slots is None:
            self._several_slots = asyncio.Semaphore(max(1, self.options.workers // 2))
        slots, loop = self._several_slots, asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.deadline_s):
                await slots.acquire()
                try:
                    return await self.snapshot(code)
                finally:
                    thread = self._threads.get(code)
                    if thread is None or thread.done():
                        slots.release()
                    else:
                        thread.add_done_callback(partial(_release_from_thread, loop, slots))
        except TimeoutError:
            raise self._late(self.source(code)) from None

    async def clip(self, code: str, seconds: float, dest: Path, max_bytes: int) -> clip.ClipInfo:
        """A playable MP4 of `seconds` from the camera's stream, fitted under `max_bytes`."""
        source = self.source(code)
        if not source.stream_url:
            raise CameraUnavailable("no_stream", "clips need an rtsp_url")
        options = self.options
        if self._clip_slots is None:
            self._clip_slots = asyncio.Semaphore(max(1, options.workers // 2))
        async with self._clip_slots:
            try:
                recorded = await self.run(
                    clip.record, source.stream_url, dest, seconds, options.open_timeout_s, options.read_timeout_s
                )
                fitted = await self.run(clip.fit, recorded, max_bytes)
            except CameraUnavailable as exc:
                log.warning("camera %s (%s): no clip: %s", code, source.safe_url, exc)
                raise
            except Exception as exc:
                log.warning("camera %s (%s): clip failed: %s", code, source.safe_url, source.scrub(repr(exc)))
                raise CameraUnavailable("error", type(exc).__name__) from None
        self._last_ok[code] = self._clock()
        return fitted

    async def aclose(self) -> None:
        """Stop taking work; threads still waiting on a camera end on their own timeouts."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _capture(self, source: Source) -> Frame:
        options = self.options
        try:
            async with asyncio.timeout(self.deadline_s):
                if source.snapshot_url:
                    data = await fetch(
                        self._client(),
                        source.snapshot_url,
                        self._auth_for(source),
                        options.open_timeout_s,
                        options.read_timeout_s,
                    )
                    image = await self.run(decode_image, data)
                else:
                    assert source.stream_url is not None
                    image = await self._one_thread_per_camera(
                        source.code, grab_rtsp, source.stream_url, options.open_timeout_s, options.read_timeout_s
                    )
        except TimeoutError:
            raise self._late(source) from None
        except CameraUnavailable as exc:
            log.warning("camera %s (%s): %s", source.code, source.safe_url, exc)
            raise
        except Exception as exc:
            log.warning("camera %s (%s): capture failed: %s", source.code, source.safe_url, source.scrub(repr(exc)))
            raise CameraUnavailable("error", type(exc).__name__) from None
        frame = Frame(source.code, image, self._clock())
        self._last_ok[source.code] = frame.captured_at
        return frame

    def _late(self, source: Source) -> CameraUnavailable:
        exc = CameraUnavailable("timeout", f"no frame within {self.deadline_s:.1f} s")
        log.warning("camera %s (%s): %s", source.code, source.safe_url, exc)
        return exc

    async def _one_thread_per_camera(self, code: str, function: Callable[..., R], *args: Any) -> R:
        """Join the camera's running grab if there is one (e.g. a hung one), else start one."""
        running = self._threads.get(code)
        if running is None or running.done():
            running = self._executor.submit(function, *args)
            self._threads[code] = running
        return await asyncio.shield(asyncio.wrap_future(running))

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(follow_redirects=False, verify=True)
        return self._http

    def _auth_for(self, source: Source) -> httpx.Auth | None:
        if not source.username:
            return None
        if source.code not in self._auth:
            self._auth[source.code] = ChallengeAuth(source.username, source.password or "")
        return self._auth[source.code]


def _release_from_thread(loop: asyncio.AbstractEventLoop, slots: asyncio.Semaphore, _: object) -> None:
    """A grab's thread ended: its turn goes back on the loop (unless the bot has stopped meanwhile)."""
    with suppress(RuntimeError):  # the loop is closed
        loop.call_soon_threadsafe(slots.release)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a shared capture's failure as seen, so nobody waiting is no reason for a warning."""
    if not future.cancelled():
        future.exception()
