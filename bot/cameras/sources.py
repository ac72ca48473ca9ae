"""Where each camera's pictures come from, with its credentials kept out of sight.

A Source knows the URL with credentials (only ever handed to OpenCV or PyAV) and the same URL
without them (for messages and logs). Its repr never shows the password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

from bot.logs import redact
from bot.unit_config import UnitConfig


def without_credentials(url: str) -> str:
    """The URL as people may see it: scheme, host, port and path; no user, password or query
    (cameras often take `?user=…&password=…`)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def with_credentials(url: str, username: str | None, password: str | None) -> str:
    """The URL for the capture library: the configured user and password win over any in the URL."""
    parts = urlsplit(url)
    username = username if username is not None else parts.username
    password = password if password is not None else parts.password
    if not username:
        return url
    userinfo = quote(username, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    safe = without_credentials(url)
    scheme, rest = safe.split("://", 1)
    return f"{scheme}://{userinfo}@{rest}"


@dataclass(frozen=True)
class Source:
    code: str
    name: str
    site: str
    rtsp_url: str | None = field(default=None, repr=False)
    snapshot_url: str | None = field(default=None, repr=False)
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    has_audio: bool = False

    @property
    def stream_url(self) -> str | None:
        """The RTSP URL with credentials: for OpenCV and PyAV only, never for a message or a log."""
        return with_credentials(self.rtsp_url, self.username, self.password) if self.rtsp_url else None

    @property
    def safe_url(self) -> str:
        url = self.rtsp_url or self.snapshot_url or ""
        return without_credentials(url) if url else "-"

    def scrub(self, text: str) -> str:
        """Text from a library (an exception, a log line) with this camera's secrets taken out."""
        secrets = [self.password or ""]
        if self.stream_url:
            text = text.replace(self.stream_url, self.safe_url)
        return redact(text, secrets)


def sources_from_config(unit: UnitConfig) -> dict[str, Source]:
    return {
        camera.code: Source(
            code=camera.code,
            name=camera.name,
            site=camera.site,
            rtsp_url=camera.rtsp_url,
            snapshot_url=without_credentials(camera.snapshot_url) if camera.snapshot_url else None,
            username=camera.username or (urlsplit(camera.snapshot_url or camera.rtsp_url or "").username),
            password=camera.password or (urlsplit(camera.snapshot_url or camera.rtsp_url or "").password),
            has_audio=camera.has_audio,
        )
        for camera in unit.cameras
        if camera.enabled
    }
