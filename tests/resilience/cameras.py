"""Cameras that misbehave, served from the test's own event loop.

- `BadCameras`: an HTTP server whose `/<name>.jpg` does what `modes[name]` says: `picture` (a
  textured JPEG), `down` (503), `garbage` (random bytes sent as image/jpeg), `endless` (announces
  Content-Length 5 GB and streams random bytes until the client goes away), `trickle` (the same,
  one small chunk every 0.2 s). It counts the bytes it sent per camera.
- `GarbageRtsp`: a TCP port that answers every RTSP request with random bytes, forever.
- `rss_peak_mb()`: the process's peak resident memory since `reset_rss_peak()` (Linux
  /proc/self/clear_refs and VmHWM), so a test measures what one request cost at its worst.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from aiohttp import web

from bot.cameras.capture import encode_jpeg

FIVE_GB = 5_000_000_000
CHUNK = os.urandom(256 * 1024)
TRICKLE_PAUSE_S = 0.2  # between the 1 KB pieces of a trickling camera


def textured_jpeg(seed: int = 7) -> bytes:
    """A picture with detail everywhere (no detector calls it black, covered or blurred)."""
    rng = np.random.default_rng(seed)
    tiles = rng.integers(30, 220, size=(18, 32, 3), dtype=np.uint8)
    image = np.kron(tiles, np.ones((20, 20, 1), dtype=np.uint8))
    return encode_jpeg(image, quality=90)


@dataclass
class BadCameras:
    modes: dict[str, str] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)
    port: int = 0
    _runner: web.AppRunner | None = None
    _picture: bytes = field(default_factory=textured_jpeg)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}.jpg"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{name}.jpg", self._serve)
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._stopping.set()  # a trickling answer ends at once instead of at its next pause
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        mode = self.modes.get(name, "picture")
        if mode == "picture":
            return web.Response(body=self._picture, content_type="image/jpeg")
        if mode == "down":
            return web.Response(status=503, text="service unavailable")
        if mode == "garbage":
            return web.Response(body=os.urandom(64 * 1024), content_type="image/jpeg")
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg", "Content-Length": str(FIVE_GB)})
        await response.prepare(request)
        self.sent[name] = 0
        while self.sent[name] < FIVE_GB:
            chunk = CHUNK if mode == "endless" else CHUNK[:1024]
            await response.write(chunk)
            self.sent[name] += len(chunk)
            if mode == "trickle" and await self._paused_until_stopped(TRICKLE_PAUSE_S):
                break
        return response

    async def _paused_until_stopped(self, seconds: float) -> bool:
        """The fault itself: a camera that sends 1 KB every `seconds`, until the test stops it."""
        try:
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        except TimeoutError:
            return False
        return True


@dataclass
class GarbageRtsp:
    port: int = 0
    connections: int = 0
    _server: asyncio.Server | None = None

    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/Streaming/Channels/101"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._speak, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _speak(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            if await reader.read(4096):  # the client's first request (OPTIONS or DESCRIBE)
                while True:
                    writer.write(os.urandom(4096))
                    await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


def _status(field_name: str) -> float:
    text = Path("/proc/self/status").read_text()
    match = re.search(rf"^{field_name}:\s+(\d+) kB", text, re.MULTILINE)
    assert match, f"no {field_name} in /proc/self/status"
    return int(match.group(1)) / 1024


def reset_rss_peak() -> float:
    """Start measuring the peak from now; returns the resident memory now, in MB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS")


def rss_peak_mb() -> float:
    return _status("VmHWM")
