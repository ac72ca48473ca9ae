"""A real RTSP server for the camera tests and the snapshot benchmark (GStreamer gst-rtsp-server).

Runs under the system interpreter, not the venv: PyGObject and gst-rtsp-server are Debian packages
(`.ci/run` installs them). Prints `READY <port>` on stdout once it listens, then serves until its
stdin closes or it is terminated, so a test run that dies never leaves it behind.

    /usr/bin/python3 tests/rtsp_server.py [--port 0]

Mounts (each shared like a real camera: one encoder for every client, wall-time animation so two
snapshots seconds apart differ):

    /moving  1920x1080 25 fps H.264, a moving ball                     (the usual camera)
    /audio   1280x720 25 fps H.264 SMPTE bars + AAC 48 kHz 440 Hz sine  (a camera with a microphone)
    /black   640x360 H.264, black                                       (a covered lens)
    /hevc    1280x720 H.265 SMPTE 75% bars                              (only when x265enc exists)
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

GOP = 25  # one keyframe a second, as most IP cameras ship


def h264(source: str, width: int, height: int, kbps: int) -> str:
    return (
        f"videotestsrc is-live=true animation-mode=wall-time {source} "
        f"! video/x-raw,width={width},height={height},framerate=25/1 ! videoconvert "
        f"! x264enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={GOP} "
        f"! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1"
    )


def h265(source: str, width: int, height: int, kbps: int) -> str:
    return (
        f"videotestsrc is-live=true animation-mode=wall-time {source} "
        f"! video/x-raw,width={width},height={height},framerate=25/1 ! videoconvert "
        f"! x265enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={GOP} "
        f"! rtph265pay name=pay0 pt=96 config-interval=1"
    )


AAC = (
    "audiotestsrc is-live=true wave=sine freq=440 volume=0.3 ! audio/x-raw,rate=48000,channels=1 "
    "! audioconvert ! avenc_aac bitrate=64000 ! rtpmp4gpay name=pay1 pt=97"
)

MOUNTS = {
    "/moving": h264("pattern=ball", 1920, 1080, 4000),
    "/audio": f"{h264('pattern=smpte', 1280, 720, 2000)} {AAC}",
    "/black": h264("pattern=black", 640, 360, 300),
}


def build_server(port: int) -> GstRtspServer.RTSPServer:
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    mounts = server.get_mount_points()
    pipelines = dict(MOUNTS)
    if Gst.ElementFactory.find("x265enc") is not None:
        pipelines["/hevc"] = h265("pattern=smpte75", 1280, 720, 2000)
    for path, launch in pipelines.items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(f"( {launch} )")
        factory.set_shared(True)
        mounts.add_factory(path, factory)
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    args = parser.parse_args()
    Gst.init(None)
    server = build_server(args.port)
    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        print("FAILED to listen", flush=True)
        return 1
    mounts = " ".join(sorted(MOUNTS) + (["/hevc"] if Gst.ElementFactory.find("x265enc") else []))
    print(f"READY {server.get_bound_port()} {mounts}", flush=True)

    def watch_stdin() -> None:
        sys.stdin.read()  # returns when the parent closes the pipe or dies
        GLib.idle_add(loop.quit)

    threading.Thread(target=watch_stdin, daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
