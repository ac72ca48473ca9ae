"""A real RTSP server for the camera tests and the snapshot benchmark (GStreamer gst-rtsp-server).

Runs under the system interpreter, not the venv: PyGObject and gst-rtsp-server are Debian packages
(`.ci/run` installs them). Prints `READY <port>` on stdout once it listens, then serves until its
stdin closes or it is terminated, so a test run that dies never leaves it behind.

    /usr/bin/python3 tests/rtsp_server.py [--port 0]

Mounts (one pipeline per client, with wall-time animation so two snapshots seconds apart differ
as a real camera's do; a picture that does not move at all is a frozen camera to the health
monitor):

    /moving  1920x1080 25 fps H.264, a ball moving over grey            (the usual camera)
    /moving2 /moving3 /moving4: the same, for benchmarks that need many cameras
    /audio   1280x720 H.264 CBR, ball over grey + AAC 440 Hz sine       (a camera with a microphone)
    /black   640x360 H.264, black                                       (a covered lens)
    /silent  640x360 H.264 CBR, ball over grey + AAC silence            (a microphone gone mute)
    /frozen  1280x720 H.264, still SMPTE bars, a small ball moving in   (a stuck picture under its
             a strip along the top edge                                 ticking burnt-in clock)
    /hevc    1280x720 H.265, still SMPTE 75% bars                       (only when x265enc exists)
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


def h264(source: str, width: int, height: int, kbps: int, constant: bool = False) -> str:
    """`constant`: pad to the bitrate with filler data, as cameras streaming CBR do (a simple
    picture then still makes clips as big as a real camera's)."""
    padding = " option-string=nal-hrd=cbr:filler=1" if constant else ""
    return (
        f"videotestsrc is-live=true animation-mode=wall-time {source} "
        f"! video/x-raw,width={width},height={height},framerate=25/1 ! videoconvert "
        f"! x264enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={GOP}{padding} "
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

SILENCE = (
    "audiotestsrc is-live=true wave=silence ! audio/x-raw,rate=48000,channels=1 "
    "! audioconvert ! avenc_aac bitrate=64000 ! rtpmp4gpay name=pay1 pt=97"
)


def frozen_bars(width: int, height: int, kbps: int) -> str:
    """A stuck picture under a ticking clock: still SMPTE bars, with a small ball moving in a strip
    along the top edge, where cameras burn in their clock.

    The sources are not live, so the compositor waits for both of them and never sends a frame
    with one missing (live, it sends its checkered background after each restart); clocksync then
    paces the result in real time. (With a live sound track beside it, most snapshots found no
    picture in the capture's short stream analysis: keep this one silent.)"""
    return (
        f"compositor name=mix sink_1::xpos=16 sink_1::ypos=8 "
        f"! video/x-raw,width={width},height={height},framerate=25/1 ! clocksync ! videoconvert "
        f"! x264enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={GOP} "
        f"! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 "
        f"videotestsrc pattern=smpte ! video/x-raw,width={width},height={height},framerate=25/1 ! mix.sink_0 "
        f"videotestsrc animation-mode=wall-time pattern=ball "
        f"! video/x-raw,width={width // 8},height={height // 16},framerate=25/1 ! mix.sink_1"
    )


BALL = "pattern=ball background-color=0xff505050"  # a white ball moving over grey: a live scene

MOUNTS = {
    "/moving": h264(BALL, 1920, 1080, 4000),
    **{f"/moving{n}": h264(BALL, 1920, 1080, 4000) for n in (2, 3, 4)},  # bench/probe.py spreads 200 cameras
    "/audio": f"{h264(BALL, 1280, 720, 2000, constant=True)} {AAC}",
    "/black": h264("pattern=black", 640, 360, 300),
    "/silent": f"{h264(BALL, 640, 360, 500, constant=True)} {SILENCE}",
    "/frozen": frozen_bars(1280, 720, 1500),
}


def build_server(port: int, shared: bool) -> GstRtspServer.RTSPServer:
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
        factory.set_shared(shared)
        mounts.add_factory(path, factory)
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument(
        "--shared",
        action="store_true",
        help="one encoder per mount for every client, as a real camera (benchmarks: cheaper with many "
        "clients); off by default because gst-rtsp-server 1.22 aborts (gst_rtsp_media_get_rates) when a "
        "client joins a shared media the previous one is tearing down, as a snapshot then an audio probe do",
    )
    args = parser.parse_args()
    Gst.init(None)
    server = build_server(args.port, args.shared)
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
