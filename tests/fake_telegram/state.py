"""What exists inside the fake Telegram, and what people do there.

``World`` holds users, chats, messages, files, callback queries, bot commands and the
update queue. Its public methods are the test-facing "people" API (a user sends a
text, presses a button, adds the bot to a group) and the read-back API (what did the
bot post, which commands did it set). The Bot API methods in ``server.py`` act on the
same state, so both sides always see one consistent Telegram.

Every dict handed out (to tests or over HTTP) is a deep copy, because a message that
is edited later must not change an update or a result that was already produced.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .rules import (
    GET_UPDATES_CONFLICT,
    ApiError,
    check_photo_dimensions,
    command_entities,
    image_size,
    inline_callback_data,
)

JSON = dict[str, Any]

# fmt: off
ALL_UPDATE_TYPES = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
    "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
    "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_member",
    "chat_join_request", "chat_boost", "removed_chat_boost",
})
# fmt: on
# What Telegram delivers when a bot never asked for anything specific.
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}


@dataclass
class Call:
    """One Bot API request the bot made, as the fake understood and answered it."""

    index: int
    method: str  # canonical camelCase for known methods, as sent otherwise
    params: JSON  # decoded parameters
    files: dict[str, bytes]  # uploaded multipart parts by name
    result: Any = None
    error: str | None = None  # the error description, None on success
    error_code: int | None = None
    at: float = 0.0  # time.monotonic() when the fake answered, for benchmarks

    @property
    def ok(self) -> bool:
        """Whether Telegram answered ``ok: true``."""
        return self.error is None

    def summary(self) -> str:
        """One readable line, for assertion messages."""
        shown = {key: value for key, value in self.params.items() if key not in ("reply_markup", "media")}
        args = " ".join(f"{key}={_short(value)}" for key, value in shown.items())
        outcome = "ok" if self.ok else f"-> {self.error_code or ''} {self.error}".replace("->  ", "-> ")
        files = f" files={sorted(self.files)}" if self.files else ""
        return f"#{self.index} {self.method} {args}{files} {outcome}".replace("  ", " ")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Upload:
    """A multipart file part as received."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    """A file Telegram keeps: everything the bot uploads and everything users send."""

    file_id: str
    file_unique_id: str
    kind: str  # photo, document, video, ...
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None  # set when the bot "sent" an HTTP URL instead of bytes
    photo_sizes: list[JSON] | None = None  # for photos: the PhotoSize array this file belongs to
    video_meta: JSON = field(default_factory=dict)  # width, height, duration

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class ChatState:
    """A chat as Telegram sees it, including the bot's standing in it."""

    info: JSON  # the Bot API Chat object
    bot_status: str = "member"  # member | left | kicked (groups)
    started: bool = False  # private chats: the user has talked to the bot
    blocked: bool = False  # private chats: the user blocked the bot
    bot_admin: bool = True
    messages: dict[int, JSON] = field(default_factory=dict)  # live messages by id
    deleted: set[int] = field(default_factory=set)
    topics: set[int] = field(default_factory=set)
    pinned: list[int] = field(default_factory=list)
    next_message_id: int = 1
    migrated_to: int | None = None  # a group turned supergroup: its new id, and the old one refuses calls

    @property
    def id(self) -> int:
        return int(self.info["id"])

    @property
    def type(self) -> str:
        return str(self.info["type"])

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    @property
    def is_forum(self) -> bool:
        return bool(self.info.get("is_forum"))


@dataclass
class CallbackQueryState:
    """A button press waiting for answerCallbackQuery."""

    query: JSON
    created_at: float
    answered: bool = False


@dataclass
class _Poll:
    terminated: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)


class UpdateQueue:
    """Telegram's per-bot update queue, with getUpdates' long-poll semantics.

    Updates stay until confirmed by an ``offset`` above their id; only one getUpdates
    may wait at a time (a newer one terminates the older with 409, as Telegram does);
    ``allowed_updates`` is remembered and filters updates when they are created.
    """

    def __init__(self) -> None:
        self._pending: list[JSON] = []
        self._next_id = 10_001
        self.allowed: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._poll: _Poll | None = None
        self._waiting = asyncio.Event()  # set while a long poll is parked
        self._taken = asyncio.Condition()  # notified when the bot confirms what it took
        self.closed = False

    def push(self, kind: str, payload: JSON) -> JSON | None:
        """Create an update (unless filtered out) and wake the waiting long poll."""
        if kind not in self.allowed:
            return None
        update = {"update_id": self._next_id, kind: copy.deepcopy(payload)}
        self._next_id += 1
        self._pending.append(update)
        if self._poll is not None:
            self._poll.wake.set()
        return update

    @property
    def pending(self) -> list[JSON]:
        """Updates not yet confirmed (copies)."""
        return copy.deepcopy(self._pending)

    def drop_pending(self) -> None:
        self._pending.clear()

    def confirm(self, offset: int | None) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last -offset."""
        if offset is None:
            return
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [update for update in self._pending if update["update_id"] >= offset]

    async def long_poll(
        self, *, offset: int | None, limit: int, seconds: float, allowed_updates: list[str] | None
    ) -> list[JSON]:
        """getUpdates: return at once if something is pending, else wait up to ``seconds``."""
        if allowed_updates is not None:
            self.allowed = frozenset(allowed_updates) or DEFAULT_UPDATE_TYPES
        if self._poll is not None:
            self._poll.terminated = True
            self._poll.wake.set()
        poll = self._poll = _Poll()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        try:
            self.confirm(offset)
            async with self._taken:
                self._taken.notify_all()
            while True:
                if poll.terminated:
                    raise ApiError(409, GET_UPDATES_CONFLICT)
                if self._pending or self.closed:
                    return copy.deepcopy(self._pending[:limit])
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                poll.wake.clear()
                self._waiting.set()
                try:
                    async with asyncio.timeout(remaining):
                        await poll.wake.wait()
                except TimeoutError:
                    return []
                finally:
                    if self._poll is poll:  # a newer poll that replaced this one is parked already
                        self._waiting.clear()
        finally:
            if self._poll is poll:
                self._poll = None

    async def wait_taken(self) -> None:
        """Return once the bot has confirmed every update so far: it holds them all (callers bound
        the wait)."""
        async with self._taken:
            await self._taken.wait_for(lambda: not self._pending)

    async def wait_until_polling(self) -> None:
        """Return once a getUpdates is parked waiting for updates (callers bound the wait)."""
        await self._waiting.wait()

    def close(self) -> None:
        """Make every waiting and future long poll return at once."""
        self.closed = True
        if self._poll is not None:
            self._poll.wake.set()


class World:
    """The state of the fake Telegram plus the people-side API used by tests."""

    def __init__(self, *, bot_id: int, bot_username: str, bot_first_name: str = "Vigía") -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_user: JSON = {"id": bot_id, "is_bot": True, "first_name": bot_first_name, "username": bot_username}
        self.clock: Callable[[], float] = time.time  # override to move fake time (callback query expiry, rates)
        self.users: dict[int, JSON] = {}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.queries: dict[str, CallbackQueryState] = {}
        self.bot_commands: dict[tuple[str, str], list[JSON]] = {}
        self.updates = UpdateQueue()
        self._left_chats: set[int] = set()
        self._counter = 0

    # ------------------------------------------------------------------ ids and time

    def next_number(self) -> int:
        """A fresh integer for ids that only need to be unique."""
        self._counter += 1
        return self._counter

    def now(self) -> int:
        """Current fake time as Telegram dates it: whole seconds."""
        return int(self.clock())

    # ------------------------------------------------------------------ people and chats

    def user(
        self, user_id: int, first_name: str, *, username: str | None = None, language_code: str | None = "es"
    ) -> JSON:
        """Register a person. They get a private chat with the bot that is not started yet."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self.users[user_id] = user
        if user_id not in self.chats:
            info: JSON = {"id": user_id, "type": "private", "first_name": first_name}
            if username:
                info["username"] = username
            self.chats[user_id] = ChatState(info=info)
        return copy.deepcopy(user)

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        forum: bool = False,
        supergroup: bool = True,
        username: str | None = None,
        member: bool = True,
        bot_admin: bool = True,
    ) -> JSON:
        """Register a group. By default the bot is already an administrator in it.

        ``member=False`` registers a group the bot is not in yet (see ``add_bot_to_group``);
        ``bot_admin=False`` makes pinning and deleting other people's messages fail.
        """
        if chat_id >= 0:
            raise ValueError("group chat ids are negative (supergroups look like -100xxxxxxxxxx)")
        if forum and not supergroup:
            raise ValueError("only supergroups can be forums")
        info: JSON = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
        if forum:
            info["is_forum"] = True
        if username:
            info["username"] = username
        self.chats[chat_id] = ChatState(info=info, bot_status="member" if member else "left", bot_admin=bot_admin)
        return copy.deepcopy(info)

    def migrate_group(self, user: JSON, chat: JSON, new_id: int) -> JSON:
        """`user` turns the group into a supergroup (turning on topics does it): Telegram gives it
        `new_id`, says so in both chats (``migrate_to_chat_id``, ``migrate_from_chat_id``), and answers
        every call naming the old id with ChatMigrated from then on. Returns the new chat."""
        old = self._chat_state(chat)
        info: JSON = {**copy.deepcopy(old.info), "id": new_id, "type": "supergroup"}
        new = ChatState(info=info, bot_status=old.bot_status, bot_admin=old.bot_admin, topics=set(old.topics))
        self.chats[new_id] = new
        sender = self._registered(user)
        self._deliver(old, "message", self._new_message(old, sender, {"migrate_to_chat_id": new_id}))
        old.migrated_to = new_id
        self._deliver(new, "message", self._new_message(new, sender, {"migrate_from_chat_id": old.id}))
        return copy.deepcopy(info)

    def private_chat(self, user: JSON) -> JSON:
        """The user's private chat with the bot, registered as started (the user pressed Start)."""
        chat = self._private_state(user)
        chat.started, chat.blocked = True, False
        return copy.deepcopy(chat.info)

    def create_topic(self, user: JSON, chat: JSON, name: str) -> int:
        """A user creates a forum topic; returns its message_thread_id (the service message's id)."""
        state = self._chat_state(chat)
        if not state.is_forum:
            raise ValueError(f"chat {state.id} is not a forum")
        message = self._new_message(
            state, self._registered(user), {"forum_topic_created": {"name": name, "icon_color": 7322096}}
        )
        message["message_thread_id"] = message["message_id"]
        message["is_topic_message"] = True
        state.topics.add(message["message_id"])
        self._deliver(state, "message", message)
        return int(message["message_id"])

    # ------------------------------------------------------------------ things people do

    def send_text(
        self,
        user: JSON,
        chat: JSON,
        text: str,
        *,
        thread_id: int | None = None,
        reply_to: JSON | None = None,
        forward_from_chat: JSON | None = None,
    ) -> JSON:
        """A user sends a text; commands anywhere in it get ``bot_command`` entities."""
        content: JSON = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        if forward_from_chat is not None:
            content["forward_origin"] = self._forward_origin(forward_from_chat)
        return self._user_post(user, chat, content, thread_id=thread_id, reply_to=reply_to)

    def send_photo(
        self,
        user: JSON,
        chat: JSON,
        data: bytes,
        *,
        caption: str | None = None,
        thread_id: int | None = None,
        reply_to: JSON | None = None,
    ) -> JSON:
        """A user sends a photo; ``data`` must be a real image (see ``png_bytes``)."""
        content = self._photo(data)
        if caption:
            content["caption"] = caption
        return self._user_post(user, chat, content, thread_id=thread_id, reply_to=reply_to)

    def send_document(
        self,
        user: JSON,
        chat: JSON,
        data: bytes,
        *,
        filename: str,
        mime_type: str,
        caption: str | None = None,
        thread_id: int | None = None,
        reply_to: JSON | None = None,
    ) -> JSON:
        """A user sends a file as a document."""
        stored = self.store_file("document", data, file_name=filename, mime_type=mime_type)
        content: JSON = {"document": self.media_object(stored)}
        if caption:
            content["caption"] = caption
        return self._user_post(user, chat, content, thread_id=thread_id, reply_to=reply_to)

    def send_album(self, user: JSON, chat: JSON, photos: list[bytes], *, reply_to: JSON | None = None) -> list[JSON]:
        """A user sends several photos at once: Telegram delivers one message per photo, each with the
        album's ``media_group_id`` (and, sent as a reply, each replying to the same message)."""
        if not 2 <= len(photos) <= 10:
            raise ValueError("an album holds 2 to 10 items")
        group_id = str(13_000_000_000_000 + self.next_number())
        contents = [self._photo(data) for data in photos]  # every photo checked before any is sent
        return [
            self._user_post(user, chat, {**content, "media_group_id": group_id}, reply_to=reply_to)
            for content in contents
        ]

    def edit(self, user: JSON, message: JSON, *, text: str | None = None, caption: str | None = None) -> JSON:
        """A user edits a message they sent (its text, or a photo's or file's caption): Telegram sends
        the whole message again, with ``edit_date``, as an ``edited_message`` update."""
        state = self._chat_state(message["chat"])
        current = state.messages.get(message["message_id"])
        if current is None or current["from"]["id"] != user["id"]:
            raise ValueError(f"user {user['id']} has no message {message['message_id']} in chat {state.id} to edit")
        if (text is None) == (caption is None) or (text is not None and "text" not in current):
            raise ValueError("edit a text message's text, or a media message's caption")
        if text is not None:
            current["text"] = text
            current.pop("entities", None)
            if entities := command_entities(text):
                current["entities"] = entities
        else:
            current["caption"] = caption
        current["edit_date"] = self.now()
        self._deliver(state, "edited_message", current)
        return copy.deepcopy(current)

    def _photo(self, data: bytes) -> JSON:
        """A message's photo content, as Telegram takes it from a person: a real image of sane size."""
        size = image_size(data)
        if size is None:
            raise ValueError("Telegram only accepts real images as photos; use fake_telegram.png_bytes()")
        check_photo_dimensions(size)
        stored = self.store_file("photo", data, image=size)
        return {"photo": copy.deepcopy(stored.photo_sizes)}

    def press(self, user: JSON, message: JSON, data: str) -> JSON:
        """A user presses an inline button of a message the bot sent; returns the CallbackQuery.

        The button must exist on the message *as it is now* (after edits), otherwise
        ValueError: a real user cannot press a button that is not there.
        """
        state = self._chat_state(message["chat"])
        current = state.messages.get(message["message_id"])
        if current is None:
            raise ValueError(f"message {message['message_id']} does not exist (anymore) in chat {state.id}")
        if current.get("from", {}).get("id") != self.bot_id:
            raise ValueError("only messages sent by the bot carry its inline buttons")
        buttons = inline_callback_data(current.get("reply_markup"))
        if data not in buttons:
            raise ValueError(f"no button with callback_data {data!r} on that message; it has {buttons}")
        query_id = str(4_000_000_000_000 + self.next_number())
        query: JSON = {
            "id": query_id,
            "from": self._registered(user),
            "chat_instance": str(abs(state.id) * 7919 % 10**12),
            "message": copy.deepcopy(current),
            "data": data,
        }
        self.queries[query_id] = CallbackQueryState(query=query, created_at=self.clock())
        self.updates.push("callback_query", query)
        return copy.deepcopy(query)

    def add_bot_to_group(self, user: JSON, chat: JSON) -> JSON:
        """A user adds the bot to a group: my_chat_member update, the bot becomes a member."""
        state = self._chat_state(chat)
        old_status = state.bot_status if state.bot_status != "member" else "left"
        state.bot_status = "member"
        self._left_chats.discard(state.id)
        return self._my_chat_member(state, self._registered(user), old_status, "member")

    def remove_bot_from_group(self, user: JSON, chat: JSON) -> JSON:
        """A user removes the bot from a group: it is "kicked" and can no longer post there."""
        state = self._chat_state(chat)
        update = self._my_chat_member(state, self._registered(user), state.bot_status, "kicked")
        state.bot_status = "kicked"
        return update

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """A group admin deletes a message (the bot's too). Telegram tells the bot nothing: it learns
        when an edit of it is refused with "message to edit not found"."""
        state = self.chats[chat_id]
        del state.messages[message_id]
        state.deleted.add(message_id)
        if message_id in state.pinned:
            state.pinned.remove(message_id)

    def block_bot(self, user: JSON) -> JSON:
        """A user blocks the bot: my_chat_member update, sending to them is now 403."""
        state = self._private_state(user)
        state.blocked = True
        return self._my_chat_member(state, self._registered(user), "member", "kicked")

    # ------------------------------------------------------------------ reading back

    def sent_to(self, chat_id: int) -> list[JSON]:
        """Current state (after edits and deletions) of the bot's messages in a chat, in order."""
        state = self.chats.get(chat_id)
        if state is None:
            return []
        mine = [m for _, m in sorted(state.messages.items()) if m.get("from", {}).get("id") == self.bot_id]
        return copy.deepcopy(mine)

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """Current state of any message (a user's or the bot's); None if unknown or deleted."""
        state = self.chats.get(chat_id)
        found = state.messages.get(message_id) if state else None
        return copy.deepcopy(found)

    def pinned(self, chat_id: int) -> list[int]:
        """Ids of the messages pinned in a chat, oldest pin first."""
        state = self.chats.get(chat_id)
        return list(state.pinned) if state else []

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The bot commands set for a scope (default scope when None) and language."""
        return copy.deepcopy(self.bot_commands.get(command_key(scope, language_code), []))

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes behind a file_id (raises KeyError if the file_id is unknown)."""
        return self.files[file_id].data

    @property
    def left_chats(self) -> set[int]:
        """Chats the bot left with leaveChat (and has not been added back to)."""
        return set(self._left_chats)

    # ------------------------------------------------------------------ shared machinery

    def store_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
        image: tuple[int, int] | None = None,
    ) -> StoredFile:
        """Keep a file and give it a file_id; a photo also gets its PhotoSize array."""
        number = self.next_number()
        prefixes = {"photo": "AgAC", "document": "BQAC", "video": "BAAC"}
        extension = {"photo": ".jpg", "video": ".mp4"}.get(kind) or _extension(file_name)
        stored = StoredFile(
            file_id=f"{prefixes.get(kind, 'CAAC')}fake{number:06d}",
            file_unique_id=f"AQADfake{number:06d}",
            kind=kind,
            data=data,
            file_path=f"{kind}s/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type,
            url=url,
        )
        self._keep(stored)
        if kind == "photo":
            stored.photo_sizes = self._photo_sizes(stored, image or (1280, 960))
        return stored

    def _photo_sizes(self, full: StoredFile, size: tuple[int, int]) -> list[JSON]:
        """Telegram offers several sizes of a photo, smallest first; the fake offers two when it can."""
        width, height = size
        sizes = []
        if max(width, height) > 320:
            scale = 320 / max(width, height)
            number = self.next_number()
            thumbnail = StoredFile(
                file_id=f"AgACfake{number:06d}",
                file_unique_id=f"AQADfake{number:06d}",
                kind="photo",
                data=full.data,  # the fake does not resize: every size serves the original bytes
                file_path=f"photos/file_{number}.jpg",
            )
            self._keep(thumbnail)
            sizes.append((thumbnail, max(1, round(width * scale)), max(1, round(height * scale))))
        sizes.append((full, width, height))
        photo_sizes = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": size_width,
                "height": size_height,
                "file_size": stored.size,
            }
            for stored, size_width, size_height in sizes
        ]
        for stored, _, _ in sizes:
            stored.photo_sizes = photo_sizes
        return photo_sizes

    def _keep(self, stored: StoredFile) -> None:
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored

    def media_object(self, stored: StoredFile) -> Any:
        """The Bot API object a message carries for a stored file (PhotoSize array, Document, Video)."""
        if stored.kind == "photo":
            return copy.deepcopy(stored.photo_sizes)
        media: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.kind == "video":
            media.update({"width": 1280, "height": 720, "duration": 1, **stored.video_meta})
        if stored.file_name:
            media["file_name"] = stored.file_name
        if stored.mime_type:
            media["mime_type"] = stored.mime_type
        media["file_size"] = stored.size
        return media

    def _new_message(self, state: ChatState, sender: JSON, content: JSON) -> JSON:
        message: JSON = {
            "message_id": state.next_message_id,
            "from": copy.deepcopy(sender),
            "chat": copy.deepcopy(state.info),
            "date": self.now(),
            **content,
        }
        state.next_message_id += 1
        state.messages[message["message_id"]] = message
        return message

    def store_bot_message(
        self,
        state: ChatState,
        content: JSON,
        *,
        thread_id: int | None = None,
        reply_to: JSON | None = None,
        reply_markup: JSON | None = None,
    ) -> JSON:
        """Post a message from the bot into a chat (all checks already done); returns a copy."""
        message = self._new_message(state, self.bot_user, content)
        self._place(state, message, thread_id, reply_to)
        if reply_markup is not None:
            message["reply_markup"] = copy.deepcopy(reply_markup)
        return copy.deepcopy(message)

    def _place(self, state: ChatState, message: JSON, thread_id: int | None, reply_to: JSON | None) -> None:
        """Put a message into its forum topic / reply thread and attach what it replies to."""
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if state.is_forum:
                message["is_topic_message"] = True
        if reply_to is not None:
            replied = copy.deepcopy(reply_to)
            replied.pop("reply_to_message", None)  # Telegram nests one level only
            message["reply_to_message"] = replied

    def _user_post(
        self, user: JSON, chat: JSON, content: JSON, *, thread_id: int | None = None, reply_to: JSON | None = None
    ) -> JSON:
        state = self._chat_state(chat)
        sender = self._registered(user)
        if state.type == "private":
            if state.id != sender["id"]:
                raise ValueError("in a private chat only its user can write")
            state.started, state.blocked = True, False
        if thread_id is not None and state.is_forum:
            state.topics.add(thread_id)
        replied = None
        if reply_to is not None:
            replied = state.messages.get(reply_to["message_id"])
            if replied is None:
                raise ValueError(f"cannot reply to message {reply_to['message_id']}: not in chat {state.id}")
        message = self._new_message(state, sender, content)
        self._place(state, message, thread_id, replied)
        self._deliver(state, "message", message)
        return copy.deepcopy(message)

    def _deliver(self, state: ChatState, kind: str, payload: JSON) -> None:
        """Queue an update, unless the bot is not in the group (then Telegram tells it nothing)."""
        if state.is_group and state.bot_status != "member":
            return
        self.updates.push(kind, payload)

    def _my_chat_member(self, state: ChatState, actor: JSON, old_status: str, new_status: str) -> JSON:
        change: JSON = {
            "chat": copy.deepcopy(state.info),
            "from": copy.deepcopy(actor),
            "date": self.now(),
            "old_chat_member": {"status": old_status, "user": copy.deepcopy(self.bot_user)},
            "new_chat_member": {"status": new_status, "user": copy.deepcopy(self.bot_user)},
        }
        if new_status == "kicked":
            change["new_chat_member"]["until_date"] = 0
        self.updates.push("my_chat_member", change)
        return copy.deepcopy(change)

    def _forward_origin(self, chat: JSON) -> JSON:
        if chat.get("type") == "channel":
            return {"type": "channel", "chat": copy.deepcopy(chat), "message_id": 1, "date": self.now()}
        return {"type": "chat", "sender_chat": copy.deepcopy(chat), "date": self.now()}

    def _registered(self, user: JSON) -> JSON:
        known = self.users.get(user["id"])
        if known is None:
            raise ValueError(f"user {user['id']} was not registered with fake.user(...)")
        return known

    def _chat_state(self, chat: JSON) -> ChatState:
        state = self.chats.get(chat["id"])
        if state is None:
            raise ValueError(f"chat {chat['id']} was not registered with fake.group(...) or fake.private_chat(...)")
        return state

    def _private_state(self, user: JSON) -> ChatState:
        self._registered(user)
        return self.chats[user["id"]]


def command_key(scope: JSON | None, language_code: str | None) -> tuple[str, str]:
    """How commands are filed: the scope as canonical JSON, plus the language ("" for all)."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


def _extension(file_name: str | None) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1]
    return ""
