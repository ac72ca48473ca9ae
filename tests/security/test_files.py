"""Files where the bot asks for something else: documents instead of photos, photos instead of text,
files too big to download. Each is answered with what the step needs; nothing is stored or fetched."""

from __future__ import annotations

import pytest

from storage.anomalias import AnomalyDraft
from storage.consignas import Consigna
from tests.fake_telegram import Call, png_bytes
from tests.harness import GROUP_ID, BotHarness
from tests.security.guided import description_question
from tests.security.hostile import refused_calls

PHOTOS_ONLY = "En este paso envíe fotos, o presione «Enviar reporte»."
DOCUMENTS = [
    pytest.param(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "acta.pdf", "application/pdf", id="pdf"
    ),
    pytest.param(png_bytes(64, 48), "foto.png", "image/png", id="image-as-file"),
    pytest.param(b"PK\x03\x04" + bytes(21 * 1024 * 1024), "video.zip", "application/zip", id="21MB-over-getFile"),
]


async def photos_question(bot: BotHarness) -> tuple[Call, Call]:
    """Ana's guided report up to its last step; returns the report's message and the photos question."""
    form, question = await description_question(bot)
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("tec.ana"), bot.group, "Camión sin placas frente al portón", reply_to=question.result)
    return form, await bot.fake.wait_for("sendMessage", after=mark, text_contains="envíe sus fotos")


async def draft_photos(bot: BotHarness) -> str:
    async with bot.services.db.read() as session:
        draft = await session.get(AnomalyDraft, 1)
    assert draft is not None
    return draft.photos


def send_document(bot: BotHarness, data: bytes, filename: str, mime_type: str, reply_to: Call) -> int:
    """A document as the answer to the bot's question in the group (the fake's people API has no
    reply for documents, so the reply is attached the way Telegram attaches it)."""
    mark = bot.fake.mark()
    state = bot.fake.chats[GROUP_ID]
    stored = bot.fake.store_file("document", data, file_name=filename, mime_type=mime_type)
    content = {"document": bot.fake.media_object(stored)}
    bot.fake._user_post(bot.user("tec.ana"), bot.group, content, reply_to=state.messages[reply_to.result["message_id"]])
    return mark


@pytest.mark.parametrize(("data", "filename", "mime_type"), DOCUMENTS)
async def test_it_answers_a_document_sent_where_it_asked_for_photos(
    bot: BotHarness, data: bytes, filename: str, mime_type: str
) -> None:
    _, question = await photos_question(bot)
    mark = send_document(bot, data, filename, mime_type, question)
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text=PHOTOS_ONLY)
    after = await bot.settle()
    assert await draft_photos(bot) == ""
    assert [c.summary() for c in bot.fake.calls[mark:after] if c.method == "getFile"] == []


@pytest.mark.parametrize("data", [b"", png_bytes(64, 48)], ids=["text", "photo-as-photo"])
async def test_it_keeps_photos_only_and_says_so(bot: BotHarness, data: bytes) -> None:
    _, question = await photos_question(bot)
    mark = bot.fake.mark()
    if data:
        bot.fake.send_photo(bot.user("tec.ana"), bot.group, data, reply_to=question.result)
        await bot.fake.wait_for("sendMessage", after=mark, text_contains="Foto agregada (1)")
        assert (await draft_photos(bot)).count(",") == 0 and await draft_photos(bot)
    else:
        bot.fake.send_text(bot.user("tec.ana"), bot.group, "aquí va la foto", reply_to=question.result)
        await bot.fake.wait_for("sendMessage", after=mark, text=PHOTOS_ONLY)
        assert await draft_photos(bot) == ""
    assert refused_calls(bot, mark) == [] and bot.take_errors() == []


async def test_it_asks_for_text_when_a_photo_without_caption_answers_a_description(bot: BotHarness) -> None:
    _, question = await description_question(bot)
    mark = bot.fake.mark()
    bot.fake.send_photo(bot.user("tec.ana"), bot.group, png_bytes(64, 48), reply_to=question.result)
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="Describa la situación")
    async with bot.services.db.read() as session:
        draft = await session.get(AnomalyDraft, 1)
    assert draft is not None and draft.step == "description" and draft.description is None


async def consigna_result_question(bot: BotHarness) -> Call:
    await bot.ask("tec.ana", "/consigna Revisar el audio de la garita", text_contains="#1")
    posted = await bot.fake.wait_for("sendMessage", chat_id=GROUP_ID, text_contains="Revisar el audio")
    mark, _ = await bot.press("tec.ana", posted.result, "cns:done:1")
    return await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="resultado")


async def test_it_asks_for_the_text_when_a_consigna_result_is_a_photo_without_caption(bot: BotHarness) -> None:
    question = await consigna_result_question(bot)
    mark = bot.fake.mark()
    bot.fake.send_photo(bot.user("tec.ana"), bot.group, png_bytes(64, 48), reply_to=question.result)
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="Falta el texto")
    async with bot.services.db.read() as session:
        consigna = await session.get(Consigna, 1)
    assert consigna is not None and consigna.status == "abierta"


@pytest.mark.parametrize(("data", "filename", "mime_type"), DOCUMENTS[:2])
async def test_it_answers_a_document_sent_as_a_consigna_result(
    bot: BotHarness, data: bytes, filename: str, mime_type: str
) -> None:
    question = await consigna_result_question(bot)
    mark = send_document(bot, data, filename, mime_type, question)
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Falta el texto")
