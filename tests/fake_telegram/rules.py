"""Telegram's rules, as pure functions.

Everything here is a decision the Bot API makes about a request without looking at
the state of the world: how form values are decoded, which HTML is acceptable and
what text and entities it yields, how long a text may be, what an inline keyboard
may contain, which bytes are an image. Keeping these rules pure and in one place
makes each of them easy to hold against the Bot API documentation (and against
tdlib's ``MessageEntity.cpp``, which the HTML parser follows).
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": N, "description": ...}``.

    It can be raised anywhere while a request is handled; the HTTP layer turns it into
    the JSON body *and* the HTTP status, because python-telegram-bot picks the exception
    class from the status (400 BadRequest, 403 Forbidden, 401/404 InvalidToken,
    409 Conflict, 429 RetryAfter via ``parameters.retry_after``, anything else NetworkError).
    """

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id  # a group that became a supergroup (PTB: ChatMigrated)

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends with this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        parameters = {"retry_after": self.retry_after, "migrate_to_chat_id": self.migrate_to_chat_id}
        if any(value is not None for value in parameters.values()):
            body["parameters"] = {name: value for name, value in parameters.items() if value is not None}
        return body


def bad_request(detail: str) -> ApiError:
    """A 400, worded like Telegram's: ``Bad Request: <detail>``."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """A 403, worded like Telegram's: ``Forbidden: <detail>``."""
    return ApiError(403, f"Forbidden: {detail}")


def conflict(detail: str) -> ApiError:
    """A 409, worded like Telegram's: ``Conflict: <detail>``."""
    return ApiError(409, f"Conflict: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 with ``parameters.retry_after``, which PTB turns into ``RetryAfter``."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def unauthorized() -> ApiError:
    """What Telegram answers for a token it does not know."""
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    """What Telegram answers for a method it does not have (or a file path it never issued)."""
    return ApiError(404, "Not Found")


def entity_too_large() -> ApiError:
    """What Telegram answers when an uploaded file is over the upload limit."""
    return ApiError(413, "Request Entity Too Large")


# Full descriptions of the errors a bot is most likely to meet, so tests can match them exactly.
MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MESSAGE_TO_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
MESSAGE_TO_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
MESSAGE_TO_REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
MESSAGE_THREAD_NOT_FOUND = "Bad Request: message thread not found"
CHAT_NOT_FOUND = "Bad Request: chat not found"
GROUP_UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"
MESSAGE_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
MESSAGE_TEXT_EMPTY = "Bad Request: message text is empty"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WRONG_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
BOT_BLOCKED = "Forbidden: bot was blocked by the user"
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

# --------------------------------------------------------------------------- parameters

# Parameters whose Bot API type is not String: PTB JSON-encodes them into form fields
# (``chat_id=5``, ``reply_markup={...}``), so they are decoded back. Anything not listed
# stays a string, which is what keeps a text "123" or a callback_query_id "42" intact.
# fmt: off
_JSON_PARAMS = frozenset({
    "allow_paid_broadcast", "allow_sending_without_reply", "allowed_updates", "cache_time",
    "caption_entities", "commands", "disable_content_type_detection", "disable_notification",
    "disable_web_page_preview", "drop_pending_updates", "duration", "entities", "has_spoiler", "height",
    "limit", "link_preview_options", "media", "message_id", "message_ids", "message_thread_id", "offset",
    "protect_content", "reply_markup", "reply_parameters", "reply_to_message_id", "revoke", "scope",
    "show_alert", "show_caption_above_media", "start_timestamp", "supports_streaming", "timeout", "user_id",
    "width",
})
# fmt: on
# "Integer or String" parameters: a number is a chat id, anything else an @username.
_CHAT_ID_PARAMS = frozenset({"chat_id", "from_chat_id"})
_INTEGER = re.compile(r"-?\d+")
_PARSE_FAILURES = {"reply_markup": "can't parse reply keyboard markup JSON object"}


def decode_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Turn the string values of a form (or query string) back into Bot API values.

    Values that already have a JSON type (a JSON body) are kept, except that string
    values of non-string fields are decoded too, because some clients double-encode.
    """
    decoded: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            if name in _CHAT_ID_PARAMS:
                value = int(value) if _INTEGER.fullmatch(value.strip()) else value
            elif name in _JSON_PARAMS:
                value = _decode_json(name, value)
        decoded[name] = value
    return decoded


def _decode_json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        if text.lstrip()[:1] in ("{", "["):
            raise bad_request(_PARSE_FAILURES.get(name, f"can't parse {name} JSON object")) from None
        return text


# --------------------------------------------------------------------------- text


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of every entity offset and length in the Bot API."""
    return len(text.encode("utf-16-le")) // 2


_HTML_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler"}
    | {"code", "pre", "blockquote", "tg-emoji"}
)
_SIMPLE_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_USER_LINK = re.compile(r"tg://user\?id=(\d+)")

UserLookup = Callable[[int], dict[str, Any] | None]


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    utf16_offset: int
    text_position: int  # index into the output pieces, for <a> without href


@dataclass
class _HtmlParser:
    """tdlib's ``parse_html``, transcribed: same accepted syntax, same error messages.

    One deliberate difference: an ``&`` that does not start ``&lt;``, ``&gt;``, ``&amp;``,
    ``&quot;`` or a numeric reference is kept literally by Telegram, but rejected here when
    ``strict_ampersand`` is on, because it almost always means user text was not escaped.
    """

    html: str
    strict_ampersand: bool
    user_lookup: UserLookup | None
    pieces: list[str] = field(default_factory=list)
    utf16_offset: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)
    stack: list[_OpenTag] = field(default_factory=list)

    def error(self, message: str) -> ApiError:
        return bad_request(f"can't parse entities: {message}")

    def byte_offset(self, position: int) -> int:
        return len(self.html[:position].encode())

    def emit(self, text: str) -> None:
        self.pieces.append(text)
        self.utf16_offset += utf16_len(text)

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        html, position = self.html, 0
        while position < len(html):
            char = html[position]
            if char == "&":
                decoded, end = decode_html_character(html, position)
                if decoded is not None:
                    self.emit(decoded)
                    position = end
                    continue
                if self.strict_ampersand:
                    raise self.error(
                        f'unescaped "&" at byte offset {self.byte_offset(position)} (Telegram would keep it '
                        "literally, the fake rejects it because it means the text was not HTML-escaped)"
                    )
            if char != "<":
                self.emit(char)
                position += 1
            elif html.startswith("</", position):
                position = self.end_tag(position)
            else:
                position = self.start_tag(position)
        if self.stack:
            raise self.error(f"Can't find end tag corresponding to start tag {self.stack[-1].name}")
        for entity in self.entities:
            entity.pop("_language", None)
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.pieces), self.entities

    def start_tag(self, begin: int) -> int:
        html, end = self.html, len(self.html)
        position = begin + 1
        while position < end and not html[position].isspace() and html[position] != ">":
            position += 1
        if position >= end:
            raise self.error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = html[begin + 1 : position].lower()
        if name not in _HTML_TAGS:
            raise self.error(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')
        attributes: dict[str, str] = {}
        while True:
            while position < end and html[position].isspace():
                position += 1
            if position >= end:
                raise self.error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if html[position] == ">":
                position += 1
                break
            attribute, value, position = self.attribute(name, begin, position)
            attributes[attribute] = value
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise self.error(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}')
        self.stack.append(_OpenTag(name, attributes, self.utf16_offset, len(self.pieces)))
        return position

    def attribute(self, tag: str, begin: int, position: int) -> tuple[str, str, int]:
        html, end = self.html, len(self.html)
        name_start = position
        while position < end and not html[position].isspace() and html[position] not in "=>":
            position += 1
        name = html[name_start:position].lower()
        if not name:
            raise self.error(f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(begin)}')
        while position < end and html[position].isspace():
            position += 1
        if position >= end or html[position] != "=":
            if tag == "blockquote" and name == "expandable":
                return name, "", position
            raise self.error(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {self.byte_offset(begin)}"
            )
        position += 1
        while position < end and html[position].isspace():
            position += 1
        if position >= end:
            raise self.error(f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(begin)}')
        if html[position] in "'\"":
            quote, value_chars = html[position], []
            position += 1
            while position < end and html[position] != quote:
                decoded, after = decode_html_character(html, position)
                value_chars.append(decoded if decoded is not None else html[position])
                position = after if decoded is not None else position + 1
            position += 1
            value = "".join(value_chars)
        else:
            token_start = position
            while position < end and (html[position].isalnum() or html[position] in ".-"):
                position += 1
            value = html[token_start:position].lower()
            if position < end and not html[position].isspace() and html[position] != ">":
                raise self.error(f"Unexpected end of name token at byte offset {self.byte_offset(token_start)}")
        if position >= end:
            raise self.error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        return name, value, position

    def end_tag(self, begin: int) -> int:
        html, end = self.html, len(self.html)
        if not self.stack:
            raise self.error(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        position = begin + 2
        while position < end and not html[position].isspace() and html[position] != ">":
            position += 1
        name = html[begin + 2 : position].lower()
        while position < end and html[position].isspace():
            position += 1
        if position >= end or html[position] != ">":
            raise self.error(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        opened = self.stack[-1]
        if name and name != opened.name:
            raise self.error(
                f'Unmatched end tag at byte offset {self.byte_offset(begin)}, expected "</{opened.name}>", '
                f'found "</{name}>"'
            )
        length = self.utf16_offset - opened.utf16_offset
        if length > 0:
            self.close(opened, length)
        self.stack.pop()
        return position + 1

    def close(self, opened: _OpenTag, length: int) -> None:
        """Add the entity a closed tag stands for (tdlib's rules, including <pre><code class=...>)."""
        span = {"offset": opened.utf16_offset, "length": length}
        name, last = opened.name, self.entities[-1] if self.entities else None
        same_span = last is not None and last["offset"] == span["offset"] and last["length"] == length
        if name in _SIMPLE_ENTITIES:
            self.entities.append({"type": _SIMPLE_ENTITIES[name], **span})
        elif name == "blockquote":
            kind = "expandable_blockquote" if "expandable" in opened.attributes else "blockquote"
            self.entities.append({"type": kind, **span})
        elif name == "tg-emoji":
            emoji_id = opened.attributes.get("emoji-id", "")
            if not emoji_id.isdigit() or int(emoji_id) == 0:
                raise self.error("Invalid custom emoji identifier specified")
            self.entities.append({"type": "custom_emoji", **span, "custom_emoji_id": emoji_id})
        elif name == "a":
            self.entities.extend(self.link(opened, span))
        elif name == "code":
            language = opened.attributes.get("class", "")
            language = language[len("language-") :] if language.startswith("language-") else ""
            if last is not None and same_span and last["type"] == "pre" and language:
                last["language"] = language
            else:
                self.entities.append({"type": "code", **span, "_language": language})
        elif name == "pre":
            if last is not None and same_span and last["type"] == "code" and last.get("_language"):
                self.entities[-1] = {"type": "pre", **span, "language": last["_language"]}
            else:
                self.entities.append({"type": "pre", **span})

    def link(self, opened: _OpenTag, span: dict[str, int]) -> list[dict[str, Any]]:
        url = opened.attributes.get("href") or "".join(self.pieces[opened.text_position :])
        mention = _USER_LINK.fullmatch(url)
        if mention:
            user = self.user_lookup(int(mention.group(1))) if self.user_lookup else None
            return [{"type": "text_mention", **span, "user": user}] if user else []
        return [{"type": "text_link", **span, "url": url}] if url else []


def decode_html_character(text: str, position: int) -> tuple[str | None, int]:
    """Decode ``&lt;``, ``&gt;``, ``&amp;``, ``&quot;``, ``&#NN;`` or ``&#xNN;`` at ``position``.

    Returns the character and the position after the reference, or ``(None, position)``.
    As in tdlib the closing ``;`` is optional.
    """
    if not text.startswith("&", position):
        return None, position
    end = position + 1
    if text.startswith("#", end):
        end += 1
        hexadecimal = text.startswith("x", end)
        end += hexadecimal
        digits_start = end
        allowed = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        while end < len(text) and text[end] in allowed:
            end += 1
        digits = text[digits_start:end]
        code = int(digits, 16 if hexadecimal else 10) if digits else 0
        if code == 0 or code >= 0x10FFFF or end - position >= 10:
            return None, position
        if 0xD800 <= code <= 0xDFFF:
            raise bad_request(
                "can't parse entities: Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        character = chr(code)
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED_CHARACTERS.get(text[position + 1 : end])
        if named is None:
            return None, position
        character = named
    if text.startswith(";", end):
        end += 1
    return character, end


def parse_html(
    html: str, *, strict_ampersand: bool = True, user_lookup: UserLookup | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into plain text and MessageEntity dicts (UTF-16 offsets).

    Raises ``ApiError`` 400 ``can't parse entities: ...`` exactly where Telegram would.
    """
    return _HtmlParser(html, strict_ampersand, user_lookup).parse()


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading and trailing whitespace from texts and captions; entities follow."""
    stripped = text.strip()
    if not stripped:
        return "", []
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, limit)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


@dataclass(frozen=True)
class TextRules:
    """How a text-like parameter is checked: Telegram's limit and its wording."""

    limit: int
    too_long: str
    empty: str | None  # description when empty, None when empty is allowed (captions)


MESSAGE_TEXT = TextRules(4096, MESSAGE_TOO_LONG, MESSAGE_TEXT_EMPTY)
EDITED_TEXT = TextRules(4096, "Bad Request: MESSAGE_TOO_LONG", MESSAGE_TEXT_EMPTY)
CAPTION = TextRules(1024, CAPTION_TOO_LONG, None)


def format_text(
    text: Any,
    parse_mode: Any,
    entities: Any,
    rules: TextRules,
    *,
    strict_ampersand: bool = True,
    user_lookup: UserLookup | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """Apply parse_mode, trim, and enforce the length rules: returns (text, entities) as stored.

    Markdown and MarkdownV2 are accepted but not parsed (the text is kept as sent); the
    length is then counted on the raw text, which is stricter than Telegram.
    """
    if text is None:
        text = ""
    if not isinstance(text, str):
        text = json.dumps(text)
    mode = parse_mode.lower() if isinstance(parse_mode, str) and parse_mode else None
    if mode == "html":
        plain, found = parse_html(text, strict_ampersand=strict_ampersand, user_lookup=user_lookup)
    elif mode in (None, "markdown", "markdownv2"):
        plain, found = text, list(entities) if isinstance(entities, list) and mode is None else []
    else:
        raise bad_request("unsupported parse_mode")
    plain, found = _trim(plain, found)
    if not plain and rules.empty is not None:
        raise ApiError(400, rules.empty)
    if len(plain) > rules.limit:
        raise ApiError(400, rules.too_long)
    return plain, found


_COMMAND = re.compile(r"(?<![\w/<>])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/<>])")


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entities Telegram finds in a user's text (tdlib's regex)."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: match.start()]), "length": utf16_len(match.group())}
        for match in _COMMAND.finditer(text)
    ]


# --------------------------------------------------------------------------- keyboards

# fmt: off
_BUTTON_ACTIONS = frozenset({
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "callback_game",
    "pay",
})
# fmt: on


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate ``reply_markup``; return what the sent Message carries (inline keyboards only).

    Reply keyboards, ``remove_keyboard`` and ``force_reply`` are accepted but, as in
    Telegram, they are not part of the Message object. Edits accept inline keyboards only.
    """
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" not in markup:
        if inline_only:
            raise bad_request("inline keyboard expected")
        if not any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard button: Field "inline_keyboard" must be of type Array')
    for row in rows:
        for button in row:
            _check_button(button)
    return {"inline_keyboard": rows}


def _check_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not _BUTTON_ACTIONS & button.keys():
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
            raise ApiError(400, BUTTON_DATA_INVALID)
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"(https?|tg)://\S", url):
            raise bad_request("BUTTON_URL_INVALID")


def inline_callback_data(markup: dict[str, Any] | None) -> list[str]:
    """All callback_data values of an inline keyboard, in reading order."""
    rows = (markup or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


# --------------------------------------------------------------------------- commands

_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def check_bot_commands(commands: Any) -> list[dict[str, str]]:
    """Validate setMyCommands' ``commands``: at most 100, names 1-32 of [a-z0-9_], descriptions 1-256."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too much commands")
    checked = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand: BotCommand must be an Object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("command description is empty" if not description else "BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    return checked


# fmt: off
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
# fmt: on

# --------------------------------------------------------------------------- images


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF, BMP, JPEG or WebP image; None if Telegram could not process it.

    Telegram re-encodes every photo, so bytes that are no image fail with IMAGE_PROCESS_FAILED.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return width, abs(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 512, 512  # the size is not needed precisely; WebP headers come in three flavours
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 9 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def check_photo_dimensions(size: tuple[int, int] | None) -> tuple[int, int]:
    """Telegram's photo rules: an image, width + height at most 10000, aspect ratio at most 20."""
    if size is None or min(size) <= 0:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if width + height > 10000 or max(width, height) > 20 * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return size


def png_bytes(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A valid PNG of one colour: the smallest thing Telegram accepts as a photo, for tests."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
