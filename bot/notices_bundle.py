"""A burst to one chat, sent as few messages: notices that allow it share a message.

Telegram lets a bot send about one message a second into a chat and thirty a second overall, so
a hundred alerts to one administrator, one message each, would reach them over minutes. Notices
queued with a `bundle_label` (an anomaly's private alert, labelled with its number) that are owed
together in one chat go out as one message: their texts, or their briefs, one after the other,
and their buttons one to a row, each labelled with its notice's label, so "Recibido" says which
case it is for. A notice sent alone looks exactly as it was queued: bundling only happens when a
chat has a backlog, so a single alert is never held back waiting for company.

Pictures queued together with the same label (an anomaly's images, right after its alert) go out
as one album of up to ten, each with its own caption.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import takewhile

from bot.text import TELEGRAM_MAX, telegram_length
from storage.notices import NoticeKind, TelegramNotice

MAX_BUTTONS = 100  # Telegram's limit for an inline keyboard
MAX_ALBUM = 10  # Telegram's limit for a media group
SEPARATOR = "\n\n" + "─" * 12 + "\n\n"


def leading_run(batch: Sequence[TelegramNotice]) -> list[TelegramNotice]:
    """The notices to send as the next message: the first of `batch` alone, or with those after it
    that may share its message and still fit in one. Alerts pass over album pictures, which are an
    extra that a slow link may hold up: when the first notice that is not a picture is an alert, it
    goes first, with the alerts after it; the pictures come after them. Nothing else is passed over."""
    head = next((i for i, n in enumerate(batch) if not _in_album(n)), None)
    if head is not None and _bundles(batch[head]):
        return _alerts_from(batch[head:])
    first = batch[0]
    if _in_album(first):
        return [first, *takewhile(lambda n: _in_album(n) and n.bundle_label == first.bundle_label, batch[1:MAX_ALBUM])]
    return [first]


def _alerts_from(batch: Sequence[TelegramNotice]) -> list[TelegramNotice]:
    run, buttons = [batch[0]], len(_buttons(batch[0]))
    for notice in batch[1:]:
        if _in_album(notice):
            continue
        if not _bundles(notice):
            break
        buttons += len(_buttons(notice))
        if buttons > MAX_BUTTONS or telegram_length(_joined_text([*run, notice])) > TELEGRAM_MAX:
            break
        run.append(notice)
    return run


def joined(run: Sequence[TelegramNotice]) -> tuple[str, str | None]:
    """The one message's text and keyboard (as JSON) for `run`; a lone notice's own."""
    if len(run) == 1:
        return run[0].text, run[0].markup
    rows = [[button | {"text": f"{button['text']} · {n.bundle_label}"}] for n in run for button in _buttons(n)]
    markup = json.dumps({"inline_keyboard": rows}, ensure_ascii=False) if rows else None
    return _joined_text(run), markup


def _joined_text(run: Sequence[TelegramNotice]) -> str:
    """The texts one after the other. A closing paragraph they all end with (an alert's "Confirme con
    «Recibido»…") is said once, at the end; before it, when every notice has a brief (an alert's
    lines without their labels), the briefs, a blank line apart. A chat gets about one message a
    second, so the more alerts a message holds the sooner the last of a burst arrives: about 35
    briefs fit where 20 whole alerts did."""
    bodies, _, closings = zip(*(n.text.rpartition("\n\n") for n in run), strict=True)
    if len(set(closings)) > 1 or not all(bodies):
        return SEPARATOR.join(n.text for n in run)
    if all(n.brief for n in run):
        return "\n\n".join(n.brief for n in run if n.brief) + "\n\n" + closings[0]
    return SEPARATOR.join(bodies) + "\n\n" + closings[0]


def is_alert(run: Sequence[TelegramNotice]) -> bool:
    """Plain labelled messages are alerts, to a person who must act: they take Telegram's next turn."""
    return _alert(run[0])


def is_album(run: Sequence[TelegramNotice]) -> bool:
    return len(run) > 1 and run[0].kind == NoticeKind.PHOTO


def _bundles(notice: TelegramNotice) -> bool:
    """Only plain private messages: a reply, a thread or a file keeps its own message, and so does one
    whose keyboard cannot be read (sent alone, its error is counted against it alone)."""
    return _alert(notice) and _readable(notice)


def _alert(notice: TelegramNotice) -> bool:
    return notice.kind == NoticeKind.MESSAGE and _plain(notice)


def _in_album(notice: TelegramNotice) -> bool:
    """A labelled picture without buttons (an album has none)."""
    return notice.kind == NoticeKind.PHOTO and _plain(notice) and notice.markup is None


def _plain(notice: TelegramNotice) -> bool:
    replies = notice.reply_to is not None or notice.quote_message_id is not None
    return notice.bundle_label is not None and not replies and notice.thread_id is None


def _readable(notice: TelegramNotice) -> bool:
    try:
        _buttons(notice)
    except (ValueError, TypeError, KeyError):
        return False
    return True


def _buttons(notice: TelegramNotice) -> list[dict[str, object]]:
    keyboard = json.loads(notice.markup)["inline_keyboard"] if notice.markup else []
    return [button for row in keyboard for button in row]
