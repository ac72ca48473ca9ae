"""A strict fake of the Telegram Bot API, served over real HTTP for end-to-end tests.

Typical use::

    async with FakeTelegram() as fake:
        app = (ApplicationBuilder().token(fake.token)
               .base_url(fake.base_url).base_file_url(fake.base_file_url).build())
        ana = fake.user(1001, "Ana")
        chat = fake.private_chat(ana)
        fake.send_text(ana, chat, "/start")
        call = await fake.wait_for("sendMessage", chat_id=1001, text_contains="Hola")

Modules: ``rules`` (what Telegram accepts: decoding, HTML, limits, keyboards, images),
``state`` (users, chats, messages, files, updates, and what people do), ``server``
(the HTTP Bot API, the call log and ``FakeTelegram`` itself).
"""

from .rules import (
    BOT_BLOCKED,
    BUTTON_DATA_INVALID,
    CANT_INITIATE,
    CAPTION_TOO_LONG,
    CHAT_NOT_FOUND,
    GET_UPDATES_CONFLICT,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TEXT_EMPTY,
    MESSAGE_THREAD_NOT_FOUND,
    MESSAGE_TO_DELETE_NOT_FOUND,
    MESSAGE_TO_EDIT_NOT_FOUND,
    MESSAGE_TO_REPLY_NOT_FOUND,
    MESSAGE_TOO_LONG,
    QUERY_TOO_OLD,
    WRONG_FILE_ID,
    ApiError,
    bad_request,
    conflict,
    forbidden,
    inline_callback_data,
    parse_html,
    png_bytes,
    too_many_requests,
)
from .server import DEFAULT_TOKEN, FakeTelegram
from .state import Call

__all__ = [
    "BOT_BLOCKED",
    "BUTTON_DATA_INVALID",
    "CANT_INITIATE",
    "CAPTION_TOO_LONG",
    "CHAT_NOT_FOUND",
    "DEFAULT_TOKEN",
    "GET_UPDATES_CONFLICT",
    "MESSAGE_NOT_MODIFIED",
    "MESSAGE_TEXT_EMPTY",
    "MESSAGE_THREAD_NOT_FOUND",
    "MESSAGE_TOO_LONG",
    "MESSAGE_TO_DELETE_NOT_FOUND",
    "MESSAGE_TO_EDIT_NOT_FOUND",
    "MESSAGE_TO_REPLY_NOT_FOUND",
    "QUERY_TOO_OLD",
    "WRONG_FILE_ID",
    "ApiError",
    "Call",
    "FakeTelegram",
    "bad_request",
    "conflict",
    "forbidden",
    "inline_callback_data",
    "parse_html",
    "png_bytes",
    "too_many_requests",
]
