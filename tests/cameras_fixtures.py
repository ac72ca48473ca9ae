"""Real cameras for the tests: an RTSP server, HTTP snapshot cameras behind digest/basic auth, and
a camera that accepts connections and never answers.

- `rtsp_server`: GStreamer's gst-rtsp-server (tests/rtsp_server.py, whose docstring lists the
  mounts) under the system python3, which has PyGObject; one per test session, started again on
  the same port if it died. `running_rtsp_server()` starts a private one (a test may kill it).
- `http_cameras`: a threaded HTTP server; `/digest/<colour>.jpg` demands digest auth,
  `/basic/<colour>.jpg` basic, `/open/<colour>.jpg` nothing. Each is a solid-colour JPEG, so a
  test can tell which camera a picture came from. It records every Authorization header.
- `hung_camera`: a TCP port whose listener never accepts: connections open, nothing ever answers.

Without the Debian packages the camera tests are skipped, except under CI, where they must run.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import parse_http_list, parse_keqv_list

import numpy as np
import pytest

from bot.cameras.capture import encode_jpeg  # through bot.cameras: OpenCV's environment is set first
from tests.ports import unassigned_port

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER = Path(__file__).with_name("rtsp_server.py")
CAMERA_USER = "u"
CAMERA_PASSWORD = "s3cret-cam-pass"  # tests.conftest.TEST_ENV["CAM_PASSWORD"]
REALM = "camara-de-prueba"
COLOURS = {"red": (0, 0, 255), "green": (0, 200, 0), "blue": (255, 0, 0), "yellow": (0, 220, 220)}  # BGR


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run installs the Debian packages the camera tests need")
    pytest.skip(f"{reason} (install them as .ci/run does)")


@dataclass
class RtspServer:
    port: int
    mounts: set[str]
    process: subprocess.Popen

    def url(self, mount: str) -> str:
        return f"rtsp://127.0.0.1:{self.port}{mount}"


@contextmanager
def running_rtsp_server(port: int | None = None, shared: bool = False) -> Iterator[RtspServer]:
    """A GStreamer RTSP server for as long as the block runs; `port` to come back where a killed one
    was (each picks one that stays free for that); `shared` for one encoder per mount (benchmarks
    with hundreds of cameras)."""
    port = unassigned_port() if port is None else port
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('GstRtspServer', '1.0')"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        _missing("gst-rtsp-server for the system python3 is not installed")
    process = subprocess.Popen(
        [SYSTEM_PYTHON, str(SERVER), "--port", str(port), *(["--shared"] if shared else [])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    ready: list[str] = []
    reader = threading.Thread(target=lambda: ready.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout=15)
    if not ready or not ready[0].startswith("READY"):
        process.kill()
        pytest.fail(f"the RTSP test server did not start: {ready!r}")
    _, bound, *mounts = ready[0].split()
    try:
        yield RtspServer(int(bound), set(mounts), process)
    finally:
        if process.poll() is None:
            process.stdin.close()  # type: ignore[union-attr]
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class _RtspPool:
    stack: ExitStack
    servers: list[RtspServer]


@pytest.fixture(scope="session")
def _rtsp_pool() -> Iterator[_RtspPool]:
    with ExitStack() as stack:
        yield _RtspPool(stack, [stack.enter_context(running_rtsp_server())])


@pytest.fixture
def rtsp_server(_rtsp_pool: _RtspPool) -> RtspServer:
    """One server for the session, started again on the same port if it died: gst-rtsp-server
    1.22 can abort (gst_rtsp_media_get_rates assertion) after many rapid connect-disconnects of a
    shared media, and one crash must not fail every camera test after it."""
    current = _rtsp_pool.servers[-1]
    if current.process.poll() is not None:
        _rtsp_pool.servers.append(_rtsp_pool.stack.enter_context(running_rtsp_server(current.port)))
    return _rtsp_pool.servers[-1]


@dataclass
class HttpCameras:
    port: int
    authorizations: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization header)
    served: dict[str, int] = field(default_factory=dict)  # path -> images served

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def solid_jpeg(colour: str, width: int = 640, height: int = 360) -> bytes:
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:] = COLOURS[colour]
    return encode_jpeg(image, quality=90)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # RFC 2617 digest is MD5


def digest_ok(header: str, method: str, nonces: set[str], user: str = CAMERA_USER) -> bool:
    if not header.lower().startswith("digest "):
        return False
    fields = parse_keqv_list(parse_http_list(header[7:]))
    if fields.get("username") != user or fields.get("nonce") not in nonces:
        return False
    ha1 = _md5(f"{user}:{REALM}:{CAMERA_PASSWORD}")
    ha2 = _md5(f"{method}:{fields.get('uri')}")
    parts = [ha1, fields["nonce"], fields.get("nc", ""), fields.get("cnonce", ""), fields.get("qop", ""), ha2]
    expected = _md5(":".join(parts)) if fields.get("qop") else _md5(f"{ha1}:{fields['nonce']}:{ha2}")
    return secrets.compare_digest(expected, fields.get("response", ""))


def basic_ok(header: str) -> bool:
    expected = base64.b64encode(f"{CAMERA_USER}:{CAMERA_PASSWORD}".encode()).decode()
    return header == f"Basic {expected}"


@pytest.fixture(scope="session")
def http_cameras() -> Iterator[HttpCameras]:
    cameras = HttpCameras(port=0)
    nonces: set[str] = set()
    images = {colour: solid_jpeg(colour) for colour in COLOURS}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            header = self.headers.get("Authorization", "")
            with lock:
                cameras.authorizations.append((self.path, header))
            parts = self.path.strip("/").split("/")
            colour = parts[-1].removesuffix(".jpg") if len(parts) == 2 else ""
            if colour not in images:
                self.send_error(404)
                return
            scheme = parts[0]
            if scheme == "digest" and not digest_ok(header, "GET", nonces):
                nonce = secrets.token_hex(16)
                nonces.add(nonce)
                self._challenge(f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5')
                return
            if scheme == "basic" and not basic_ok(header):
                self._challenge(f'Basic realm="{REALM}"')
                return
            with lock:
                cameras.served[self.path] = cameras.served.get(self.path, 0) + 1
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(images[colour])))
            self.end_headers()
            self.wfile.write(images[colour])

        def _challenge(self, value: str) -> None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    cameras.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield cameras
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def hung_camera() -> Iterator[int]:
    """A port that takes connections (the kernel completes them) and never says a word."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
