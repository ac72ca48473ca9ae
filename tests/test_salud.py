"""The health monitor end to end: real RTSP cameras (GStreamer), the real bot, the fake Bot API.

Rounds are run by hand (`salud.round`) with the clock moved a minute each time, as the JobQueue
would every minute. A stream that stops is a test server killed; it comes back on the same port.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from bot.health.chart import LINES_PER_PICTURE, pages, render_status
from bot.health.status import StatusRow
from bot.i18n import plain
from handlers.salud import CHART_LABELS
from storage.fallas import Fault
from storage.health import CameraHealth, CameraUptime
from tests.cameras_fixtures import RtspServer, running_rtsp_server
from tests.conftest import UNIT_YAML
from tests.harness import GROUP_ID, BotHarness

AUTH = {"username": "u", "password": "${CAM_PASSWORD}"}


@pytest.fixture
def rtsp_server() -> Iterator[RtspServer]:
    """A server of the test's own: a round opens a dozen streams, and the shared one is kept for
    the other camera tests (gst-rtsp-server tires of many rapid connect-disconnects)."""
    with running_rtsp_server() as server:
        yield server


@pytest.fixture
def spare_server() -> Iterator[list[RtspServer]]:
    """A second RTSP server the test may kill and bring back; the list holds the live one."""
    with ExitStack() as stack:
        servers = [stack.enter_context(running_rtsp_server())]
        yield servers
        servers[-1].process.kill()


@pytest.fixture
def unit_file(tmp_path: Path, rtsp_server: RtspServer, spare_server: list[RtspServer]) -> Path:
    """La Hachadura on the shared server (black, silent, frozen cameras among good ones); two of El
    Amatillo's three cameras on the spare server, so killing it takes most of that site down."""
    unit = yaml.safe_load(UNIT_YAML)
    unit["sites"].append({"code": "amatillo", "name": "Aduana Frontera El Amatillo", "kind": "frontera_terrestre"})
    spare = spare_server[0]

    def cam(code: str, site: str, url: str, **more: object) -> dict:
        return {"code": code, "name": code.replace("-", " ").title(), "site": site, "rtsp_url": url, **AUTH, **more}

    unit["cameras"] = [
        cam("hachadura-1", "hachadura", rtsp_server.url("/moving")),
        cam("hachadura-2", "hachadura", rtsp_server.url("/black")),
        cam("hachadura-3", "hachadura", rtsp_server.url("/audio"), has_audio=True),
        cam("hachadura-4", "hachadura", rtsp_server.url("/silent"), has_audio=True),
        cam("hachadura-5", "hachadura", rtsp_server.url("/frozen")),
        cam("amatillo-1", "amatillo", spare.url("/moving")),
        cam("amatillo-2", "amatillo", spare.url("/moving")),
        cam("amatillo-3", "amatillo", rtsp_server.url("/moving")),
    ]
    # No camera here hangs (a killed server refuses at once), so long deadlines cost nothing: on a loaded
    # 2-core CI, eight streams opened at once, and a second of audio heard from one, can take seconds.
    unit["capture"] = {"open_timeout_s": 6.0, "read_timeout_s": 6.0, "workers": 8}
    path = tmp_path / "vigia.yaml"
    path.write_text(yaml.safe_dump(unit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


async def rounds(bot: BotHarness, count: int) -> None:
    for _ in range(count):
        bot.clock.advance(timedelta(seconds=60))
        await bot.run_job("salud.round")


async def rounds_until_back(bot: BotHarness, site: str, most: int = 5) -> list[Fault]:
    """Rounds until the site's faults are all resolved (M good probes each; a stream just restarted
    may miss its first frame, as a real camera coming back does), at most `most`."""
    for _ in range(most):
        await rounds(bot, 1)
        found = [f for f in await faults(bot) if f.site_code == site]
        if found and all(f.resolved_at is not None for f in found):
            break
    return found


async def faults(bot: BotHarness) -> list[Fault]:
    async with bot.services.db.read() as session:
        return list((await session.exec(select(Fault).order_by(Fault.id))).all())


async def health(bot: BotHarness, code: str) -> CameraHealth:
    async with bot.services.db.read() as session:
        row = await session.get(CameraHealth, code)
    assert row is not None
    return row


def posted(bot: BotHarness, mark: int, method: str = "sendMessage") -> list:
    return [c for c in bot.fake.calls[mark:] if c.method == method and c.params.get("chat_id") == GROUP_ID]


async def test_it_finds_black_silent_and_frozen_cameras_and_posts_each_fault_once(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await rounds(bot, 2)
    assert await faults(bot) == [], "two bad probes are not yet a fault"
    await rounds(bot, 1)
    opened = {f.camera_code: f for f in await faults(bot)}
    assert set(opened) == {"hachadura-2", "hachadura-4"}, {c: f.description for c, f in opened.items()}
    assert "imagen negra" in opened["hachadura-2"].description
    assert "audio en silencio" in opened["hachadura-4"].description
    assert all(f.opened_by_id is None and f.scope == "camara" for f in opened.values())
    await rounds(bot, 2)  # the frozen camera needs three frames over 30 s to be judged, then three probes
    opened = {f.camera_code: f for f in await faults(bot)}
    assert set(opened) == {"hachadura-2", "hachadura-4", "hachadura-5"}, {c: f.description for c, f in opened.items()}
    assert "imagen congelada" in opened["hachadura-5"].description
    texts = [c.params["text"] for c in posted(bot, mark)]
    assert sum(1 for text in texts if "F-2026-" in text and "Paso 1" in text) == 3, texts
    photos = posted(bot, mark, "sendPhoto")
    assert len(photos) == 3, "each fault shows the camera's last frame"
    assert any(c.params.get("reply_markup") for c in posted(bot, mark)), "with the triage buttons"
    quiet = bot.fake.mark()
    await rounds(bot, 3)
    assert posted(bot, quiet) == [] and posted(bot, quiet, "sendPhoto") == [], "nothing is re-posted in a loop"
    for healthy in ("hachadura-1", "hachadura-3"):
        assert (await health(bot, healthy)).status == "up"


async def test_it_opens_one_site_fault_when_a_site_goes_dark_and_closes_it_when_back(
    bot: BotHarness, spare_server: list[RtspServer]
) -> None:
    await rounds(bot, 2)  # El Amatillo healthy: references learned
    port = spare_server[0].port
    spare_server[0].process.kill()
    spare_server[0].process.wait(timeout=5)
    await rounds(bot, 3)
    site = [f for f in await faults(bot) if f.site_code == "amatillo"]
    assert len(site) == 1, [(f.scope, f.camera_code) for f in site]
    assert site[0].scope == "sitio" and site[0].camera_code is None
    assert "Posible fallo eléctrico o de enlace: 2 cámaras" in site[0].description
    message = bot.fake.message(GROUP_ID, site[0].message_id)  # type: ignore[arg-type]
    assert message is not None and "El Amatillo" in message["text"]
    with running_rtsp_server(port) as back:
        spare_server.append(back)
        await rounds(bot, 1)
        assert (await faults(bot))[-1].resolved_at is None, "one good probe is not a recovery"
        (fault,) = await rounds_until_back(bot, "amatillo")
        assert fault.resolved_at is not None
        edited = bot.fake.message(GROUP_ID, fault.message_id)  # type: ignore[arg-type]
        assert edited is not None and "Resuelta" in edited["text"] and "Imagen restablecida" in edited["text"]
        assert (await health(bot, "amatillo-1")).status == "up"
        spare_server.pop()


async def test_it_reopens_the_same_fault_when_a_camera_flaps(bot: BotHarness, spare_server: list[RtspServer]) -> None:
    unit = bot.services.unit  # with every camera needed for a site fault, each camera flaps on its own
    bot.services.unit = unit.model_copy(update={"salud": unit.salud.model_copy(update={"site_share": 1.0})})
    await rounds(bot, 1)
    port, first = spare_server[0].port, None
    for attempt in range(2):
        spare_server[-1].process.kill()
        spare_server[-1].process.wait(timeout=5)
        await rounds(bot, 3)
        with running_rtsp_server(port) as back:
            spare_server.append(back)
            amatillo = await rounds_until_back(bot, "amatillo")
            numbers = sorted((f.camera_code, f.number) for f in amatillo)
            assert [camera for camera, _ in numbers] == ["amatillo-1", "amatillo-2"], f"flap {attempt}: {numbers}"
            assert all(f.resolved_at is not None for f in amatillo)
            assert first in (None, numbers), "the second flap reopens the same two faults, it opens no others"
            first = numbers
        spare_server.pop()


async def test_it_keeps_quiet_during_maintenance_and_alerts_after(bot: BotHarness) -> None:
    reply = await bot.ask("coord.carlos", "/mantenimiento hachadura-2 2 horas cambio de lente")
    assert "hasta 12:00" in reply.params["text"] and "Hachadura 2" in reply.params["text"], "two hours from 10:00"
    await rounds(bot, 4)
    assert "hachadura-2" not in {f.camera_code for f in await faults(bot)}
    listing = await bot.ask("coord.carlos", "/mantenimiento")
    assert "Hachadura 2 hasta 12:00: cambio de lente" in listing.params["text"], "'horas' is the duration's"
    ended = await bot.ask("coord.carlos", "/mantenimiento hachadura-2 fin")
    assert "terminado" in ended.params["text"]
    await rounds(bot, 1)
    assert "hachadura-2" in {f.camera_code for f in await faults(bot)}, "still black: the fault opens at once"
    async with bot.services.db.read() as session:
        tally = (await session.exec(select(CameraUptime).where(CameraUptime.camera_code == "hachadura-2"))).all()
    assert sum(r.maintenance for r in tally) == 4 and sum(r.down for r in tally) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/mantenimiento", "Nada en mantenimiento"),
        ("/mantenimiento hachadura-2", "Uso:"),
        ("/mantenimiento nada 2h", "No hay cámara ni sitio «nada»"),
        ("/mantenimiento hachadura dos horas", "no es una duración"),
        ("/mantenimiento hachadura 9d", "no es una duración"),
        ("/mantenimiento hachadura fin", "no estaba en mantenimiento"),
    ],
)
async def test_it_answers_maintenance_mistakes_clearly(bot: BotHarness, text: str, expected: str) -> None:
    reply = await bot.ask("tec.ana", text)
    assert expected in reply.params["text"]


async def test_estado_draws_every_site_and_names_the_cameras_in_trouble(bot: BotHarness) -> None:
    await rounds(bot, 3)
    mark, _ = await bot.send("tec.ana", "/estado")
    sent = await bot.fake.wait_for("sendPhoto", after=mark, timeout=10)
    (data,) = sent.files.values()
    assert data.startswith(b"\x89PNG")
    caption = sent.params["caption"]
    assert "Aduana Frontera La Hachadura" in caption and "Aduana Frontera El Amatillo" in caption
    assert "Hachadura 2: imagen negra" in caption
    assert "Hachadura 1:" not in caption, "healthy cameras are not listed"
    one = await bot.fake.wait_for("sendPhoto", after=(await bot.send("tec.ana", "/estado amatillo"))[0], timeout=10)
    assert "El Amatillo" in one.params["caption"] and "La Hachadura" not in one.params["caption"]
    unknown = await bot.ask("tec.ana", "/estado narnia")
    assert "No hay sitio ni cámara «narnia»" in unknown.params["text"]


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def fits_telegram(data: bytes) -> bool:
    """sendPhoto refuses width + height over 10,000 or a side over 20 times the other; Telegram keeps a
    photo at most 2,560 px on its longer side, so a taller chart would be shrunk past reading."""
    width, height = png_size(data)
    return width + height <= 10_000 and max(width, height) <= 20 * min(width, height) and max(width, height) <= 2560


def test_a_chart_of_many_cameras_comes_in_pictures_telegram_takes_and_keeps_sharp() -> None:
    for count in range(0, 300):
        rows = [StatusRow(f"c-{n}", f"Cámara {n}") for n in range(count)]
        split = pages(rows)
        assert [row for part in split for row in part] == rows
        sizes = [len(part) for part in split]
        assert max(sizes) <= LINES_PER_PICTURE and max(sizes) - min(sizes) <= 1, (count, sizes)
    hours = [datetime(2026, 12, 4, 10) + timedelta(hours=h) for h in range(24)]
    days = [date(2026, 11, 28) + timedelta(days=d) for d in range(7)]
    labels = {k: plain("es", f"salud.chart.{k}") for k in CHART_LABELS}
    rows = [StatusRow(f"c-{n}", f"La Hachadura {n}", hourly=[90.0] * 24, daily=[95.0] * 7) for n in range(67)]
    pictures = render_status(rows, hours, days, labels)  # 67 lines in one picture were 1000 x 9030 px
    assert len(pictures) == 4 and all(fits_telegram(picture) for picture in pictures), [png_size(p) for p in pictures]


async def test_estado_of_a_big_site_sends_several_pictures_and_the_caption_under_the_last(bot: BotHarness) -> None:
    unit = bot.services.unit
    extra = [
        unit.cameras[0].model_copy(update={"code": f"hachadura-{n}", "name": f"Hachadura {n}"}) for n in range(6, 24)
    ]
    bot.services.unit = unit.model_copy(update={"cameras": [*unit.cameras, *extra]})  # 23 cameras at La Hachadura
    mark, _ = await bot.send("tec.ana", "/estado hachadura")
    last = await bot.fake.wait_for("sendPhoto", after=mark, text_contains="La Hachadura", timeout=20)
    photos = [c for c in bot.fake.calls[mark : last.index + 1] if c.method == "sendPhoto"]
    assert len(photos) == 2 and "caption" not in photos[0].params
    assert all(fits_telegram(data) for photo in photos for data in photo.files.values())


async def test_referencia_sets_the_look_from_now_and_refuses_a_black_picture(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/referencia hachadura-1")
    sent = await bot.fake.wait_for("sendPhoto", after=mark, timeout=10)
    assert "Referencia de día" in sent.params["caption"]
    assert ("hachadura-1", "day") in bot.services.health.references
    refused = await bot.ask("tec.ana", "/referencia hachadura-2")
    assert "No la fijé" in refused.params["text"] and "imagen negra" in refused.params["text"]
    assert ("hachadura-2", "day") not in bot.services.health.references
    unknown = await bot.ask("tec.ana", "/referencia narnia")
    assert "No hay cámara «narnia»" in unknown.params["text"]
    usage = await bot.ask("tec.ana", "/referencia")
    assert "Uso:" in usage.params["text"]
    wrong_role = await bot.ask("adm.luis", "/referencia hachadura-1")
    assert "hachadura-1" not in wrong_role.params["text"] and "Referencia" not in wrong_role.params["text"]


async def test_a_fault_not_posted_while_telegram_is_down_is_posted_on_the_next_round(bot: BotHarness) -> None:
    # one 502 holds back both faults of round 3: after a 5xx the outbox keeps the group waiting for the next run
    bot.fake.fail_next("sendPhoto", error_code=502, description="Bad Gateway")
    mark = bot.fake.mark()
    await rounds(bot, 3)
    stored = await faults(bot)
    assert len(stored) == 2 and all(f.message_id is None for f in stored), "stored, though not posted"
    await rounds(bot, 1)
    stored = await faults(bot)
    assert all(f.message_id is not None for f in stored)
    photos = [c for c in posted(bot, mark, "sendPhoto") if c.ok]
    assert len(photos) == 2, "one picture per fault, nothing doubled"


async def test_referencia_of_a_camera_that_gives_no_picture_changes_nothing(
    bot: BotHarness, spare_server: list[RtspServer]
) -> None:
    spare_server[0].process.kill()
    spare_server[0].process.wait(timeout=5)
    reply = await bot.ask("coord.carlos", "/referencia amatillo-1", text_contains="no dio imagen")
    assert "Amatillo 1" in reply.params["text"]
    assert ("amatillo-1", "day") not in bot.services.health.references
