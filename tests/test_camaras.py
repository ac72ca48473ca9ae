"""/foto, /mosaico, /clip and /evidencia end to end: the real bot, the fake Bot API, real cameras."""

from __future__ import annotations

import hashlib
import io
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import av
import numpy as np
import pytest
import yaml
from sqlmodel import select
from telegram import Chat, Message

from bot.cameras.capture import decode_image
from bot.cameras.sources import Source
from bot.i18n import CATALOGS
from handlers.commands import reply_photo_in_pieces
from storage.audit import AuditEntry
from storage.evidence import Evidence
from storage.sites import Camera
from tests.cameras_fixtures import CAMERA_PASSWORD, COLOURS, HttpCameras, RtspServer
from tests.conftest import UNIT_YAML
from tests.fake_telegram import Call, png_bytes
from tests.harness import GROUP_ID, BotHarness

CAPTURE = {"open_timeout_s": 1.5, "read_timeout_s": 1.5}  # the hung camera answers within 3.5 s
DEADLINE_S = 3.5
DEAD_SITE = 12  # hung cameras at El Poy: three times the capture threads (4), each held for the 1.5 s open timeout


def camera_unit(rtsp_server: RtspServer, http_cameras: HttpCameras, hung_camera: int) -> str:
    unit = yaml.safe_load(UNIT_YAML)
    unit["sites"] += [
        {"code": "amatillo", "name": "Aduana Frontera El Amatillo", "kind": "frontera_terrestre"},
        {"code": "aerea", "name": "Aduana Aérea", "kind": "aerea"},
        {"code": "elpoy", "name": "Aduana Frontera El Poy", "kind": "frontera_terrestre"},  # its link is down
    ]
    auth = {"username": "u", "password": "${CAM_PASSWORD}"}
    moving, audio, black = (rtsp_server.url(mount) for mount in ("/moving", "/audio", "/black"))
    hevc = rtsp_server.url("/hevc" if "/hevc" in rtsp_server.mounts else "/moving")
    hung = f"rtsp://127.0.0.1:{hung_camera}/Streaming/101"
    red, green, blue = (http_cameras.url(path) for path in ("/digest/red.jpg", "/basic/green.jpg", "/open/blue.jpg"))

    def cam(code: str, name: str, site: str, **source: object) -> dict:
        return {"code": code, "name": name, "site": site, **source}

    unit["cameras"] = [
        cam("hachadura-1", "La Hachadura 1 Carril de entrada", "hachadura", rtsp_url=moving, **auth),
        cam("hachadura-2", "La Hachadura 2 Patio de carga", "hachadura", rtsp_url=audio, has_audio=True, **auth),
        cam("hachadura-3", "La Hachadura 3 Bodega fiscal", "hachadura", rtsp_url=black, **auth),
        cam("amatillo-1", "El Amatillo 1 Puente", "amatillo", snapshot_url=red, **auth),
        cam("amatillo-2", "El Amatillo 2 Bodega", "amatillo", snapshot_url=green, **auth),
        cam("amatillo-3", "El Amatillo 3 Caseta", "amatillo", rtsp_url=hung, **auth),
        cam("aerea-1", "Aduana Aérea 1 Zona de carga", "aerea", snapshot_url=blue),
        cam("aerea-2", "Aduana Aérea 2 Salida de courier", "aerea", rtsp_url=hevc, **auth),
        *(cam(f"elpoy-{n}", f"El Poy {n} Garita", "elpoy", rtsp_url=hung, **auth) for n in range(1, DEAD_SITE + 1)),
    ]
    unit["capture"] = CAPTURE
    return yaml.safe_dump(unit, allow_unicode=True, sort_keys=False)


@pytest.fixture
def unit_file(tmp_path: Path, rtsp_server: RtspServer, http_cameras: HttpCameras, hung_camera: int) -> Path:
    """Overrides conftest's unit file, so the harness's `bot` runs with these cameras."""
    path = tmp_path / "vigia.yaml"
    path.write_text(camera_unit(rtsp_server, http_cameras, hung_camera), encoding="utf-8")
    return path


def picture(call: Call) -> np.ndarray:
    (data,) = call.files.values()
    return decode_image(data)


def jpeg_comment(data: bytes) -> str:
    start = data.index(b"\xff\xfe")
    length = int.from_bytes(data[start + 2 : start + 4], "big")
    return data[start + 4 : start + 2 + length].decode()


def centre(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    return image[height // 3 : 2 * height // 3, width // 3 : 2 * width // 3].reshape(-1, 3).mean(axis=0)


async def evidence_rows(bot: BotHarness) -> list[Evidence]:
    async with bot.services.db.read() as session:
        return list((await session.exec(select(Evidence).order_by(Evidence.id))).all())


async def audit_actions(bot: BotHarness) -> list[str]:
    async with bot.services.db.read() as session:
        return [e.action for e in (await session.exec(select(AuditEntry))).all()]


async def test_foto_sends_a_fresh_frame_with_the_overlay_and_keeps_it(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/foto hachadura 1", "group")
    action = await bot.fake.wait_for("sendChatAction", after=mark, chat_id=GROUP_ID)
    assert action.params["action"] == "upload_photo"
    sent = await bot.fake.wait_for("sendPhoto", after=mark, chat_id=GROUP_ID, timeout=5)
    caption = sent.params["caption"]
    assert "La Hachadura 1 Carril de entrada" in caption and "Aduana Frontera La Hachadura" in caption
    assert "10:00" in caption and "Ana López" in caption and "Evidencia #1" in caption  # 16:00 UTC is 10:00 local
    (data,) = sent.files.values()
    image = decode_image(data)
    assert image.shape == (1080, 1920, 3)
    assert (image[:90] > 200).sum() > 500, "burnt-in text on the top band"
    assert "camera=hachadura-1" in jpeg_comment(data) and "requester=tec.ana" in jpeg_comment(data)
    (row,) = await evidence_rows(bot)
    stored = bot.services.settings.data_dir / row.path
    assert row.kind == "photo" and row.sha256 == hashlib.sha256(data).hexdigest()
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == row.sha256 and stored.name == f"{row.sha256}.jpg"
    assert row.size_bytes == len(data) and row.requester_id is not None and row.case_ref is None
    assert "camaras.photo" in await audit_actions(bot)


@pytest.mark.parametrize(
    ("typed", "colour", "shape"),
    [
        ("amatillo 1", "red", (360, 640, 3)),  # HTTP, digest auth
        ("bodega 2", "green", (360, 640, 3)),  # HTTP, basic auth: "El Amatillo 2 Bodega"
        ("aérea 1", "blue", (360, 640, 3)),  # HTTP, no auth
        ("bodega fiscal", "black", (360, 640, 3)),  # RTSP black stream
    ],
)
async def test_each_name_gives_that_cameras_picture(bot: BotHarness, typed: str, colour: str, shape: tuple) -> None:
    mark, _ = await bot.send("tec.ana", f"/foto {typed}", "group")
    image = picture(await bot.fake.wait_for("sendPhoto", after=mark, timeout=5))
    assert image.shape == shape
    expected = (0, 0, 0) if colour == "black" else COLOURS[colour]
    assert np.allclose(centre(image), expected, atol=12), centre(image)
    assert (image[:40] > 200).any(), "the overlay is there"


async def test_frames_are_fresh_not_buffered(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/foto hachadura 1", "group")
    first = picture(await bot.fake.wait_for("sendPhoto", after=mark, timeout=5))
    cameras = bot.services.cameras
    cameras.options = cameras.options.model_copy(update={"share_window_s": 0})  # as if the window had passed
    mark, _ = await bot.send("tec.ana", "/foto hachadura 1", "group")
    second = picture(await bot.fake.wait_for("sendPhoto", after=mark, timeout=5))
    assert np.abs(first[100:].astype(int) - second[100:].astype(int)).sum() > 0, "the ball moved"


async def test_two_requests_at_once_share_one_capture(bot: BotHarness, http_cameras: HttpCameras) -> None:
    before = http_cameras.served.get("/digest/red.jpg", 0)
    mark, _ = await bot.send("tec.ana", "/foto amatillo 1", "group")
    await bot.send("coord.carlos", "/foto puente", "group")
    await bot.fake.wait_for("sendPhoto", after=mark, text_contains="Ana López", timeout=5)
    await bot.fake.wait_for("sendPhoto", after=mark, text_contains="Carlos Rivas", timeout=5)
    assert http_cameras.served["/digest/red.jpg"] == before + 1
    assert len(await evidence_rows(bot)) == 2  # one evidence per picture sent: the overlays differ


async def test_a_hung_camera_answers_in_bounded_time_and_delays_nobody(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, hung_camera: int
) -> None:
    caplog.set_level(logging.DEBUG)
    mark, _ = await bot.send("tec.ana", "/foto caseta", "group")
    await bot.send("coord.carlos", "/foto hachadura 1", "group")
    photo = await bot.fake.wait_for("sendPhoto", after=mark, text_contains="Carlos Rivas", timeout=5)
    failure = await bot.fake.wait_for("sendMessage", after=mark, text_contains="Caseta", timeout=DEADLINE_S + 2)
    assert photo.index < failure.index, "the working camera did not wait behind the hung one"
    text = failure.params["text"]
    assert "sin señal, no respondió en 3.5 s" in text
    assert f"rtsp://127.0.0.1:{hung_camera}/Streaming/101" in text and "No hay imágenes anteriores" in text
    everything = json.dumps([c.params for c in bot.fake.calls], ensure_ascii=False) + caplog.text
    assert CAMERA_PASSWORD not in everything and "u:" + CAMERA_PASSWORD not in everything


async def test_a_failure_says_when_the_camera_last_worked(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/foto amatillo 1", "group")
    await bot.fake.wait_for("sendPhoto", after=mark, timeout=5)
    off = Source("amatillo-1", "El Amatillo 1 Puente", "amatillo", rtsp_url="rtsp://127.0.0.1:9/apagada")
    bot.services.cameras.sources["amatillo-1"] = off  # the camera is switched off at the site
    cameras = bot.services.cameras
    cameras.options = cameras.options.model_copy(update={"share_window_s": 0})  # as if the window had passed
    mark, _ = await bot.send("tec.ana", "/foto amatillo 1", "group")
    failure = await bot.fake.wait_for("sendMessage", after=mark, text_contains="Puente", timeout=5)
    assert "rechazó la conexión" in failure.params["text"]
    assert "Última imagen correcta: 04/12/2026 10:00" in failure.params["text"]


async def test_several_matches_offer_buttons_checked_on_press(bot: BotHarness) -> None:
    offer = await bot.ask("tec.ana", "/foto bodega", "group")
    assert "Varias cámaras coinciden" in offer.params["text"]
    buttons = [b["callback_data"] for row in offer.params["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == 2 and all(b.startswith("foto:cam:") for b in buttons)
    async with bot.services.db.read() as session:
        bodega = (await session.exec(select(Camera).where(Camera.code == "amatillo-2"))).one()
    mark, _ = await bot.press("coord.carlos", offer.result, f"foto:cam:{bodega.id}")
    sent = await bot.fake.wait_for("sendPhoto", after=mark, timeout=5)
    assert "El Amatillo 2 Bodega" in sent.params["caption"] and "Carlos Rivas" in sent.params["caption"]
    async with bot.services.db.write() as session:  # the camera is taken out of service meanwhile
        bodega.active = False
        session.add(bodega)
    mark, _ = await bot.press("tec.ana", offer.result, f"foto:cam:{bodega.id}")
    answer = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "ya no existe" in answer.params["text"] and answer.params["show_alert"]


async def test_no_argument_walks_site_then_camera(bot: BotHarness) -> None:
    sites = await bot.ask("tec.kevin", "/foto", "group")
    assert sites.params["text"] == "Which site?"
    rows = sites.params["reply_markup"]["inline_keyboard"]
    aerea = next(b["callback_data"] for row in rows for b in row if b["text"] == "Aduana Aérea")
    mark, _ = await bot.press("tec.kevin", sites.result, aerea)
    edited = await bot.fake.wait_for("editMessageText", after=mark)
    cameras = [b for row in edited.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in cameras] == [
        "Aduana Aérea 1 Zona de carga",
        "Aduana Aérea 2 Salida de courier",
        "🧩 Site mosaic",
    ]
    mark, _ = await bot.press("tec.kevin", edited.result, cameras[0]["callback_data"])
    sent = await bot.fake.wait_for("sendPhoto", after=mark, timeout=5)
    assert "requested by Kevin Portillo" in sent.params["caption"] and "Evidence #" in sent.params["caption"]


async def test_a_typo_suggests_the_closest_camera(bot: BotHarness) -> None:
    offer = await bot.ask("tec.ana", "/foto amatilo 2", "group")
    assert "No encontré ninguna cámara" in offer.params["text"] and "¿Quiso decir" in offer.params["text"]
    names = [b["text"] for row in offer.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "El Amatillo 2 Bodega" in names
    nothing = await bot.ask("tec.ana", "/foto zzzz", "group")
    assert "reply_markup" not in nothing.params and "/foto sin nada más" in nothing.params["text"]


async def test_only_unit_staff_may_ask_and_press(bot: BotHarness) -> None:
    refusal = await bot.ask("adm.luis", "/foto hachadura 1")
    assert "/foto es para" in refusal.params["text"]


async def test_mosaico_labels_a_dead_camera_instead_of_failing(bot: BotHarness) -> None:
    mark, _ = await bot.send("jefe.marta", "/mosaico amatillo", "group")
    sent = await bot.fake.wait_for("sendPhoto", after=mark, timeout=DEADLINE_S + 3)
    caption = sent.params["caption"]
    assert "Aduana Frontera El Amatillo</b>: 2 de 3 cámaras con señal" in caption
    assert "Sin señal: El Amatillo 3 Caseta" in caption
    image = picture(sent)
    assert image.shape == (90 + 2 * 360 + 3 * 4, 2 * 640 + 3 * 4, 3)
    tiles = [
        image[94 + r * 364 : 94 + r * 364 + 300, 4 + c * 644 : 4 + c * 644 + 640] for r, c in ((0, 0), (0, 1), (1, 0))
    ]
    assert np.allclose(centre(tiles[0]), COLOURS["red"], atol=12)
    assert np.allclose(centre(tiles[1]), COLOURS["green"], atol=12)
    assert centre(tiles[2]).max() < 80, "the dead camera's tile is dark grey"
    (row,) = await evidence_rows(bot)
    assert row.kind == "mosaic" and row.site_id is not None and row.camera_id is None


async def test_a_mosaic_of_a_dead_site_leaves_threads_for_other_peoples_fotos(bot: BotHarness) -> None:
    """Twelve cameras that hang would fill every capture thread three times over, and a /foto asked
    meanwhile would wait behind them past its deadline: a mosaic may take only part of the pool."""
    mark, _ = await bot.send("jefe.marta", "/mosaico el poy", "group")
    await bot.fake.wait_for("sendChatAction", after=mark, action="upload_photo")  # the mosaic's grabs are under way
    await bot.send("tec.ana", "/foto hachadura 1", "group")
    photo = await bot.fake.wait_for("sendPhoto", after=mark, text_contains="Ana López", timeout=DEADLINE_S + 2)
    mosaic = await bot.fake.wait_for("sendPhoto", after=mark, text_contains="El Poy", timeout=DEADLINE_S + 3)
    assert photo.index < mosaic.index, "the healthy camera did not wait behind the dead site"
    assert f"0 de {DEAD_SITE} cámaras con señal" in mosaic.params["caption"]


async def test_clip_with_audio_plays_inline_and_is_kept(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/clip patio 2s", "group")
    notice = await bot.fake.wait_for("sendMessage", after=mark, text_contains="grabando 2 s")
    await bot.fake.wait_for("sendChatAction", after=mark, action="record_video")
    sent = await bot.fake.wait_for("sendVideo", after=mark, timeout=15)
    assert sent.params["supports_streaming"] is True and sent.params["duration"] == 2
    assert "La Hachadura 2 Patio de carga" in sent.params["caption"] and "2 s desde" in sent.params["caption"]
    (data,) = sent.files.values()
    with av.open(io.BytesIO(data)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.duration / 1_000_000 == pytest.approx(2, abs=0.3)
    (row,) = await evidence_rows(bot)
    assert row.kind == "clip" and row.sha256 == hashlib.sha256(data).hexdigest() and row.duration_s
    assert (bot.services.settings.data_dir / row.path).read_bytes() == data
    await bot.fake.wait_for("deleteMessage", after=mark, message_id=notice.result["message_id"])
    assert not list((bot.services.settings.data_dir / "evidence" / "tmp").iterdir()), "no scratch files left"


async def test_a_clip_over_the_upload_limit_is_reencoded_and_the_user_told(bot: BotHarness) -> None:
    capture = bot.services.unit.capture.model_copy(update={"upload_limit_mb": 0.25})
    bot.services.unit = bot.services.unit.model_copy(update={"capture": capture})
    mark, _ = await bot.send("tec.ana", "/clip hachadura 2 3", "group")
    sent = await bot.fake.wait_for("sendVideo", after=mark, timeout=20)
    (data,) = sent.files.values()
    assert len(data) <= 0.25 * 1024 * 1024
    assert "para no pasar el límite de 0.25 MB de Telegram" in sent.params["caption"]


async def test_clip_needs_a_video_stream_and_sane_seconds(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/clip amatillo 1 5", "group")
    failure = await bot.fake.wait_for("sendMessage", after=mark, text_contains="no tiene video RTSP", timeout=5)
    assert "http://127.0.0.1:" in failure.params["text"]
    usage = await bot.ask("tec.ana", "/clip amatillo 1 0s", "group")
    assert "Uso: <code>/clip" in usage.params["text"]


async def test_evidencia_resends_the_exact_file_with_its_hash(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/foto aerea 1", "group")
    photo = await bot.fake.wait_for("sendPhoto", after=mark, timeout=5)
    (original,) = photo.files.values()
    (row,) = await evidence_rows(bot)
    mark, _ = await bot.send("jefe.marta", f"/evidencia {row.id}")
    sent = await bot.fake.wait_for("sendDocument", after=mark, timeout=5)
    (resent,) = sent.files.values()
    assert resent == original
    assert f"SHA-256: <code>{row.sha256}</code>" in sent.params["caption"] and "Ana López" in sent.params["caption"]
    assert "camaras.evidencia" in await audit_actions(bot)
    (bot.services.settings.data_dir / row.path).write_bytes(original[:-10] + b"tampered!!")
    altered = await bot.ask("jefe.marta", f"/evidencia {row.id}")
    assert "fue alterado" in altered.params["text"]
    assert "No existe la evidencia #99" in (await bot.ask("jefe.marta", "/evidencia 99")).params["text"]
    huge = await bot.ask("jefe.marta", "/evidencia 99999999999999999999")  # past SQLite's integers
    assert "No existe la evidencia #99999999999999999999" in huge.params["text"]
    assert "Uso:" in (await bot.ask("jefe.marta", "/evidencia ²")).params["text"]  # a digit, not a number
    assert "Uso:" in (await bot.ask("jefe.marta", "/evidencia")).params["text"]


def test_the_catalogue_speaks_both_languages_with_the_same_placeholders() -> None:
    from string import Formatter

    from bot.catalog import camaras

    assert camaras.ES.keys() == camaras.EN.keys()
    for key, text in camaras.ES.items():
        fields = {name for _, name, _, _ in Formatter().parse(text) if name}
        assert fields == {name for _, name, _, _ in Formatter().parse(camaras.EN[key]) if name}, key
        assert CATALOGS["es"][key] == text


async def test_a_caption_too_long_for_a_photo_follows_it_as_text(bot: BotHarness) -> None:
    """A big site with most cameras dark: the mosaic's "Sin señal" list outgrows a caption (1,024
    characters). The photo keeps the first line, the rest follows as text, whole."""
    chat = bot.private("tec.ana")
    message = Message(1, datetime.now(UTC), Chat(chat["id"], chat["type"]))
    message.set_bot(bot.app.bot)
    dark = "Sin señal: " + ", ".join(f"Aduana Aérea Cámara {n} Plataforma" for n in range(40))
    mark = bot.fake.mark()
    await reply_photo_in_pieces(message, png_bytes(), f"Aduana Aérea: 2 de 42 cámaras con señal\n{dark}", "aerea.jpg")
    photo = await bot.fake.wait_for("sendPhoto", after=mark, chat_id=chat["id"])
    assert photo.params["caption"] == "Aduana Aérea: 2 de 42 cámaras con señal"
    text = await bot.fake.wait_for("sendMessage", after=photo.index, chat_id=chat["id"])
    assert text.params["text"] == dark
