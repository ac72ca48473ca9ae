"""How fast /foto is, next to a plain ffmpeg one-frame grab of the same 1080p RTSP stream.

Parts, all real and on this machine: the RTSP test server (tests/rtsp_server.py: GStreamer, 1080p
25 fps H.264 at 4 Mbit/s, a keyframe a second), the tests' fake Bot API, and the bot as its own
process (`python -m bot run`, SQLite, default capture settings except `share_window_s: 0`, so
no request reuses another's frame). Measured in one run, alternating, on the same stream:

- `foto`: /foto of a camera, cold (the camera's stream is opened for each request), from the
  moment the bot's getUpdates returns the update to the sendPhoto arriving at the fake Bot API;
- `ffmpeg_grab`: `ffmpeg -rtsp_transport tcp -i URL -frames:v 1 out.jpg`, wall time, process
  start included. The ffmpeg command line is Debian's (`apt-get install ffmpeg`) when on PATH,
  else the binary of the `imageio-ffmpeg` wheel if installed; PyAV's wheel has FFmpeg's libraries
  but no command line. For reference only (not in the JSON), the same grab with the bot's
  stream-analysis setting (`-analyzeduration 100000`) is printed too;
- `mosaico9`: /mosaico of a site with 9 cameras on the same stream;
- `cpu_s_per_foto`: the bot process's CPU time (user + system) over the /foto phase, divided by
  the number of /foto (it includes the bot's own idle polling, a few ms a second).

Goal: foto p50 <= 0.6 s and ratio_vs_ffmpeg <= 1.0; mosaico9 p50 < 2 s. Last line: one JSON object.

`--live`: an extra client watches the stream throughout, so the server's encoder never stops and
every grab joins a running stream, as with a real camera (otherwise each grab starts the stream).

Run: .venv/bin/python bench/snapshot.py [--rounds 20] [--live]   (needs the Debian packages of .ci/run)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bot_process import in_service, start_bot
from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
USER_ID, GROUP_ID = 5001, -1001000000001
SPACING_S = 0.3  # between requests, so the server's shared stream winds down as between real requests


def ffmpeg_command() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg  # type: ignore[import-not-found]

        return imageio_ffmpeg.get_ffmpeg_exe()
    except ImportError:
        sys.exit("no ffmpeg command line: apt-get install ffmpeg (or pip install imageio-ffmpeg)")


def start_rtsp_server() -> tuple[subprocess.Popen, int]:
    server = subprocess.Popen(
        ["/usr/bin/python3", str(ROOT / "tests" / "rtsp_server.py"), "--shared"],  # one encoder, as a camera
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline()  # type: ignore[union-attr]
    if not line.startswith("READY"):
        sys.exit(f"the RTSP test server did not start ({line!r}); install the Debian packages .ci/run lists")
    return server, int(line.split()[1])


def start_watcher(ffmpeg: str, url: str) -> subprocess.Popen:
    watch = [ffmpeg, "-loglevel", "quiet", "-rtsp_transport", "tcp", "-i", url, "-c", "copy", "-f", "null", "-"]
    return subprocess.Popen(watch, stdin=subprocess.DEVNULL)


def unit_file(directory: Path, url: str) -> Path:
    cameras = "\n".join(
        f"  - {{code: bench-{n}, name: Cámara {n}, site: banco, rtsp_url: '{url}'}}" for n in range(1, 10)
    )
    path = directory / "vigia.yaml"
    path.write_text(
        f"group: {{chat_id: {GROUP_ID}}}\n"
        f"people:\n  - {{id: tec.bench, name: Técnica de Banco, role: tecnico, telegram_id: {USER_ID}}}\n"
        "sites:\n  - {code: banco, name: Sitio de Banco, kind: otra}\n"
        f"cameras:\n{cameras}\n"
        "capture: {share_window_s: 0}\n"
        'shifts: [{name: día, start: "06:00", end: "18:00"}, {name: noche, start: "18:00", end: "06:00"}]\n',
        encoding="utf-8",
    )
    return path


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def ask(fake: FakeTelegram, user: dict, chat: dict, text: str) -> float:
    """Seconds from the bot receiving `text` (its getUpdates answered) to the sendPhoto arriving."""
    mark = fake.mark()
    fake.send_text(user, chat, text)
    sent = await fake.wait_for("sendPhoto", after=mark, timeout=30)
    delivered = next(
        c for c in fake.calls[mark : sent.index] if c.method == "getUpdates" and c.ok and c.result
    )  # the poll that carried our update
    return sent.at - delivered.at


def grab(ffmpeg: str, url: str, out: Path, *extra: str) -> float:
    started = time.perf_counter()
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", *extra, "-rtsp_transport", "tcp", "-i", url]
    subprocess.run([*command, "-frames:v", "1", "-y", str(out)], check=True)
    return time.perf_counter() - started


def p(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


async def main(rounds: int, live: bool) -> None:
    ffmpeg = ffmpeg_command()
    server, port = start_rtsp_server()
    url = f"rtsp://127.0.0.1:{port}/moving"
    watcher = start_watcher(ffmpeg, url) if live else None
    fake = FakeTelegram()
    await fake.start()
    workdir = Path(tempfile.mkdtemp(prefix="vigia-bench-"))
    fake.group(GROUP_ID, "UTMV")
    user = fake.user(USER_ID, "Técnica")
    chat = fake.private_chat(user)
    bot = await start_bot(fake, workdir, unit_file(workdir, url))
    foto, ffmpeg_times, tuned, mosaics = [], [], [], []
    try:
        await in_service(fake, bot)
        await ask(fake, user, chat, "/foto bench-1")  # warm-up: the bot's first capture loads FFmpeg
        grab(ffmpeg, url, workdir / "warm.jpg")
        cpu_before = cpu_seconds(bot.pid)
        for n in range(rounds):
            await asyncio.sleep(SPACING_S)
            foto.append(await ask(fake, user, chat, f"/foto bench-{n % 9 + 1}"))
            await asyncio.sleep(SPACING_S)
            ffmpeg_times.append(await asyncio.to_thread(grab, ffmpeg, url, workdir / "grab.jpg"))
        cpu_per_foto = (cpu_seconds(bot.pid) - cpu_before) / rounds
        for _ in range(max(3, rounds // 4)):
            await asyncio.sleep(SPACING_S)
            tuned.append(await asyncio.to_thread(grab, ffmpeg, url, workdir / "t.jpg", "-analyzeduration", "100000"))
            await asyncio.sleep(SPACING_S)
            mosaics.append(await ask(fake, user, chat, "/mosaico banco"))
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), timeout=30)
        await fake.stop()
        if watcher is not None:
            watcher.terminate()
            watcher.wait(timeout=10)
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "foto_p50_s": round(statistics.median(foto), 3),
        "foto_p95_s": round(p(foto, 95), 3),
        "ffmpeg_grab_p50_s": round(statistics.median(ffmpeg_times), 3),
        "ratio_vs_ffmpeg": round(statistics.median(foto) / statistics.median(ffmpeg_times), 2),
        "mosaico9_p50_s": round(statistics.median(mosaics), 3),
        "cpu_s_per_foto": round(cpu_per_foto, 3),
    }
    print(
        f"{rounds} cold /foto of 1080p RTSP{' (stream kept live)' * live}: "
        f"p50 {result['foto_p50_s']} s, p95 {result['foto_p95_s']} s, "
        f"{result['cpu_s_per_foto']} CPU-s each; ffmpeg one-frame grab p50 {result['ffmpeg_grab_p50_s']} s "
        f"({ffmpeg}), with -analyzeduration 100000 p50 {statistics.median(tuned):.3f} s; "
        f"/mosaico of 9 cameras p50 {result['mosaico9_p50_s']} s over {len(mosaics)} runs"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--live", action="store_true", help="keep the stream running, as a real camera does")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.live))
