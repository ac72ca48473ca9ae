"""The Bot API over real HTTP: routing, request decoding, one handler per method, and the call log.

``FakeTelegram`` is the ``World`` (state and people API, see ``state.py``) plus an aiohttp
server that python-telegram-bot talks to exactly as it talks to api.telegram.org. Each
Bot API method is a small handler registered with ``@bot_api``; the checks they make come
from ``rules.py``. Every request is recorded as a ``Call`` so tests can wait for what the
bot did (``wait_for``) instead of sleeping.
"""

from __future__ import annotations

import asyncio
import copy
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import BodyPartReader, hdrs, web

from .rules import (
    BOT_BLOCKED,
    CANT_INITIATE,
    CAPTION,
    CHAT_ACTIONS,
    CHAT_NOT_FOUND,
    EDITED_TEXT,
    GROUP_UPGRADED,
    MESSAGE_NOT_MODIFIED,
    MESSAGE_TEXT,
    MESSAGE_THREAD_NOT_FOUND,
    MESSAGE_TO_DELETE_NOT_FOUND,
    MESSAGE_TO_EDIT_NOT_FOUND,
    MESSAGE_TO_REPLY_NOT_FOUND,
    QUERY_TOO_OLD,
    WRONG_FILE_ID,
    ApiError,
    TextRules,
    bad_request,
    check_bot_commands,
    check_photo_dimensions,
    check_reply_markup,
    decode_params,
    entity_too_large,
    forbidden,
    format_text,
    image_size,
    not_found,
    too_many_requests,
    unauthorized,
)
from .state import JSON, Call, ChatState, StoredFile, Upload, World, command_key

DEFAULT_TOKEN = "123456789:TEST-TOKEN-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files
MEDIA_KINDS = ("photo", "document", "video")
PRIVATE_BURST = 5.0
ADMIN_RIGHTS = (  # a ChatMemberAdministrator's rights, all required by PTB but the last five
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
    "can_manage_topics",
    "can_post_messages",
    "can_edit_messages",
    "can_manage_direct_messages",
)
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendMediaGroup"})
# fmt: off
COMMAND_SCOPES = frozenset({
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
    "chat_administrators", "chat_member",
})
# fmt: on


@dataclass
class ApiRequest:
    """The decoded parameters and uploaded parts of one Bot API request."""

    params: JSON
    uploads: dict[str, Upload]

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def require(self, name: str, missing: str | None = None) -> Any:
        """A mandatory parameter; Telegram's own wording for it when it is missing, if given."""
        value = self.params.get(name)
        if value is None or value == "":
            raise bad_request(missing or f'parameter "{name}" is required')
        return value


Handler = Callable[["FakeTelegram", ApiRequest], Awaitable[Any]]
_METHODS: dict[str, tuple[str, Handler]] = {}


def bot_api(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for Bot API methods; lookups are case-insensitive, like Telegram's."""

    def register(handler: Handler) -> Handler:
        for name in names:
            _METHODS[name.lower()] = (name, handler)
        return handler

    return register


class FakeTelegram(World):
    """A strict, in-process Telegram Bot API server for end-to-end tests.

    Point python-telegram-bot at it with ``.base_url(fake.base_url)`` and
    ``.base_file_url(fake.base_file_url)``. Requests that Telegram would refuse are
    refused here with Telegram's status code and wording.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "vigia_test_bot",
        bot_id: int = 123456789,
        upload_limit: int = 50 * 1024 * 1024,
        rate_limits: bool = False,
        strict_ampersand: bool = True,
        callback_query_ttl: float = 15 * 60,
    ) -> None:
        super().__init__(bot_id=bot_id, bot_username=bot_username)
        self.token = token
        self.webhook: dict[str, Any] | None = None  # set by setWebhook
        self.upload_limit = upload_limit
        self.rate_limits = rate_limits
        self.strict_ampersand = strict_ampersand
        self.callback_query_ttl = callback_query_ttl
        self.calls: list[Call] = []
        self.internal_errors: list[Exception] = []
        self._calls_changed = asyncio.Condition()
        self._faults: dict[str, deque[ApiError]] = {}
        self._recent_sends: deque[float] = deque()
        self._recent_group_sends: dict[int, deque[float]] = {}
        self._private_allowance: dict[int, tuple[float, float]] = {}  # chat: (messages it may get now, when)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Serve on 127.0.0.1 at a free port."""
        app = web.Application(client_max_size=max(2 * self.upload_limit, 1 << 20))
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a client that gives up on a long poll frees it at once.
        runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner, self._port = runner, runner.addresses[0][1]

    async def stop(self) -> None:
        """Wake every pending long poll (so teardown is instant) and close the server.

        Raises if a handler of the fake itself crashed during the test, so that a bug
        in the double can never pass for a bug (or a success) of the bot.
        """
        self.updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.internal_errors:
            crashes = len(self.internal_errors)
            raise RuntimeError(f"fake_telegram crashed {crashes} time(s)") from self.internal_errors[0]

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"{self._origin()}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``; PTB appends the token."""
        return f"{self._origin()}/file/bot"

    def _origin(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeTelegram.start() has not been awaited")
        return f"http://127.0.0.1:{self._port}"

    # ------------------------------------------------------------------ what the bot did

    def mark(self) -> int:
        """The number of calls so far: pass it as ``after=`` to look only at what comes next."""
        return len(self.calls)

    async def wait_for(
        self,
        method: str,
        *,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the assertion, not a cancellation knob
        ok: bool | None = True,
        **match: Any,
    ) -> Call:
        """The first call to ``method`` with index >= ``after`` whose params match.

        Each keyword is compared for equality with the decoded parameter (a missing
        parameter equals None) or, if callable, called with it; ``text_contains`` looks
        into text and captions. ``ok=True`` (the default) only matches calls Telegram
        accepted, so a reply that failed never satisfies a test; pass ``ok=False`` to wait
        for a refusal or ``ok=None`` for either. Raises AssertionError with the recent
        calls on timeout.
        """
        wanted = method.lower()

        def first_match() -> Call | None:
            for call in self.calls[after:]:
                if call.method.lower() == wanted and (ok is None or call.ok == ok) and _matches(call, match):
                    return call
            return None

        try:
            async with asyncio.timeout(timeout), self._calls_changed:
                return cast(Call, await self._calls_changed.wait_for(first_match))
        except TimeoutError:
            raise AssertionError(self._report(method, after, ok, match, timeout)) from None

    async def wait_until_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - as in wait_for
        """Return once the bot has a getUpdates parked, i.e. it is idle and listening."""
        try:
            async with asyncio.timeout(timeout):
                await self.updates.wait_until_polling()
        except TimeoutError:
            raise AssertionError(f"no getUpdates was waiting within {timeout}s; is the bot polling?") from None

    def _report(self, method: str, after: int, ok: bool | None, match: JSON, timeout: float) -> str:
        state = {True: "successful ", False: "failed ", None: ""}[ok]
        recent = [
            call for call in self.calls[after:] if not (call.method == "getUpdates" and call.ok and not call.result)
        ][-25:]
        lines = "\n".join(f"  {call.summary()}" for call in recent) or "  (none)"
        return (
            f"no {state}{method} call matching {match or '{}'} (from call #{after}) within {timeout}s.\n"
            f"Calls since #{after}, empty getUpdates omitted:\n{lines}"
        )

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self, method: str, *, error_code: int, description: str, retry_after: int | None = None, times: int = 1
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail with this error, before any other check."""
        queue = self._faults.setdefault(method.lower(), deque())
        queue.extend(ApiError(error_code, description, retry_after=retry_after) for _ in range(times))

    def _raise_injected_fault(self, method: str) -> None:
        queue = self._faults.get(method.lower())
        if queue:
            raise queue.popleft()

    def _check_rate_limits(self, method: str, params: JSON) -> None:
        """Telegram's flood limits: ~30 messages a second overall, 20 a minute into one group, and
        into one private chat "about one a second, short bursts allowed": Telegram gives no figure
        for the burst; 5 here (the bot keeps to 3, bot/telegram_pacing.py).

        Every message of an album counts, as it does for Telegram.
        """
        if not self.rate_limits or method not in SEND_METHODS:
            return
        media = params.get("media")
        weight = len(media) if method == "sendMediaGroup" and isinstance(media, list) else 1
        now = self.clock()
        _forget_before(self._recent_sends, now - 1)
        if len(self._recent_sends) + weight > 30:
            raise too_many_requests(max(1, math.ceil(self._recent_sends[0] + 1 - now)))
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id < 0:
            group = self._recent_group_sends.setdefault(chat_id, deque())
            _forget_before(group, now - 60)
            if len(group) + weight > 20:
                raise too_many_requests(max(1, math.ceil(group[0] + 60 - now)))
            group.extend([now] * weight)
        elif isinstance(chat_id, int):
            allowance, since = self._private_allowance.get(chat_id, (PRIVATE_BURST, now))
            allowance = min(PRIVATE_BURST, allowance + now - since)
            if allowance < weight:
                raise too_many_requests(max(1, math.ceil(weight - allowance)))
            self._private_allowance[chat_id] = (allowance - weight, now)
        self._recent_sends.extend([now] * weight)

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        canonical, handler = _METHODS.get(name.lower(), (name, None))
        call = Call(index=-1, method=canonical, params={}, files={})
        try:
            params, uploads = await self._read_request(request)
            call.params, call.files = params, {part: upload.data for part, upload in uploads.items()}
            if request.match_info["token"] != self.token:
                raise unauthorized()
            if handler is None:
                raise not_found()
            self._raise_injected_fault(canonical)
            self._check_rate_limits(canonical, params)
            call.result = await handler(self, ApiRequest(params, uploads))
        except ApiError as error:
            call.error, call.error_code = error.description, error.error_code
            await self._record(call)
            return web.json_response(error.payload(), status=error.error_code)
        except asyncio.CancelledError:
            call.error = "client went away before the answer"
            self._append(call)
            raise
        except Exception as crash:
            self.internal_errors.append(crash)
            call.error, call.error_code = f"fake_telegram crashed: {crash!r}", 500
            await self._record(call)
            return web.json_response({"ok": False, "error_code": 500, "description": call.error}, status=500)
        await self._record(call)
        return web.json_response({"ok": True, "result": call.result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(unauthorized().payload(), status=401)
        stored = self.files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(not_found().payload(), status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _read_request(self, request: web.Request) -> tuple[JSON, dict[str, Upload]]:
        """Query string, then form, JSON or multipart body, as Telegram accepts all of them."""
        raw: JSON = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.content_type == "multipart/form-data":
            too_large = False
            async for part in await request.multipart():
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is None:
                    raw[part.name] = await part.text()
                    continue
                data, complete = await self._read_upload(part)
                too_large = too_large or not complete
                content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
                uploads[part.name] = Upload(part.filename, content_type, data)
            if too_large:
                raise entity_too_large()
        elif request.content_type == "application/json":
            body = await request.read()
            if body.strip():
                try:
                    decoded = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON object") from None
                if not isinstance(decoded, dict):
                    raise bad_request("can't parse JSON object")
                raw.update(decoded)
        elif request.body_exists:
            raw.update(await request.post())
        return decode_params(raw), uploads

    async def _read_upload(self, part: BodyPartReader) -> tuple[bytes, bool]:
        """Read a file part, keeping at most ``upload_limit`` bytes; False if it was longer."""
        chunks, size = [], 0
        while chunk := await part.read_chunk():
            size += len(chunk)
            if size <= self.upload_limit:
                chunks.append(chunk)
        return b"".join(chunks), size <= self.upload_limit

    def _append(self, call: Call) -> None:
        call.index, call.at = len(self.calls), time.monotonic()
        self.calls.append(call)

    async def _record(self, call: Call) -> None:
        self._append(call)
        async with self._calls_changed:
            self._calls_changed.notify_all()

    # ------------------------------------------------------------------ helpers shared by methods

    def _chat(self, chat_id: Any) -> ChatState:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for state in self.chats.values():
                if str(state.info.get("username", "")).lower() == chat_id[1:].lower():
                    return state
        state = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if state is None:
            raise ApiError(400, CHAT_NOT_FOUND)
        if state.migrated_to is not None:
            raise ApiError(400, GROUP_UPGRADED, migrate_to_chat_id=state.migrated_to)
        return state

    def _check_presence(self, state: ChatState) -> None:
        """Whether the bot may act in a chat at all: started, not blocked, still a member."""
        if state.type == "private":
            if state.blocked:
                raise ApiError(403, BOT_BLOCKED)
            if not state.started:
                raise ApiError(403, CANT_INITIATE)
        elif state.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {state.type} chat")
        elif state.bot_status != "member":
            raise forbidden(f"bot is not a member of the {state.type} chat")

    def _reachable_chat(self, request: ApiRequest) -> ChatState:
        state = self._chat(request.require("chat_id", "chat_id is empty"))
        self._check_presence(state)
        return state

    def _text(self, text: Any, parse_mode: Any, entities: Any, rules: TextRules, key: str) -> JSON:
        """Message fields for a text or caption: ``{key: ..., <entities key>: [...]}``."""
        plain, found = format_text(
            text, parse_mode, entities, rules, strict_ampersand=self.strict_ampersand, user_lookup=self._mentionable
        )
        fields: JSON = {key: plain} if plain else {}
        if found:
            fields["entities" if key == "text" else f"{key}_entities"] = found
        return fields

    def _mentionable(self, user_id: int) -> JSON | None:
        """A known user as a text_mention shows them: without their private language_code."""
        user = self.users.get(user_id)
        return {key: value for key, value in user.items() if key != "language_code"} if user else None

    def _caption(self, source: JSON) -> JSON:
        return self._text(
            source.get("caption"), source.get("parse_mode"), source.get("caption_entities"), CAPTION, "caption"
        )

    def _reply_target(self, request: ApiRequest, state: ChatState) -> JSON | None:
        """The message being replied to (reply_parameters or the older reply_to_message_id)."""
        parameters = request.get("reply_parameters")
        if parameters is not None:
            if not isinstance(parameters, dict) or "message_id" not in parameters:
                raise bad_request("can't parse reply parameters JSON object")
            target = self._chat(parameters["chat_id"]) if "chat_id" in parameters else state
            message_id, allow_missing = parameters["message_id"], parameters.get("allow_sending_without_reply")
        elif request.get("reply_to_message_id") is not None:
            target, message_id = state, request.get("reply_to_message_id")
            allow_missing = request.get("allow_sending_without_reply")
        else:
            return None
        replied = target.messages.get(message_id) if isinstance(message_id, int) else None
        if replied is None and not allow_missing:
            raise ApiError(400, MESSAGE_TO_REPLY_NOT_FOUND)
        return replied

    def _thread_id(self, request: ApiRequest, state: ChatState, reply_to: JSON | None) -> int | None:
        """The forum topic (or reply thread) a message goes to; replies stay in their topic."""
        thread_id = request.get("message_thread_id")
        if thread_id is None:
            if reply_to is not None and reply_to.get("is_topic_message") and reply_to["chat"]["id"] == state.id:
                return int(reply_to["message_thread_id"])
            return None
        known = state.topics if state.is_forum else state.messages
        if not isinstance(thread_id, int) or thread_id not in known:
            raise ApiError(400, MESSAGE_THREAD_NOT_FOUND)
        return thread_id

    def _post(self, request: ApiRequest, state: ChatState, content: JSON) -> JSON:
        """The common tail of every send: keyboard, reply, topic, then the stored message."""
        markup = check_reply_markup(request.get("reply_markup"))
        reply_to = self._reply_target(request, state)
        thread_id = self._thread_id(request, state, reply_to)
        return self.store_bot_message(state, content, thread_id=thread_id, reply_to=reply_to, reply_markup=markup)

    def _input_file(self, request: ApiRequest, kind: str, value: Any) -> StoredFile:
        """Resolve a file parameter: a multipart part, ``attach://name``, a file_id or an HTTP URL."""
        if value is None and kind in request.uploads:
            return self._store_upload(kind, request.uploads[kind])
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {kind} in the request")
        if value.startswith("attach://"):
            upload = request.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f'can\'t find the attached file "{value}"')
            return self._store_upload(kind, upload)
        if value.startswith(("http://", "https://")):
            return self.store_file(kind, b"", url=value, file_name=value.rsplit("/", 1)[-1] or None)
        stored = self.files.get(value)
        if stored is None:
            raise ApiError(400, WRONG_FILE_ID)
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    def _store_upload(self, kind: str, upload: Upload) -> StoredFile:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if kind == "photo":
            return self.store_file("photo", upload.data, image=check_photo_dimensions(image_size(upload.data)))
        return self.store_file(kind, upload.data, file_name=upload.filename, mime_type=upload.content_type)

    def _media_content(self, request: ApiRequest, kind: str, source: JSON, value: Any) -> JSON:
        """Message fields for one media item: the file object, caption, spoiler flag."""
        caption = self._caption(source)
        stored = self._input_file(request, kind, value)
        if kind == "video":
            stored.video_meta.update(
                {key: source[key] for key in ("width", "height", "duration") if isinstance(source.get(key), int)}
            )
        content: JSON = {kind: self.media_object(stored), **caption}
        if source.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return content

    def _own_message(self, request: ApiRequest) -> tuple[ChatState, JSON]:
        """The live bot message an edit targets."""
        if request.get("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not modelled
        state = self._reachable_chat(request)
        message_id = request.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = state.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise ApiError(400, MESSAGE_TO_EDIT_NOT_FOUND)
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return state, message

    def _apply_edit(self, message: JSON, changes: JSON) -> JSON:
        """Telegram refuses edits that change nothing; leaving reply_markup out removes the keyboard."""
        if all(message.get(key) == value for key, value in changes.items()):
            raise ApiError(400, MESSAGE_NOT_MODIFIED)
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = copy.deepcopy(value)
        message["edit_date"] = self.now()
        return copy.deepcopy(message)

    def _scope_key(self, request: ApiRequest) -> tuple[str, str]:
        scope = request.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        normalized: JSON = {"type": scope["type"]}
        if scope["type"].startswith("chat"):
            normalized["chat_id"] = self._chat(scope.get("chat_id")).id
        if scope["type"] == "chat_member":
            if not isinstance(scope.get("user_id"), int):
                raise bad_request("user not found")
            normalized["user_id"] = scope["user_id"]
        language = request.get("language_code") or ""
        if language and not (len(language) == 2 and language.isalpha() and language.islower()):
            raise bad_request("invalid language code specified")
        return command_key(normalized, language)

    # ------------------------------------------------------------------ the Bot API methods

    @bot_api("getMe")
    async def _get_me(self, request: ApiRequest) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @bot_api("logOut", "close")
    async def _log_out(self, request: ApiRequest) -> bool:
        return True

    @bot_api("setWebhook")
    async def _set_webhook(self, request: ApiRequest) -> bool:
        """Remembered for the test to deliver updates there, as Telegram would (with the secret header)."""
        self.webhook = {"url": request.require("url"), "secret_token": request.get("secret_token")}
        return True

    @bot_api("deleteWebhook")
    async def _delete_webhook(self, request: ApiRequest) -> bool:
        if request.get("drop_pending_updates"):
            self.updates.drop_pending()
        return True

    @bot_api("getUpdates")
    async def _get_updates(self, request: ApiRequest) -> list[JSON]:
        offset, limit, timeout = request.get("offset"), request.get("limit", 100), request.get("timeout", 0)
        allowed = request.get("allowed_updates")
        if offset is not None and not isinstance(offset, int):
            raise bad_request("invalid offset specified")
        if not isinstance(limit, int) or not isinstance(timeout, int | float):
            raise bad_request("invalid limit or timeout specified")
        if allowed is not None and not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON object")
        return await self.updates.long_poll(
            offset=offset, limit=min(max(limit, 1), 100), seconds=max(timeout, 0), allowed_updates=allowed
        )

    @bot_api("setMyCommands")
    async def _set_my_commands(self, request: ApiRequest) -> bool:
        commands = check_bot_commands(request.require("commands"))
        key = self._scope_key(request)
        if commands:
            self.bot_commands[key] = commands
        else:
            self.bot_commands.pop(key, None)
        return True

    @bot_api("getMyCommands")
    async def _get_my_commands(self, request: ApiRequest) -> list[JSON]:
        return copy.deepcopy(self.bot_commands.get(self._scope_key(request), []))

    @bot_api("deleteMyCommands")
    async def _delete_my_commands(self, request: ApiRequest) -> bool:
        self.bot_commands.pop(self._scope_key(request), None)
        return True

    @bot_api("sendMessage")
    async def _send_message(self, request: ApiRequest) -> JSON:
        state = self._reachable_chat(request)
        content = self._text(
            request.get("text"), request.get("parse_mode"), request.get("entities"), MESSAGE_TEXT, "text"
        )
        return self._post(request, state, content)

    @bot_api("sendPhoto")
    async def _send_photo(self, request: ApiRequest) -> JSON:
        return self._send_media(request, "photo")

    @bot_api("sendDocument")
    async def _send_document(self, request: ApiRequest) -> JSON:
        return self._send_media(request, "document")

    @bot_api("sendVideo")
    async def _send_video(self, request: ApiRequest) -> JSON:
        return self._send_media(request, "video")

    def _send_media(self, request: ApiRequest, kind: str) -> JSON:
        state = self._reachable_chat(request)
        check_reply_markup(request.get("reply_markup"))
        content = self._media_content(request, kind, request.params, request.get(kind))
        return self._post(request, state, content)

    @bot_api("sendMediaGroup")
    async def _send_media_group(self, request: ApiRequest) -> list[JSON]:
        state = self._reachable_chat(request)
        media = request.require("media")
        if not isinstance(media, list):
            raise bad_request("can't parse media JSON object")
        if len(media) > 10:
            raise bad_request("too much messages to send as an album")
        if len(media) < 2:
            raise bad_request("media group must include 2-10 items")
        if not all(isinstance(item, dict) and item.get("type") in MEDIA_KINDS for item in media):
            raise bad_request("can't parse InputMedia: media type must be photo, video or document")
        kinds = {item["type"] for item in media}
        if "document" in kinds and len(kinds) > 1:
            raise bad_request("documents can't be mixed with other media types")
        for item in media:
            self._caption(item)  # every caption is checked before anything is sent
        reply_to = self._reply_target(request, state)
        thread_id = self._thread_id(request, state, reply_to)
        contents = [self._media_content(request, item["type"], item, item.get("media")) for item in media]
        group_id = str(13_000_000_000_000 + self.next_number())
        return [
            self.store_bot_message(
                state, {**content, "media_group_id": group_id}, thread_id=thread_id, reply_to=reply_to
            )
            for content in contents
        ]

    @bot_api("editMessageText")
    async def _edit_message_text(self, request: ApiRequest) -> JSON:
        _, message = self._own_message(request)
        text = self._text(request.get("text"), request.get("parse_mode"), request.get("entities"), EDITED_TEXT, "text")
        markup = check_reply_markup(request.get("reply_markup"), inline_only=True)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        return self._apply_edit(
            message, {"text": text["text"], "entities": text.get("entities"), "reply_markup": markup}
        )

    @bot_api("editMessageCaption")
    async def _edit_message_caption(self, request: ApiRequest) -> JSON:
        _, message = self._own_message(request)
        caption = self._caption(request.params)
        markup = check_reply_markup(request.get("reply_markup"), inline_only=True)
        if not any(kind in message for kind in (*MEDIA_KINDS, "animation", "audio")):
            raise bad_request("there is no caption in the message to edit")
        changes = {"caption": caption.get("caption"), "caption_entities": caption.get("caption_entities")}
        return self._apply_edit(message, {**changes, "reply_markup": markup})

    @bot_api("editMessageReplyMarkup")
    async def _edit_message_reply_markup(self, request: ApiRequest) -> JSON:
        _, message = self._own_message(request)
        markup = check_reply_markup(request.get("reply_markup"), inline_only=True)
        return self._apply_edit(message, {"reply_markup": markup})

    @bot_api("deleteMessage")
    async def _delete_message(self, request: ApiRequest) -> bool:
        state = self._reachable_chat(request)
        message_id = request.require("message_id", "message identifier is not specified")
        message = state.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise ApiError(400, MESSAGE_TO_DELETE_NOT_FOUND)
        others = message["from"]["id"] != self.bot_id
        if (others and state.is_group and not state.bot_admin) or self.now() - message["date"] > 48 * 3600:
            raise bad_request("message can't be deleted")
        self.delete_message(state.id, message_id)
        return True

    @bot_api("pinChatMessage")
    async def _pin_chat_message(self, request: ApiRequest) -> bool:
        state = self._reachable_chat(request)
        message_id = request.require("message_id", "message identifier is not specified")
        if message_id not in state.messages:
            raise bad_request("message to pin not found")
        if state.is_group and not state.bot_admin:
            raise bad_request("not enough rights to manage pinned messages in the chat")
        if message_id in state.pinned:
            state.pinned.remove(message_id)
        state.pinned.append(message_id)
        return True

    @bot_api("unpinChatMessage")
    async def _unpin_chat_message(self, request: ApiRequest) -> bool:
        state = self._reachable_chat(request)
        if state.is_group and not state.bot_admin:
            raise bad_request("not enough rights to manage pinned messages in the chat")
        message_id = request.get("message_id")
        if message_id is None:
            if state.pinned:
                state.pinned.pop()
        elif message_id not in state.messages:
            raise bad_request("message to unpin not found")
        elif message_id in state.pinned:
            state.pinned.remove(message_id)
        return True

    @bot_api("sendChatAction")
    async def _send_chat_action(self, request: ApiRequest) -> bool:
        state = self._reachable_chat(request)
        if request.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._thread_id(request, state, None)
        return True

    @bot_api("leaveChat")
    async def _leave_chat(self, request: ApiRequest) -> bool:
        state = self._chat(request.require("chat_id", "chat_id is empty"))
        if not state.is_group:
            raise bad_request("chat member status can't be changed in private chats")
        self._check_presence(state)
        self._my_chat_member(state, self.bot_user, "member", "left")
        state.bot_status = "left"
        self._left_chats.add(state.id)
        return True

    @bot_api("getChat")
    async def _get_chat(self, request: ApiRequest) -> JSON:
        state = self._chat(request.require("chat_id", "chat_id is empty"))
        if state.is_group:
            self._check_presence(state)
        info: JSON = {
            **copy.deepcopy(state.info),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if state.pinned:
            info["pinned_message"] = copy.deepcopy(state.messages[state.pinned[-1]])
        return info

    @bot_api("getChatMember")
    async def _get_chat_member(self, request: ApiRequest) -> JSON:
        """The bot itself is an administrator with every right (or a plain member when the group was made
        with ``bot_admin=False``); any other known user a plain member."""
        state = self._reachable_chat(request)
        user_id = request.require("user_id", "user_id is empty")
        if user_id == self.bot_id and state.is_group and state.bot_admin:
            rights = {right: right != "is_anonymous" for right in ADMIN_RIGHTS}
            return {"status": "administrator", "user": copy.deepcopy(self.bot_user), "can_be_edited": False, **rights}
        user = self.bot_user if user_id == self.bot_id else self.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return {"status": "member", "user": copy.deepcopy(user)}

    @bot_api("getFile")
    async def _get_file(self, request: ApiRequest) -> JSON:
        stored = self.files.get(str(request.require("file_id")))
        if stored is None:
            raise ApiError(400, WRONG_FILE_ID)
        if stored.size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    @bot_api("answerCallbackQuery")
    async def _answer_callback_query(self, request: ApiRequest) -> bool:
        query = self.queries.get(str(request.require("callback_query_id")))
        if query is None or query.answered or self.clock() - query.created_at > self.callback_query_ttl:
            raise ApiError(400, QUERY_TOO_OLD)
        text = request.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        return True


def _matches(call: Call, match: JSON) -> bool:
    for key, expected in match.items():
        if key == "text_contains":
            media = call.params.get("media")
            texts = [call.params.get("text"), call.params.get("caption")]
            if isinstance(media, list):
                texts += [item.get("caption") for item in media if isinstance(item, dict)]
            if not any(isinstance(text, str) and expected in text for text in texts):
                return False
            continue
        value = call.params.get(key)
        if callable(expected):
            if key not in call.params or not expected(value):
                return False
        elif value != expected:
            return False
    return True


def _forget_before(times: deque[float], cutoff: float) -> None:
    while times and times[0] <= cutoff:
        times.popleft()
