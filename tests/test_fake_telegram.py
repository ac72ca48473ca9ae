"""Tests of the fake Telegram itself, driven by a real python-telegram-bot stack.

Every test talks to ``FakeTelegram`` over HTTP through PTB's own ``Application`` /
``Bot`` (no mocks), so what passes here is what the project's end-to-end tests can rely
on: updates arrive through real long polling, and requests Telegram would refuse raise
the same PTB exceptions they raise in production. Nothing here sleeps to wait for
something: waits are on conditions with deadlines.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import (
    BUTTON_DATA_INVALID,
    CANT_INITIATE,
    CAPTION_TOO_LONG,
    CHAT_NOT_FOUND,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_THREAD_NOT_FOUND,
    MESSAGE_TO_DELETE_NOT_FOUND,
    MESSAGE_TO_EDIT_NOT_FOUND,
    MESSAGE_TOO_LONG,
    QUERY_TOO_OLD,
    WRONG_FILE_ID,
    FakeTelegram,
    png_bytes,
)

pytestmark = pytest.mark.asyncio

JSON = dict[str, Any]
GROUP_ID = -1001000000001


# --------------------------------------------------------------------------- fixtures and helpers


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as telegram:
        yield telegram


def build_app(fake: FakeTelegram, token: str | None = None) -> Application:
    """An Application wired to the fake exactly as the project wires it to Telegram."""
    return (
        ApplicationBuilder()
        .token(token or fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )


@asynccontextmanager
async def polling(app: Application, *, poll_timeout: int = 30) -> AsyncIterator[Application]:
    """Run ``app`` the way PTB 22 documents for custom event loops, and stop it the same way."""
    async with app:
        await app.updater.start_polling(timeout=poll_timeout)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest_asyncio.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """The ExtBot of an initialized (not polling) Application, for direct Bot API calls."""
    app = build_app(fake)
    async with app:
        yield app.bot


def people(fake: FakeTelegram) -> tuple[JSON, JSON]:
    """Ana, who has started the bot, and her private chat."""
    ana = fake.user(1001, "Ana", username="ana_tec")
    return ana, fake.private_chat(ana)


def refused_with(error: TelegramError, description: str) -> bool:
    """PTB drops the "Bad Request: " prefix and lower-cases the rest; compare the way it does."""
    return description.lower().endswith(error.message.lower())


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"#{item}", callback_data=item) for item in data]])


# --------------------------------------------------------------------------- updates and polling


async def test_a_command_reaches_its_handler_and_the_reply_arrives(fake: FakeTelegram) -> None:
    app = build_app(fake)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("Hola, soy Vigía")

    app.add_handler(CommandHandler("start", start))
    ana, chat = people(fake)
    async with polling(app):
        sent = fake.send_text(ana, chat, "/start")
        call = await fake.wait_for("sendMessage", chat_id=ana["id"], text="Hola, soy Vigía")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert call.result["from"]["id"] == fake.bot_id
    assert isinstance(call.result["date"], int)
    assert [message["text"] for message in fake.sent_to(ana["id"])] == ["Hola, soy Vigía"]


async def test_a_group_command_addressed_to_the_bot_is_answered_as_a_reply(fake: FakeTelegram) -> None:
    app = build_app(fake)

    async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("Todo en orden")

    app.add_handler(CommandHandler("estado", status))
    ana, _ = people(fake)
    group = fake.group(GROUP_ID, "Monitoreo")
    async with polling(app):
        sent = fake.send_text(ana, group, "/estado@vigia_test_bot")
        call = await fake.wait_for("sendMessage", chat_id=GROUP_ID)
    assert call.params["reply_parameters"]["message_id"] == sent["message_id"]
    assert fake.sent_to(GROUP_ID)[0]["reply_to_message"]["message_id"] == sent["message_id"]


async def test_an_update_is_delivered_once_even_across_a_restart(fake: FakeTelegram) -> None:
    ana, chat = people(fake)
    seen: list[str] = []

    def make_app() -> Application:
        app = build_app(fake)

        async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            seen.append(update.effective_message.text)
            await update.effective_message.reply_text(f"visto: {update.effective_message.text}")

        app.add_handler(MessageHandler(filters.TEXT, record))
        return app

    async with polling(make_app()):
        fake.send_text(ana, chat, "uno")
        await fake.wait_for("sendMessage", text="visto: uno")
    restart = fake.mark()
    async with polling(make_app()):
        fake.send_text(ana, chat, "dos")
        await fake.wait_for("sendMessage", after=restart, text="visto: dos")
    # Handlers run in update order, so a redelivered "uno" would show up before "dos".
    assert seen == ["uno", "dos"]
    assert fake.updates.pending == []


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(fake: FakeTelegram) -> None:
    app = build_app(fake)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"eco: {update.effective_message.text}")

    app.add_handler(MessageHandler(filters.TEXT, echo))
    ana, chat = people(fake)
    async with polling(app, poll_timeout=30):
        await fake.wait_until_polling()
        parked = fake.mark()
        fake.send_text(ana, chat, "hola")
        # The poll waits up to 30 s; the reply must come well within 5 s.
        await fake.wait_for("sendMessage", text="eco: hola", timeout=5)
    delivering = next(call for call in fake.calls[parked:] if call.method == "getUpdates" and call.result)
    assert delivering.params["timeout"] == 30


async def test_a_second_get_updates_terminates_the_waiting_one(fake: FakeTelegram) -> None:
    urls = {"base_url": fake.base_url, "base_file_url": fake.base_file_url}
    async with Bot(fake.token, **urls) as first, Bot(fake.token, **urls) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=30))
        await fake.wait_until_polling()
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(waiting, timeout=5)


async def test_get_updates_honours_offset_limit_and_allowed_updates(fake: FakeTelegram, bot: Bot) -> None:
    ana, chat = people(fake)
    for text in ("uno", "dos", "tres"):
        fake.send_text(ana, chat, text)
    batch = await bot.get_updates(limit=2)
    assert [update.message.text for update in batch] == ["uno", "dos"]
    rest = await bot.get_updates(offset=batch[-1].update_id + 1)
    assert [update.message.text for update in rest] == ["tres"]
    # Confirmed updates are gone for good, even when asking from an older offset.
    assert [update.message.text for update in await bot.get_updates(offset=batch[0].update_id)] == ["tres"]

    await bot.get_updates(offset=rest[-1].update_id + 1, allowed_updates=["callback_query"])
    fake.send_text(ana, chat, "no me escuchas")
    question = await bot.send_message(ana["id"], "¿Sí?", reply_markup=keyboard("si"))
    fake.press(ana, question.to_dict(), "si")
    updates = await bot.get_updates(timeout=0)
    assert [(update.message, update.callback_query.data) for update in updates] == [(None, "si")]


async def test_stop_returns_promptly_while_a_long_poll_is_pending() -> None:
    fake = FakeTelegram()
    await fake.start()
    app = build_app(fake)
    async with app:
        await app.updater.start_polling(timeout=30)
        await app.start()
        await fake.wait_until_polling()
        await asyncio.wait_for(fake.stop(), timeout=3)
        await asyncio.wait_for(app.updater.stop(), timeout=5)
        await app.stop()
    woken = [call for call in fake.calls if call.method == "getUpdates"][-1]
    assert woken.ok and woken.result == []


# --------------------------------------------------------------------------- buttons and edits


async def test_pressing_a_button_answers_the_query_and_edits_the_message(fake: FakeTelegram) -> None:
    app = build_app(fake)

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("¿Confirmas el turno?", reply_markup=keyboard("si", "no"))

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Anotado")
        await query.edit_message_text(f"Confirmado: {query.data}")

    app.add_handler(CommandHandler("turno", ask))
    app.add_handler(CallbackQueryHandler(answer))
    ana, chat = people(fake)
    async with polling(app):
        fake.send_text(ana, chat, "/turno")
        question = (await fake.wait_for("sendMessage", chat_id=ana["id"])).result
        with pytest.raises(ValueError, match="no button"):
            fake.press(ana, question, "quizas")
        query = fake.press(ana, question, "si")
        assert query["message"]["message_id"] == question["message_id"] and query["chat_instance"]
        await fake.wait_for("answerCallbackQuery", callback_query_id=query["id"], text="Anotado")
        await fake.wait_for("editMessageText", message_id=question["message_id"])
    edited = fake.message(ana["id"], question["message_id"])
    assert edited is not None and edited["text"] == "Confirmado: si"
    assert "reply_markup" not in edited  # editing without reply_markup removes the keyboard, as in Telegram
    with pytest.raises(ValueError, match="no button"):
        fake.press(ana, question, "no")


async def test_an_edit_that_changes_nothing_is_refused(fake: FakeTelegram, bot: Bot) -> None:
    ana, _ = people(fake)
    sent = await bot.send_message(ana["id"], "Turno abierto", reply_markup=keyboard("cerrar"))
    with pytest.raises(BadRequest) as refused:
        await sent.edit_text("Turno abierto", reply_markup=keyboard("cerrar"))
    assert refused_with(refused.value, MESSAGE_NOT_MODIFIED)
    assert fake.calls[-1].error == MESSAGE_NOT_MODIFIED
    # Dropping the keyboard is a change.
    edited = await sent.edit_text("Turno abierto")
    assert edited.reply_markup is None
    with pytest.raises(BadRequest) as refused:
        await edited.edit_reply_markup(None)
    assert refused_with(refused.value, MESSAGE_NOT_MODIFIED)


async def test_editing_or_deleting_an_unknown_message_is_refused(fake: FakeTelegram, bot: Bot) -> None:
    ana, _ = people(fake)
    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("nuevo", chat_id=ana["id"], message_id=999)
    assert refused_with(refused.value, MESSAGE_TO_EDIT_NOT_FOUND)
    sent = await bot.send_message(ana["id"], "temporal")
    assert await sent.delete() is True
    assert fake.message(ana["id"], sent.message_id) is None and fake.sent_to(ana["id"]) == []
    with pytest.raises(BadRequest) as refused:
        await sent.delete()
    assert refused_with(refused.value, MESSAGE_TO_DELETE_NOT_FOUND)


async def test_callback_queries_are_answered_once_and_expire(fake: FakeTelegram, bot: Bot) -> None:
    ana, _ = people(fake)
    question = (await bot.send_message(ana["id"], "¿Listo?", reply_markup=keyboard("ok"))).to_dict()
    first = fake.press(ana, question, "ok")
    assert await bot.answer_callback_query(first["id"], text="Hecho") is True
    with pytest.raises(BadRequest) as refused:
        await bot.answer_callback_query(first["id"])
    assert refused_with(refused.value, QUERY_TOO_OLD)

    late = fake.press(ana, question, "ok")
    pressed_at = fake.clock()
    fake.clock = lambda: pressed_at + 15 * 60 + 1
    with pytest.raises(BadRequest) as refused:
        await bot.answer_callback_query(late["id"])
    assert refused_with(refused.value, QUERY_TOO_OLD)
    with pytest.raises(BadRequest):
        await bot.answer_callback_query("123456")


async def test_callback_data_over_64_bytes_is_refused(fake: FakeTelegram, bot: Bot) -> None:
    ana, _ = people(fake)
    await bot.send_message(ana["id"], "límite justo", reply_markup=keyboard("x" * 64))
    for data in ("x" * 65, "ñ" * 33):  # 33 characters but 66 bytes
        with pytest.raises(BadRequest) as refused:
            await bot.send_message(ana["id"], "demasiado", reply_markup=keyboard(data))
        assert refused_with(refused.value, BUTTON_DATA_INVALID)
    assert len(fake.sent_to(ana["id"])) == 1


# --------------------------------------------------------------------------- text rules


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        (
            "<b>Falla</b> en <i>cámara 1</i>",
            "Falla en cámara 1",
            [{"type": "bold", "offset": 0, "length": 5}, {"type": "italic", "offset": 9, "length": 8}],
        ),
        ("a &lt; b &amp;&amp; c &gt; d &#33;", "a < b && c > d !", None),
        (
            '<a href="https://example.com/?a=1&amp;b=2">enlace</a>',
            "enlace",
            [{"type": "text_link", "offset": 0, "length": 6, "url": "https://example.com/?a=1&b=2"}],
        ),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [{"type": "pre", "offset": 0, "length": 5, "language": "python"}],
        ),
        (
            "<tg-spoiler>secreto</tg-spoiler> 🎥 <u>ok</u>",
            "secreto 🎥 ok",
            [{"type": "spoiler", "offset": 0, "length": 7}, {"type": "underline", "offset": 11, "length": 2}],
        ),
    ],
)
async def test_valid_html_becomes_text_and_entities(
    fake: FakeTelegram, bot: Bot, html: str, text: str, entities: list[JSON] | None
) -> None:
    ana, _ = people(fake)
    sent = await bot.send_message(ana["id"], html, parse_mode="HTML")
    assert sent.text == text
    assert fake.message(ana["id"], sent.message_id).get("entities") == entities


@pytest.mark.parametrize(
    ("html", "complaint"),
    [
        ("Temperatura < 5 grados", 'unsupported start tag "" at byte offset 12'),
        ("<b>negrita sin cerrar", "can't find end tag corresponding to start tag b"),
        ("<b>x</i>", 'unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<div>bloque</div>", 'unsupported start tag "div"'),
        ('<span class="rojo">x</span>', 'tag "span" must have class "tg-spoiler"'),
        ("Q&A del turno", 'unescaped "&"'),
    ],
)
async def test_invalid_html_is_refused(fake: FakeTelegram, bot: Bot, html: str, complaint: str) -> None:
    ana, _ = people(fake)
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ana["id"], html, parse_mode="HTML")
    assert refused.value.message.lower() == f"can't parse entities: {complaint}".lower() or (
        complaint.lower() in refused.value.message.lower()
    )
    assert fake.sent_to(ana["id"]) == []


async def test_text_and_caption_lengths_are_limited(fake: FakeTelegram, bot: Bot) -> None:
    ana, _ = people(fake)
    await bot.send_message(ana["id"], "x" * 4096)
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ana["id"], "x" * 4097)
    assert refused_with(refused.value, MESSAGE_TOO_LONG)
    # Length counts after entity parsing: tags and escapes do not count.
    await bot.send_message(ana["id"], "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(ana["id"], "&lt;" * 4096, parse_mode="HTML")
    with pytest.raises(BadRequest) as refused:
        await bot.send_photo(ana["id"], png_bytes(), caption="x" * 1025)
    assert refused_with(refused.value, CAPTION_TOO_LONG)
    assert len(fake.sent_to(ana["id"])) == 3


# --------------------------------------------------------------------------- files


async def test_an_uploaded_photo_can_be_fetched_back_with_get_file(fake: FakeTelegram, bot: Bot) -> None:
    ana, chat = people(fake)
    image = png_bytes(640, 480)
    message = await bot.send_photo(ana["id"], photo=image, caption="Captura")
    assert fake.calls[-1].files == {"photo": image}
    largest = message.photo[-1]
    assert (largest.width, largest.height, message.caption) == (640, 480, "Captura")
    file = await bot.get_file(largest.file_id)
    assert bytes(await file.download_as_bytearray()) == image

    again = await bot.send_photo(ana["id"], photo=largest.file_id)
    assert again.photo[-1].file_id == largest.file_id

    from_user = png_bytes(100, 50, (0, 0, 255))
    sent = fake.send_photo(ana, chat, from_user)
    user_file = await bot.get_file(sent["photo"][-1]["file_id"])
    assert bytes(await user_file.download_as_bytearray()) == from_user

    with pytest.raises(BadRequest) as refused:
        await bot.send_photo(ana["id"], photo="AgACunknown")
    assert refused_with(refused.value, WRONG_FILE_ID)
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(ana["id"], photo=b"no soy una imagen")


async def test_documents_and_videos_carry_their_metadata(fake: FakeTelegram, bot: Bot) -> None:
    ana, chat = people(fake)
    report = await bot.send_document(ana["id"], document=b"fecha,camara\n", filename="fallas.csv")
    assert (report.document.file_name, report.document.file_size) == ("fallas.csv", 13)
    clip = await bot.send_video(ana["id"], video=b"\x00\x00\x00\x18ftypmp42", filename="clip.mp4", duration=7)
    video = fake.message(ana["id"], clip.message_id)["video"]
    assert (video["duration"], video["width"], video["height"], video["mime_type"]) == (7, 1280, 720, "video/mp4")
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type document as photo"):
        await bot.send_photo(ana["id"], photo=report.document.file_id)
    received = fake.send_document(ana, chat, b"%PDF-1.4", filename="acta.pdf", mime_type="application/pdf")
    downloaded = await (await bot.get_file(received["document"]["file_id"])).download_as_bytearray()
    assert bytes(downloaded) == b"%PDF-1.4"


async def test_a_media_group_of_two_photos(fake: FakeTelegram, bot: Bot) -> None:
    ana, _ = people(fake)
    first, second = png_bytes(640, 480), png_bytes(800, 600, (0, 128, 0))
    messages = await bot.send_media_group(
        ana["id"], [InputMediaPhoto(first, caption="Cámara 1"), InputMediaPhoto(second)]
    )
    assert len(messages) == 2
    assert messages[0].media_group_id is not None and messages[0].media_group_id == messages[1].media_group_id
    assert messages[0].caption == "Cámara 1"
    call = fake.calls[-1]
    assert all(item["media"].startswith("attach://") for item in call.params["media"]) and len(call.files) == 2
    stored = fake.sent_to(ana["id"])
    assert [fake.file_bytes(message["photo"][-1]["file_id"]) for message in stored] == [first, second]
    for count in (1, 11):
        with pytest.raises(BadRequest):
            await bot.send_media_group(ana["id"], [InputMediaPhoto(first)] * count)
    assert len(fake.sent_to(ana["id"])) == 2


async def test_uploads_over_the_limit_are_refused_with_413() -> None:
    async with FakeTelegram(upload_limit=1024) as fake:
        ana, _ = people(fake)
        async with build_app(fake) as app:
            with pytest.raises(NetworkError, match="Request Entity Too Large") as refused:
                await app.bot.send_document(ana["id"], document=b"x" * 1025, filename="grande.bin")
            assert type(refused.value) is NetworkError
            fitting = await app.bot.send_document(ana["id"], document=b"x" * 1024, filename="justo.bin")
            assert fitting.document.file_size == 1024
        assert fake.calls[-2].error_code == 413


# --------------------------------------------------------------------------- chats, errors, limits


async def test_after_leaving_a_group_sending_there_is_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    ana, _ = people(fake)
    group = fake.group(GROUP_ID, "Antigua")
    assert await bot.leave_chat(GROUP_ID) is True
    assert GROUP_ID in fake.left_chats
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_message(GROUP_ID, "hola")
    fake.add_bot_to_group(ana, group)
    await bot.send_message(GROUP_ID, "de vuelta")
    assert GROUP_ID not in fake.left_chats

    pedro = fake.user(1002, "Pedro")  # known, but never talked to the bot
    with pytest.raises(Forbidden) as refused:
        await bot.send_message(pedro["id"], "hola")
    assert refused_with(refused.value, CANT_INITIATE)
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(424242, "hola")
    assert refused_with(refused.value, CHAT_NOT_FOUND)
    fake.block_bot(ana)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(ana["id"], "hola")


async def test_replies_in_a_forum_topic_stay_in_the_topic(fake: FakeTelegram) -> None:
    app = build_app(fake)

    async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("Falla registrada")

    app.add_handler(CommandHandler("falla", report))
    ana, _ = people(fake)
    forum = fake.group(GROUP_ID, "Unidad", forum=True)
    async with polling(app):
        fake.send_text(ana, forum, "/falla cámara 3", thread_id=12)
        call = await fake.wait_for("sendMessage", chat_id=GROUP_ID)
        with pytest.raises(BadRequest) as refused:
            await app.bot.send_message(GROUP_ID, "¿dónde?", message_thread_id=99)
    assert refused_with(refused.value, MESSAGE_THREAD_NOT_FOUND)
    assert call.params["message_thread_id"] == 12
    assert (call.result["message_thread_id"], call.result["is_topic_message"]) == (12, True)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # raised inside RetryAfter
async def test_fail_next_429_raises_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    ana, _ = people(fake)
    fake.fail_next("sendMessage", error_code=429, description="Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter):
        await bot.send_message(ana["id"], "hola")
    assert (fake.calls[-1].error_code, fake.calls[-1].error) == (429, "Too Many Requests: retry after 7")
    await bot.send_message(ana["id"], "hola")  # only the next call fails
    assert [call.ok for call in fake.calls if call.method == "sendMessage"] == [False, True]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # raised inside RetryAfter
async def test_rate_limits_when_enabled() -> None:
    async with FakeTelegram(rate_limits=True) as fake:
        now = [1_000_000.0]
        fake.clock = lambda: now[0]
        fake.group(GROUP_ID, "Turnos")
        readers = [fake.private_chat(fake.user(2000 + number, f"U{number}")) for number in range(31)]
        async with build_app(fake) as app:
            for number in range(20):  # one a second: under the global limit, at the group's limit
                await app.bot.send_message(GROUP_ID, f"aviso {number}")
                now[0] += 1
            with pytest.raises(RetryAfter):
                await app.bot.send_message(GROUP_ID, "uno de más")
            assert fake.calls[-1].error == "Too Many Requests: retry after 40"
            now[0] += 40
            for reader in readers[:30]:  # 30 in the same second is the global ceiling
                await app.bot.send_message(reader["id"], "hola")
            with pytest.raises(RetryAfter):
                await app.bot.send_message(readers[30]["id"], "hola")
            now[0] += 1
            for number in range(5):  # a second later: a short burst into one private chat
                await app.bot.send_message(readers[0]["id"], f"más {number}")
            with pytest.raises(RetryAfter):
                await app.bot.send_message(readers[0]["id"], "uno de más")
            now[0] += 1
            await app.bot.send_message(readers[0]["id"], "un segundo después")


async def test_commands_are_kept_per_scope_and_language(fake: FakeTelegram, bot: Bot) -> None:
    fake.group(GROUP_ID, "Unidad")
    await bot.set_my_commands([BotCommand("start", "Empezar"), BotCommand("turno", "Ver el turno")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands(
        [BotCommand("falla", "Reportar una falla")], scope=BotCommandScopeAllGroupChats(), language_code="es"
    )
    await bot.set_my_commands([BotCommand("estado", "Estado")], scope=BotCommandScopeChat(GROUP_ID))
    assert fake.commands() == [
        {"command": "start", "description": "Empezar"},
        {"command": "turno", "description": "Ver el turno"},
    ]
    assert fake.commands(language_code="en") == [{"command": "start", "description": "Start"}]
    assert fake.commands({"type": "all_group_chats"}, "es") == [
        {"command": "falla", "description": "Reportar una falla"}
    ]
    assert fake.commands({"type": "all_group_chats"}) == []
    assert fake.commands({"type": "chat", "chat_id": GROUP_ID}) == [{"command": "estado", "description": "Estado"}]
    read_back = await bot.get_my_commands(scope=BotCommandScopeChat(GROUP_ID))
    assert [command.command for command in read_back] == ["estado"]
    await bot.delete_my_commands(language_code="en")
    assert fake.commands(language_code="en") == []
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "mayúsculas no")])


async def test_a_wrong_token_is_rejected_like_telegram_does(fake: FakeTelegram) -> None:
    app = build_app(fake, token="987654321:WRONG-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbb")
    with pytest.raises(InvalidToken):
        await app.initialize()
    await app.bot.shutdown()  # the app never initialized, but its HTTP clients did
    assert (fake.calls[-1].method, fake.calls[-1].error_code, fake.calls[-1].error) == ("getMe", 401, "Unauthorized")


async def test_raw_http_is_decoded_like_telegram_does(fake: FakeTelegram) -> None:
    people(fake)  # Ana (1001) has started the bot
    api = f"{fake.base_url}{fake.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api}/GETME") as response:
            assert response.status == 200 and (await response.json())["result"]["username"] == "vigia_test_bot"
        async with http.post(f"{api}/sendmessage", data={"chat_id": "1001", "text": "123"}) as response:
            assert (await response.json())["result"]["text"] == "123"
        async with http.post(f"{api}/sendMessage", json={"chat_id": 1001, "text": "true"}) as response:
            assert (await response.json())["result"]["text"] == "true"
        async with http.get(f"{api}/sendMessage", params={"chat_id": "1001", "text": "00042"}) as response:
            assert (await response.json())["result"]["text"] == "00042"
        async with http.post(f"{api}/sendSticker", data={"chat_id": "1001"}) as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.post(f"{fake.base_url}123:nope/getMe") as response:
            assert response.status == 401
    assert [call.method for call in fake.calls] == [
        "getMe",
        "sendMessage",
        "sendMessage",
        "sendMessage",
        "sendSticker",
        "getMe",
    ]
    assert fake.calls[1].params == {"chat_id": 1001, "text": "123"}


async def test_wait_for_times_out_with_a_readable_report(fake: FakeTelegram, bot: Bot) -> None:
    ana, _ = people(fake)
    await bot.send_message(ana["id"], "hola")
    with pytest.raises(AssertionError) as timed_out:
        await fake.wait_for("sendMessage", text="adiós", timeout=0.2)
    assert "sendMessage" in str(timed_out.value) and "'hola'" in str(timed_out.value)
    # A refused call is not a reply unless asked for explicitly.
    with pytest.raises(BadRequest):
        await bot.send_message(ana["id"], "<b>", parse_mode="HTML")
    with pytest.raises(AssertionError):
        await fake.wait_for("sendMessage", text="<b>", timeout=0.2)
    refused = await fake.wait_for("sendMessage", text="<b>", ok=False)
    assert refused.error is not None and "can't parse entities" in refused.error
    matched = await fake.wait_for("sendmessage", chat_id=lambda chat_id: chat_id > 1000, text_contains="ol")
    assert matched.result["text"] == "hola"
