"""Queue a Telegram notice in the unit of work that makes it owed; bot/notices_delivery.py sends it.

Workflows call these instead of the Bot API for whatever someone must get even if Telegram is down
at that moment: alerts, reminders, escalations, the group's posts of a case and their later edits,
documents for review. Direct answers to the person who just wrote stay direct (they asked; they see
"Algo falló" and ask again).

Each notice has a key; queueing a key a second time does nothing, so a job that runs twice, or a
catch-up after a restart, owes each notice once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup

from storage.notices import NoticeKind, Record, TelegramNotice, forget_done, latest_for, message_of, owed
from storage.people import Person

if TYPE_CHECKING:
    from bot.services import Services


def _markup(markup: InlineKeyboardMarkup | None) -> str | None:
    return json.dumps(markup.to_dict(), ensure_ascii=False) if markup is not None else None


# The chats the update or job running in this task queued a notice for, so that delivery to them
# starts without a query (bot/notices_delivery.start_queued). Per task, not per bot: updates of
# different chats run at once, and one must not take (and clear) another's chats before that other
# has committed its notice.
queued_here: ContextVar[frozenset[int]] = ContextVar("queued_here", default=frozenset())


def _queued(chat_id: int) -> None:
    queued_here.set(queued_here.get() | {chat_id})


def _add(session: AsyncSession, services: Services, *, chat_id: int, **fields: object) -> None:
    """Added to the session, not appended at the unit's end (storage/db.append): a chat's notices go
    out in the order of their ids, which must be the order they were queued in."""
    session.add(TelegramNotice(created_at=services.now(), chat_id=chat_id, **fields))  # type: ignore[arg-type]
    _queued(chat_id)


async def queue(
    session: AsyncSession,
    services: Services,
    *,
    key: str,
    chat_id: int,
    text: str = "",
    kind: NoticeKind = NoticeKind.MESSAGE,
    thread_id: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
    evidence_id: int | None = None,
    filename: str | None = None,
    reply_to: Record | None = None,
    quote: int | None = None,
    record: Record | None = None,
    bundle_label: str | None = None,
    brief: str | None = None,
    fresh: bool = False,
) -> bool:
    """Owe one notice; False if `key` was owed before (sent or not). It answers the message of
    `reply_to` (a record's, resolved when sent) or `quote` (a message of the same chat). With a
    `bundle_label`, a backlog of such notices in one chat shares a message (bot/notices_bundle.py),
    where each says its `brief` when it has one.
    `fresh`: the key names a row made in this unit of work, so it cannot be owed yet and is not
    looked up (a report in a burst of them is filed behind the others' queries)."""
    if not fresh and await owed(session, key):
        return False
    _add(
        session,
        services,
        key=key,
        chat_id=chat_id,
        text=text,
        kind=kind,
        thread_id=thread_id,
        markup=_markup(markup),
        evidence_id=evidence_id,
        filename=filename,
        reply_to=str(reply_to) if reply_to else None,
        quote_message_id=quote,
        record=str(record) if record else None,
        bundle_label=bundle_label,
        brief=brief,
    )
    return True


async def tell(session: AsyncSession, services: Services, person: Person, text: str, *, key: str) -> bool:
    """A private message; False for someone who never opened the bot (nothing to send to)."""
    if person.telegram_id is None:
        return False
    await queue(session, services, key=f"{key}:{person.id}", chat_id=person.telegram_id, text=text)
    return True


async def hand(
    session: AsyncSession,
    services: Services,
    person: Person,
    evidence_id: int,
    *,
    key: str,
    kind: NoticeKind = NoticeKind.DOCUMENT,
    filename: str | None = None,
    caption: str = "",
    markup: InlineKeyboardMarkup | None = None,
    bundle_label: str | None = None,
) -> bool:
    """A kept file (a document or a picture from the evidence store), privately; False for someone
    who never opened the bot. The bytes are read, and checked against their hash, when it is sent.
    Pictures queued together under one `bundle_label` go out as an album."""
    if person.telegram_id is None:
        return False
    await queue(
        session,
        services,
        key=key,
        chat_id=person.telegram_id,
        kind=kind,
        evidence_id=evidence_id,
        filename=filename,
        text=caption,
        markup=markup,
        bundle_label=bundle_label,
    )
    return True


async def tell_each(
    session: AsyncSession, services: Services, people: Iterable[Person], write: Callable[[str], str], *, key: str
) -> bool:
    """A private message to each person in their own language (`write` makes the text for one, e.g.
    `i18n.phrase`); True if anyone can get it."""
    told = [await tell(session, services, person, write(person.language), key=key) for person in people]
    return any(told)


async def escalate(
    session: AsyncSession,
    services: Services,
    people: Iterable[Person],
    topic: str | None,
    write: Callable[[str], str],
    *,
    key: str,
) -> None:
    """What was not done in time (or is due soon), privately to each of `people` (those who answer
    for it: storage.people.escalation_contacts) in their language (`write` makes the text for one).
    With nobody on Telegram it goes to the group's `topic` (None: the general one) in the unit's
    language: the caller claims the escalation as done with this, so it must reach someone."""
    if not await tell_each(session, services, people, write, key=key):
        await post(session, services, topic, write(services.unit.language), key=key)


async def post(
    session: AsyncSession,
    services: Services,
    topic: str | None,
    text: str,
    *,
    key: str,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: Record | None = None,
    kind: NoticeKind = NoticeKind.MESSAGE,
    evidence_id: int | None = None,
) -> bool:
    """A message into the operations group, in `topic`'s forum thread when one is configured."""
    group = services.unit.group
    thread = getattr(group.topics, topic) if topic else None
    return await queue(
        session,
        services,
        key=key,
        chat_id=group.chat_id,
        thread_id=thread,
        text=text,
        markup=markup,
        reply_to=reply_to,
        kind=kind,
        evidence_id=evidence_id,
    )


async def show(
    session: AsyncSession,
    services: Services,
    record: Record,
    topic: str,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    fresh: bool = False,
) -> None:
    """Make the record's own message in the group say `text`: posted the first time (and again in a
    group that became a supergroup, where the old message cannot be edited), edited after.
    A post or edit still waiting just takes the newer text, so Telegram only sees the latest; a
    message that says it already is left alone (a redraw after every press costs nothing).
    `fresh`: the record was made in this unit of work, so it is posted with nothing to look up."""
    latest, markup_json = None if fresh else await latest_for(session, record), _markup(markup)
    if latest is not None and latest.sent_at is not None and (latest.text, latest.markup) == (text, markup_json):
        return
    if latest is not None and latest.sent_at is None and latest.failed_at is None:
        latest.text, latest.markup = text, markup_json  # still waiting: it goes out with the newest text
        session.add(latest)
        _queued(latest.chat_id)
        return
    if latest is not None and latest.failed_at is not None:
        return  # its post or last edit was refused for good (see `vigia outbox`): a redraw must not retry it forever
    chat_id, message_id = (None, None) if fresh else await message_of(session, record)
    group = services.unit.group
    thread = getattr(group.topics, topic)  # an edit keeps it too: a deleted message is posted again there
    if message_id is None or chat_id not in (None, group.chat_id):  # or left behind when the group became a supergroup
        fields = {"chat_id": group.chat_id, "thread_id": thread, "kind": NoticeKind.MESSAGE}
    else:
        fields = {"chat_id": chat_id or group.chat_id, "thread_id": thread, "kind": NoticeKind.EDIT}
    _add(
        session,
        services,
        key=f"show:{record}",
        text=text,
        markup=markup_json,
        record=str(record),
        **fields,
    )


async def prune(services: Services, kept: timedelta) -> None:
    """Empty the text of notices done more than `kept` ago; their keys stay owed (storage/notices.py)."""
    async with services.db.write() as session:
        await forget_done(session, services.now() - kept)
