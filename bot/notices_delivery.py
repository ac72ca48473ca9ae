"""Deliver the Telegram outbox: oldest first, in order per chat, each notice recorded as it goes.

Runs after every update and job that queued something, and every few seconds on its own (which
also catches up after a restart). One run at a time, so nothing is sent twice by two runs.

What Telegram answers decides what happens to a notice:
- sent: its message id is stored, in the record it belongs to as well;
- refused for good (400 Bad Request, 403 blocked, a deleted message to edit): marked failed and
  logged, and the chat's next notices go on; "message is not modified" counts as sent;
- a 5xx or a refused connection: that chat waits for the next run, so its order holds, while the
  other chats go on;
- flood control (429) or no answer in time: the whole run stops, the next one resumes.

The read timeout is long (READ_TIMEOUT_S): a notice is not on anyone's critical path, and a
Telegram that answers late has usually delivered. The one case left is at-least-once: no answer
at all within that time, and Telegram had in fact delivered; the next run sends it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from enum import Enum, auto

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.cameras.evidence import EvidenceMissing, read
from bot.services import Services
from storage.notices import NoticeKind, Record, TelegramNotice, message_of, pending, remember

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 30.0
BATCH = 50
ERROR_LENGTH = 500


class Outcome(Enum):
    DONE = auto()  # sent, or refused for good
    CHAT_WAITS = auto()
    STOP = auto()


async def deliver(bot: Bot, services: Services) -> int:
    """Send what is owed; returns how many notices went out."""
    async with services.notices_lock:
        if asyncio.get_running_loop().time() < services.notices_paused_until:
            return 0  # Telegram asked us to wait (429 without the rate limiter, which would wait itself)
        services.notices_queued = False
        sent, waiting = 0, set[int]()
        while True:
            async with services.db.read() as session:
                batch = await pending(session, BATCH, skip_chats=waiting)
            if not batch:
                return sent
            for notice in batch:
                if notice.chat_id in waiting:
                    continue
                outcome = await _attempt(bot, services, notice)
                if outcome is Outcome.STOP:
                    return sent
                if outcome is Outcome.CHAT_WAITS:
                    waiting.add(notice.chat_id)
                elif notice.sent_at is not None:
                    sent += 1


async def _attempt(bot: Bot, services: Services, notice: TelegramNotice) -> Outcome:
    try:
        message = await _send(bot, services, notice)
    except BadRequest as exc:
        if notice.kind == NoticeKind.EDIT and "not modified" in exc.message.lower():
            await _record(services, notice, None)
            return Outcome.DONE
        return await _give_up(services, notice, exc)
    except (Forbidden, EvidenceMissing, LookupError) as exc:
        return await _give_up(services, notice, exc)
    except RetryAfter as exc:
        await _retry_later(services, notice, exc)
        wait = exc.retry_after  # an int today, a timedelta once PTB switches
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        services.notices_paused_until = asyncio.get_running_loop().time() + seconds
        return Outcome.STOP
    except TimedOut as exc:
        await _retry_later(services, notice, exc)
        return Outcome.STOP
    except NetworkError as exc:
        await _retry_later(services, notice, exc)
        return Outcome.CHAT_WAITS
    except TelegramError as exc:  # ChatMigrated, InvalidToken…: no retry will help this notice
        return await _give_up(services, notice, exc)
    await _record(services, notice, message)
    return Outcome.DONE


async def _send(bot: Bot, services: Services, notice: TelegramNotice) -> Message | bool:
    markup = InlineKeyboardMarkup.de_json(json.loads(notice.markup), bot) if notice.markup else None
    common = {"reply_markup": markup, "read_timeout": READ_TIMEOUT_S}
    if notice.kind == NoticeKind.EDIT:
        assert notice.record is not None
        async with services.db.read() as session:
            chat_id, message_id = await message_of(session, Record.parse(notice.record))
        if message_id is None:
            raise LookupError(f"{notice.record} has no message to edit")
        return await bot.edit_message_text(notice.text, chat_id or notice.chat_id, message_id, **common)
    common |= {"message_thread_id": notice.thread_id, "reply_parameters": await _reply(services, notice)}
    if notice.kind == NoticeKind.MESSAGE:
        return await bot.send_message(notice.chat_id, notice.text, **common)
    assert notice.evidence_id is not None
    _, data = await read(services, notice.evidence_id)
    caption = notice.text or None
    if notice.kind == NoticeKind.PHOTO:
        return await bot.send_photo(notice.chat_id, data, caption=caption, **common)
    return await bot.send_document(notice.chat_id, data, filename=notice.filename, caption=caption, **common)


async def _reply(services: Services, notice: TelegramNotice) -> ReplyParameters | None:
    """A reply to a record's message, if it has one by now; a plain message otherwise."""
    if notice.reply_to is None:
        return None
    async with services.db.read() as session:
        _, message_id = await message_of(session, Record.parse(notice.reply_to))
    return ReplyParameters(message_id, allow_sending_without_reply=True) if message_id else None


async def _record(services: Services, notice: TelegramNotice, message: Message | bool | None) -> None:
    async with services.db.write() as session:
        row = await session.get(TelegramNotice, notice.id)
        assert row is not None
        row.sent_at, row.attempts = services.now(), row.attempts + 1
        if isinstance(message, Message):
            row.message_id = message.message_id
            if row.record is not None and row.kind != NoticeKind.EDIT:
                await remember(session, Record.parse(row.record), message.chat_id, message.message_id)
        if row.record is not None and (row.text, row.markup) != (notice.text, notice.markup):
            # `show` gave it newer text while it was on its way: what went out is kept, the newer text is an edit
            session.add(
                TelegramNotice(
                    key=row.key,
                    created_at=services.now(),
                    kind=NoticeKind.EDIT,
                    chat_id=row.chat_id,
                    text=row.text,
                    markup=row.markup,
                    record=row.record,
                )
            )
            row.text, row.markup = notice.text, notice.markup
        session.add(row)
    notice.sent_at = row.sent_at


async def _retry_later(services: Services, notice: TelegramNotice, error: Exception) -> None:
    log.warning("notice %s (%s) waits for the next run: %s", notice.id, notice.key, error)
    await _note_error(services, notice, error, failed=False)


async def _give_up(services: Services, notice: TelegramNotice, error: Exception) -> Outcome:
    log.warning("notice %s (%s) refused for good: %s", notice.id, notice.key, error)
    await _note_error(services, notice, error, failed=True)
    return Outcome.DONE


async def _note_error(services: Services, notice: TelegramNotice, error: Exception, failed: bool) -> None:
    async with services.db.write() as session:
        row = await session.get(TelegramNotice, notice.id)
        assert row is not None
        row.attempts += 1
        row.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        if failed:
            row.failed_at = services.now()
        session.add(row)
