"""JPEG snapshots over HTTP(S), with basic or digest authentication, without blocking the loop.

Cameras disagree on the scheme (Hikvision and Dahua want digest, many encoders basic), so the
first request goes without credentials and the camera's challenge decides; the answer is
remembered per camera, and digest reuses the camera's nonce from then on.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from bot.cameras.capture import CameraUnavailable

MAX_BYTES = 20 * 1024 * 1024


class ChallengeAuth(httpx.Auth):
    """Basic or digest, whichever the camera's WWW-Authenticate asks for."""

    def __init__(self, username: str, password: str) -> None:
        self._basic = httpx.BasicAuth(username, password)
        self._digest = httpx.DigestAuth(username, password)
        self.scheme: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.scheme == "basic":
            yield from self._basic.auth_flow(request)
            return
        if self.scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        response = yield request
        challenge = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        if response.status_code != 401 or challenge not in ("basic", "digest"):
            return
        self.scheme = challenge
        if challenge == "basic":
            yield from self._basic.auth_flow(request)
            return
        flow = self._digest.auth_flow(request)
        next(flow)  # the unauthenticated request we already sent; its answer carries the challenge
        try:
            following = flow.send(response)
            while True:
                following = flow.send((yield following))
        except StopIteration:
            return


async def fetch(
    client: httpx.AsyncClient, url: str, auth: httpx.Auth | None, open_timeout_s: float, read_timeout_s: float
) -> bytes:
    """The image bytes, or CameraUnavailable; messages name no URL (the caller knows the camera)."""
    timeout = httpx.Timeout(connect=open_timeout_s, read=read_timeout_s, write=read_timeout_s, pool=open_timeout_s)
    try:
        async with client.stream("GET", url, auth=auth or httpx.USE_CLIENT_DEFAULT, timeout=timeout) as response:
            if response.status_code in (401, 403):
                raise CameraUnavailable("auth", f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise CameraUnavailable("unreachable", f"HTTP {response.status_code}")
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise CameraUnavailable("bad_image", f"more than {MAX_BYTES} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException as exc:
        raise CameraUnavailable("timeout", type(exc).__name__) from None
    except httpx.HTTPError as exc:
        raise CameraUnavailable("unreachable", type(exc).__name__) from None
