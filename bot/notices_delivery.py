"""Deliver the Telegram outbox: oldest first, in order per chat, each notice recorded as it goes.

Started after every update and job that queued something, and every few seconds on its own
(which also catches up after a restart). Each chat has one courier at a time, so nothing is sent
twice and a chat's order holds, while chats do not wait for each other. A backlog of alerts to one
person goes out as few messages, and alerts pass over the album pictures before them, an extra a
slow link may hold up (bot/notices_bundle.py): the only exception to the order.

What Telegram answers decides what happens to a notice:
- sent: its message id is stored, in the record it belongs to as well;
- refused for good (400 Bad Request, 403 blocked): marked failed and logged, and the chat's next
  notices go on; "message is not modified" counts as sent; a record's message someone deleted is
  posted again (in its topic), and the record's later edits and replies go to the new one. A shared
  message (bot/notices_bundle.py) refused with a 400, or failing on a bug, is sent again one notice
  at a time, so only the bad notice is given up;
- the group became a supergroup (ChatMigrated): what it is owed moves to the new id;
- a refused connection or no answer in time: that chat waits for the next round, however long
  the outage (it delays a notice, never drops it);
- a 5xx, a 413, an upload that cannot go through in UPLOAD_TIMEOUT_S (a slow link does that every
  round) or a bug with this notice: the chat waits too, and after MAX_REFUSALS such answers the
  notice is given up, so one broken notice cannot block its chat for good;
- flood control (429): every chat waits for Telegram's retry_after; a refused token, 5 minutes.

The read timeout is long (READ_TIMEOUT_S): a notice is not on anyone's critical path, and a
Telegram that answers late has usually delivered. The one case left is at-least-once: no answer
at all within that time, and Telegram had in fact delivered; the next round sends it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from datetime import timedelta
from enum import Enum, auto

import httpx
from telegram import Bot, InlineKeyboardMarkup, InputMediaPhoto, Message, ReplyParameters
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ExtBot

from bot import group_migration
from bot.cameras.evidence import EvidenceMissing, read
from bot.notices import queued_here
from bot.notices_bundle import MAX_BUTTONS, is_album, is_alert, joined, leading_run
from bot.services import Services
from bot.telegram_pacing import URGENT, retry_after_s
from storage.notices import NoticeKind, Record, TelegramNotice, by_ids, chats_owed, message_of, owed_in, remember

log = logging.getLogger(__name__)

MESSAGE_GONE = "message to edit not found"  # Telegram's words for an edit of a deleted message
READ_TIMEOUT_S = 30.0
UPLOAD_TIMEOUT_S = 120.0  # for each file: a 10 MB document over a 1 Mbit/s office link takes about 80 s
SHUTDOWN_WAIT_S = 10.0
HANDLER_WAIT_S = 5.0
TOKEN_PAUSE = timedelta(minutes=5)
MAX_REFUSALS = 10  # answers other than "sent" to one notice (a 5xx, a 413, a bug) before it is given up
BATCH = MAX_BUTTONS // 2  # notices read at once: as many alerts as a message carries, at two buttons each
ERROR_LENGTH = 500


class Outcome(Enum):
    DONE = auto()  # sent, or refused for good
    CHAT_WAITS = auto()


async def deliver_to(bot: Bot, services: Services, chat_id: int) -> None:
    """Start every courier and wait for one chat's: for a handler that must see its notices in that
    chat before it goes on (the consigna's post before the pinned board is redrawn)."""
    courier = (await start(bot, services)).get(chat_id)
    if courier is not None:  # a group draining a backlog at 20 a minute must not hold the update long
        await asyncio.wait({courier}, timeout=HANDLER_WAIT_S)


async def start(bot: Bot, services: Services) -> dict[int, asyncio.Task[None]]:
    """A courier for every chat that is owed something, one per chat at a time, so one chat's wait
    (Telegram's 20 messages a minute in a group) never holds up another chat or the next update."""
    if _paused(services):
        return {}
    async with services.db.read() as session:
        chats = await chats_owed(session)
    return _dispatch(bot, services, chats)


def start_queued(bot: Bot, services: Services) -> None:
    """`start` for the chats this task queued notices for (bot/notices.queued_here), without a query:
    what an update owes goes at once, and in a burst of reports each saves a read. A chat an earlier
    round left owed waits for the next `telegram.deliver` round."""
    if not _paused(services):
        _dispatch(bot, services, queued_here.get())


def _dispatch(bot: Bot, services: Services, chats: Iterable[int]) -> dict[int, asyncio.Task[None]]:
    queued_here.set(frozenset())  # on their way: the update's end need not start them again
    couriers = {}
    for chat_id in chats:
        courier = services.notice_couriers.get(chat_id)
        if courier is None or courier.done():
            courier = asyncio.create_task(_courier(bot, services, chat_id), name=f"notices:{chat_id}")
            services.notice_couriers[chat_id] = courier
        else:
            services.notice_more.add(chat_id)  # on its way already: it looks again before it stops
        couriers[chat_id] = courier
    return couriers


async def drained(services: Services, timeout: float = SHUTDOWN_WAIT_S) -> None:  # noqa: ASYNC109
    """Wait for the couriers on their way (shutdown, tests); past `timeout` they are cancelled, and
    what they carried stays owed for the next start."""
    running = [c for c in services.notice_couriers.values() if not c.done()]
    if running:
        _, late = await asyncio.wait(running, timeout=timeout)
        for courier in late:
            courier.cancel()
        await asyncio.gather(*late, return_exceptions=True)
    for chat_id, courier in list(services.notice_couriers.items()):
        if courier.done():  # a courier started meanwhile keeps its place: one per chat, always
            del services.notice_couriers[chat_id]


def _paused(services: Services) -> bool:
    """Telegram asked us to wait (a 429 without the rate limiter, which would have waited itself)."""
    return services.notices_paused_until is not None and services.now() < services.notices_paused_until


async def _courier(bot: Bot, services: Services, chat_id: int) -> None:
    """One chat's notices, oldest first, until none is left or Telegram makes the chat wait."""
    try:
        while not _paused(services):
            await _turn(services, chat_id)  # before reading: what is owed by then shares the message
            services.notice_more.discard(chat_id)
            async with services.db.read() as session:
                batch = await owed_in(session, chat_id, BATCH)
            if not batch:
                if chat_id in services.notice_more:
                    continue
                break
            while batch:
                await _turn(services, chat_id)  # no wait right after the read: the turn came before it
                run = leading_run(batch)
                if _paused(services) or await _attempt(bot, services, run) is Outcome.CHAT_WAITS:
                    return
                # after a shared message, or one that passed over pictures, read again: what was queued
                # meanwhile may join the next one; so too when the next is an alert that must wait its turn
                lone, rest = len(run) == 1 and run[0] is batch[0], batch[1:]
                shares = bool(rest) and is_alert(rest) and _wait_s(services, chat_id) > 0
                batch = rest if lone and not shares else []
    except Exception:  # a bug must not kill delivery for good: logged, the next round tries again
        log.exception("notices to chat %s stopped", chat_id)


async def _turn(services: Services, chat_id: int) -> None:
    """Wait for the chat's turn: about one message a second into a private chat (bot/telegram_pacing.py)."""
    wait = _wait_s(services, chat_id)
    if wait > 0:
        await asyncio.sleep(wait)


def _wait_s(services: Services, chat_id: int) -> float:
    return services.chat_pace.wait_s(chat_id) if services.chat_pace is not None else 0.0


async def _attempt(bot: Bot, services: Services, run: list[TelegramNotice]) -> Outcome:
    """Send `run` as one message. What the chat answers (blocked, gone) holds for every notice in it;
    what is about the message (a 5xx, an outage, flood control) is counted on its first notice, which
    is given up on its own after MAX_REFUSALS (on every picture of an album, given up together); a bad
    request or a bug splits the run, to find the bad notice."""
    notice = run[0]
    try:
        message = await _send(bot, services, run)
    except (BadRequest, EvidenceMissing, LookupError) as exc:  # about one of its notices: which one?
        if len(run) > 1:
            return await _one_by_one(bot, services, run)
        if isinstance(exc, BadRequest) and notice.kind == NoticeKind.EDIT and "not modified" in exc.message.lower():
            await _record(services, run, None)
            return Outcome.DONE
        if isinstance(exc, BadRequest) and notice.kind == NoticeKind.EDIT and MESSAGE_GONE in exc.message.lower():
            return await _attempt(bot, services, [await _post_again(services, notice)])
        return await _give_up(services, run, exc)
    except ChatMigrated as exc:  # the group became a supergroup: the bot follows it (bot/group_migration.py)
        await group_migration.follow(services, notice.chat_id, exc.new_chat_id)  # an edit, too, becomes a post
        return Outcome.CHAT_WAITS  # what it owed goes to the new id at the next round
    except Forbidden as exc:
        return await _give_up(services, run, exc)
    except RetryAfter as exc:
        services.notices_paused_until = services.now() + timedelta(seconds=retry_after_s(exc))
        await _retry_later(services, [notice], exc, refused=False)
        return Outcome.CHAT_WAITS
    except InvalidToken as exc:  # every notice would fail alike: keep them all until the token is fixed
        log.error("Telegram refuses the bot token; notices wait: %s", exc)
        services.notices_paused_until = services.now() + TOKEN_PAUSE
        return Outcome.CHAT_WAITS
    except NetworkError as exc:  # Telegram unreachable or slow (never counted: an outage delays, never drops)…
        counted = run if is_album(run) else [notice]  # an album is one upload: it is retried, or given up, whole
        upload = notice.kind in (NoticeKind.PHOTO, NoticeKind.DOCUMENT)
        return await _retry_later(services, counted, exc, refused=not is_outage(exc, upload))  # …or a 5xx, a 413
    except Exception as exc:  # a bug with this one notice: counted, so it cannot block its chat for good
        if len(run) > 1:
            return await _one_by_one(bot, services, run)  # on its own, each is counted for itself
        log.exception("notice %s (%s) could not be sent", notice.id, notice.key)
        return await _retry_later(services, [notice], exc, refused=True)
    await _record(services, run, message)
    return Outcome.DONE


async def _post_again(services: Services, notice: TelegramNotice) -> TelegramNotice:
    """An edit of a message someone deleted becomes a new post of the record, which then remembers
    the new message: the case stays visible in the group, and does not freeze on the deleted one."""
    log.warning("the message of %s was deleted in the group: it is posted again", notice.record)
    async with services.db.write() as session:
        row = await session.get(TelegramNotice, notice.id)
        assert row is not None
        row.kind = notice.kind = NoticeKind.MESSAGE
        session.add(row)
    return notice


async def _one_by_one(bot: Bot, services: Services, run: list[TelegramNotice]) -> Outcome:
    for notice in run:
        if await _attempt(bot, services, [notice]) is Outcome.CHAT_WAITS:
            return Outcome.CHAT_WAITS
    return Outcome.DONE


async def _send(bot: Bot, services: Services, run: list[TelegramNotice]) -> Message | bool | tuple[Message, ...]:
    """`run` as one message: a notice alone as it was queued, alerts sharing one, or an album. An alert
    goes before the ordinary messages waiting for their turn (bot/telegram_pacing.py)."""
    if is_album(run):
        return await _send_album(bot, services, run)
    notice, (text, markup_json) = run[0], joined(run)
    markup = InlineKeyboardMarkup.de_json(json.loads(markup_json), bot) if markup_json else None
    urgent = is_alert(run) and isinstance(bot, ExtBot) and bot.rate_limiter is not None
    common = {"reply_markup": markup, "read_timeout": READ_TIMEOUT_S} | ({"rate_limit_args": URGENT} if urgent else {})
    if notice.kind == NoticeKind.EDIT:
        assert notice.record is not None
        async with services.db.read() as session:
            chat_id, message_id = await message_of(session, Record.parse(notice.record))
        if message_id is None:
            raise LookupError(f"{notice.record} has no message to edit")
        return await bot.edit_message_text(text, chat_id or notice.chat_id, message_id, **common)
    common |= {"message_thread_id": notice.thread_id, "reply_parameters": await _reply(services, notice)}
    if notice.kind == NoticeKind.MESSAGE:
        return await bot.send_message(notice.chat_id, text, **common)
    assert notice.evidence_id is not None
    _, data = await read(services, notice.evidence_id)
    caption = text or None
    common |= {"write_timeout": UPLOAD_TIMEOUT_S}
    if notice.kind == NoticeKind.PHOTO:
        return await bot.send_photo(notice.chat_id, data, caption=caption, **common)
    return await bot.send_document(notice.chat_id, data, filename=notice.filename, caption=caption, **common)


async def _send_album(bot: Bot, services: Services, run: list[TelegramNotice]) -> tuple[Message, ...]:
    """The pictures of `run` as one album, each with its caption: a message each."""
    media = []
    for notice in run:
        assert notice.evidence_id is not None
        _, data = await read(services, notice.evidence_id)
        media.append(InputMediaPhoto(data, caption=notice.text or None))
    return await bot.send_media_group(
        run[0].chat_id, media, read_timeout=READ_TIMEOUT_S, write_timeout=UPLOAD_TIMEOUT_S
    )


async def _reply(services: Services, notice: TelegramNotice) -> ReplyParameters | None:
    """A reply to the quoted message, or to a record's message if it has one by now; a plain message
    when the original is gone."""
    message_id = notice.quote_message_id
    if message_id is None and notice.reply_to is not None:
        async with services.db.read() as session:
            chat_id, message_id = await message_of(session, Record.parse(notice.reply_to))
        if chat_id not in (None, notice.chat_id):  # left behind in a group that became a supergroup
            message_id = None
    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None


async def _record(
    services: Services, run: list[TelegramNotice], sent: Message | bool | tuple[Message, ...] | None
) -> None:
    """Every notice of `run` sent, in one unit of work: as the one message `sent`, or as its own
    message of an album. An alert's goes before the ordinary units waiting (a burst's filings), as
    the person's next alert waits on it."""
    messages = sent if isinstance(sent, tuple) else (sent,) * len(run)
    posted: list[tuple[Record, int, int]] = []
    async with services.db.write(urgent=is_alert(run)) as session:
        rows = await by_ids(session, [notice.id for notice in run])  # type: ignore[misc]
        for notice, message in zip(run, messages, strict=True):
            row = rows[notice.id]  # type: ignore[index]
            row.sent_at, row.attempts = services.now(), row.attempts + 1
            if isinstance(message, Message):
                row.message_id = message.message_id
                if row.record is not None and row.kind != NoticeKind.EDIT:
                    posted.append((Record.parse(row.record), message.chat_id, message.message_id))
            if len(run) == 1 and row.record is not None and (row.text, row.markup) != (notice.text, notice.markup):
                # `show` gave it newer text while it was on its way: what went out is kept, the newer text is an edit
                session.add(
                    TelegramNotice(
                        key=row.key,
                        created_at=services.now(),
                        kind=NoticeKind.EDIT,
                        chat_id=row.chat_id,
                        thread_id=row.thread_id,
                        text=row.text,
                        markup=row.markup,
                        record=row.record,
                    )
                )
                row.text, row.markup = notice.text, notice.markup
            session.add(row)
            notice.sent_at = row.sent_at
        await remember(session, posted)
    for notice in run:
        log.info("notice %s (%s) sent to %s", notice.id, notice.key, notice.chat_id)


def is_outage(exc: NetworkError, upload: bool) -> bool:
    """Telegram could not be reached, or did not answer in time: never counted against a notice. An
    `upload` that did not go through in time is not one: the connection was there, and a slow link
    would time out the same way every round, holding its chat for good if it were not counted."""
    if upload and isinstance(exc.__cause__, httpx.WriteTimeout):
        return False
    return isinstance(exc, TimedOut) or isinstance(exc.__cause__, httpx.TransportError)


async def _retry_later(
    services: Services, counted: list[TelegramNotice], error: Exception, *, refused: bool
) -> Outcome:
    """The chat waits for the next round; notices refused MAX_REFUSALS times are given up."""
    if refused and max(n.refusals for n in counted) + 1 >= MAX_REFUSALS:
        return await _give_up(services, counted, error)
    for notice in counted:
        log.warning("notice %s (%s) waits for the next round: %s", notice.id, notice.key, error)
    await _note_error(services, counted, error, failed=False, refused=refused)
    return Outcome.CHAT_WAITS


async def _give_up(services: Services, run: list[TelegramNotice], error: Exception) -> Outcome:
    for notice in run:
        log.warning("notice %s (%s) refused for good: %s", notice.id, notice.key, error)
    await _note_error(services, run, error, failed=True, refused=True)
    return Outcome.DONE


async def _note_error(
    services: Services, run: list[TelegramNotice], error: Exception, *, failed: bool, refused: bool
) -> None:
    async with services.db.write() as session:
        for notice in run:
            row = await session.get(TelegramNotice, notice.id)
            assert row is not None
            row.attempts += 1
            row.refusals += refused
            row.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
            if failed:
                row.failed_at = services.now()
            session.add(row)
