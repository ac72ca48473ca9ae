"""Replies by e-mail: read, stored once, matched to a case, handed to the case's workflow.

1. `fetch_new` reads the UNSEEN messages of IMAP_FOLDER, stores each (one row per Message-ID, so a
   message read twice is stored once) and only then flags it seen on the server, when it is a reply
   handed to a case. Mail the bot does not act on (no case, an auto-reply, a bounce) is left unread
   for a person who reads the same mailbox; a cursor (the last UID read) keeps it from being read
   again every minute, or from filling every round's MAX_PER_RUN.
2. Matching: a reply whose In-Reply-To or References names one of our mails belongs to that mail's
   case; otherwise a case number in the subject (A-2026-0042) decides, if its workflow has that case
   (a number may be mistyped); otherwise it is stored as unmatched and logged. Auto-replies and
   bounces are stored but never dispatched.
3. `dispatch_due` hands each matched reply to the handler registered for its case's prefix
   (`register_reply_handler("A-", ...)`). Claimed with a compare-and-set plus a lease like the
   outbox: a handler that raises is retried with backoff (MAX_HANDLER_ATTEMPTS times); a process
   that dies inside a handler gets the reply again after the lease. So handlers must be idempotent
   on `reply.message_id` (at-least-once), which is cheap: record it with the state change.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import audit
from bot.mail.compose import Attachment
from bot.mail.imap import ImapError, Mailbox, configured
from storage.mail import (
    InboxMessage,
    ReplyStatus,
    advance_cursor,
    claim_reply,
    due_replies,
    inbox_by_message_id,
    last_uid_read,
    mail_by_message_ids,
)

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

CASE_REF = re.compile(r"(?<![A-Za-z0-9])([A-Z])-(\d{4})-(\d{4})(?![0-9])", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MAX_PER_RUN = 50
LEASE = timedelta(minutes=10)
MAX_HANDLER_ATTEMPTS = 5
HANDLER_BACKOFF = timedelta(minutes=1)
ERROR_LENGTH = 1000
LEFT_UNREAD = (ReplyStatus.UNMATCHED, ReplyStatus.AUTOMATIC)  # for a person: the bot does nothing with them


@dataclass(frozen=True)
class IncomingReply:
    """What a workflow's handler gets: the reply's own words (quotes removed) and who wrote it."""

    inbox_id: int
    message_id: str  # dedupe on this: a handler may see the same reply twice after a crash
    ref: str
    matched_by: str  # "in_reply_to" or "subject"
    from_address: str
    from_name: str
    subject: str
    text: str
    received_at: datetime
    attachments: tuple[Attachment, ...] = ()

    def as_event(self, *, with_sender: bool = False) -> str:
        """The reply as a timeline event's text: its words, then its Message-ID, by which a handler
        knows the same reply handed over again (`recorded_in`)."""
        words = f"{self.from_address}: {self.text}" if with_sender else self.text
        return f"{words}\n[{self.message_id}]"

    def recorded_in(self, event_texts: Iterable[str | None]) -> bool:
        return any(self.message_id in (text or "") for text in event_texts)


def event_words(text: str) -> str:
    """A reply's event text as people read it, without the Message-ID `as_event` ends it with."""
    words, marker, tail = text.rpartition("\n[<")
    return words if marker and tail.endswith(">]") else text


ReplyHandler = Callable[["Services", str, IncomingReply], Awaitable[None]]
CaseLookup = Callable[[AsyncSession, int, int], Awaitable[object | None]]  # (session, year, sequence): the case or None


@dataclass(frozen=True)
class Workflow:
    """A workflow's part in the inbox: what it does with a reply, and how it tells its cases from
    mistyped numbers."""

    handle: ReplyHandler
    find: CaseLookup


_handlers: dict[str, Workflow] = {}


def register_reply_handler(prefix: str, handler: ReplyHandler, find: CaseLookup) -> None:
    """Route replies about cases whose number starts with `prefix` ("A-", "F-") to `handler`.
    `find(session, 2026, 42)` looks up the case A-2026-0042: a number in a subject may be mistyped,
    and a reply naming no case that exists is left unread for a person, like one that names none.

    Call it when your workflow's module is imported (jobs/<workflow>.py is imported at start-up).
    Replies that arrived before a handler existed wait, stored, and are dispatched once it does.
    """
    current = _handlers.get(prefix)
    if current is not None and current.handle is not handler:
        raise ValueError(f"replies for {prefix!r} already go to {current.handle.__qualname__}")
    _handlers[prefix] = Workflow(handler, find)


def workflow_for(ref: str) -> Workflow | None:
    matches = [prefix for prefix in _handlers if ref.startswith(prefix)]
    return _handlers[max(matches, key=len)] if matches else None


# --- reading and storing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    message_id: str
    from_address: str
    from_name: str
    subject: str
    text: str
    in_reply_to: str | None
    references: list[str]
    automatic: bool


async def fetch_new(services: Services) -> int:
    """Store every unseen message of the folder not read before, flagging the replies it hands to a
    case seen; returns how many were new."""
    settings = services.settings
    if not configured(settings):
        return 0
    stored = 0
    try:
        async with Mailbox(settings) as box:
            async with services.db.read() as session:
                after = await last_uid_read(session, box.where, box.uid_validity)
            for uid in (await box.unseen(after))[:MAX_PER_RUN]:
                row, new = await store(services, await box.fetch(uid), read_at=(box.where, box.uid_validity, int(uid)))
                stored += new
                if row.status not in LEFT_UNREAD:
                    await box.mark_seen(uid)
    except ImapError as exc:
        log.warning("inbox not read: %s", exc)
    return stored


async def store(
    services: Services, raw: bytes, read_at: tuple[str, int, int] | None = None
) -> tuple[InboxMessage, bool]:
    """One row per Message-ID: the row, and whether it is new. `read_at` (mailbox, UIDVALIDITY, UID)
    moves the mailbox's cursor past the message in the same unit of work."""
    parsed = parse(raw)
    now = services.now()
    async with services.db.write() as session:
        if read_at is not None:
            await advance_cursor(session, *read_at)
        known = await inbox_by_message_id(session, parsed.message_id)
        if known is not None:
            return known, False
        ours = await mail_by_message_ids(session, [parsed.message_id])
        mail = await mail_by_message_ids(session, [i for i in [parsed.in_reply_to, *parsed.references] if i])
        ref, matched_by = (mail.ref, "in_reply_to") if mail else (case_ref(parsed.subject), "subject")
        if ref is not None and matched_by == "subject":
            workflow = workflow_for(ref)
            _, year, seq = ref.split("-")
            if workflow is not None and await workflow.find(session, int(year), int(seq)) is None:
                ref = None  # a mistyped number: left for a person, as mail that names no case
        if ref is None:
            status, matched_by = ReplyStatus.UNMATCHED, None
        elif parsed.automatic or ours is not None:
            status = ReplyStatus.AUTOMATIC
        else:
            status = ReplyStatus.PENDING
        row = InboxMessage(
            message_id=parsed.message_id,
            from_address=parsed.from_address,
            from_name=parsed.from_name,
            subject=parsed.subject,
            text=parsed.text,
            received_at=now,
            in_reply_to=parsed.in_reply_to,
            reference_ids=" ".join(parsed.references),
            matched_ref=ref,
            matched_by=matched_by,
            status=status,
            raw=raw,
        )
        session.add(row)
        await session.flush()
        await audit.record(
            session,
            "mail.received",
            now=now,
            object_type="inbox",
            object_id=row.id,
            detail={"from": parsed.from_address, "subject": parsed.subject, "ref": ref, "status": row.status},
        )
    if row.status == ReplyStatus.UNMATCHED:
        log.warning(
            "e-mail from %s (%r) matches no case; stored as inbox #%s and left unread",
            row.from_address,
            row.subject,
            row.id,
        )
    elif row.status == ReplyStatus.AUTOMATIC:
        log.info(
            "automatic e-mail from %s (%r) stored as inbox #%s, not dispatched", row.from_address, row.subject, row.id
        )
    else:
        log.info("reply from %s for %s (by %s) stored as inbox #%s", row.from_address, ref, matched_by, row.id)
    return row, True


def case_ref(subject: str) -> str | None:
    found = CASE_REF.search(subject)
    return f"{found[1].upper()}-{found[2]}-{found[3]}" if found else None


def parse(raw: bytes) -> Parsed:
    """Never raises: a message too broken to read is still stored (raw), unmatched, for a person."""
    try:
        return _parse(raw)
    except Exception:
        log.exception("e-mail of %d bytes could not be parsed; stored as it is", len(raw))
        return Parsed(_content_id(raw), "", "", "", "", None, [], automatic=False)


def _content_id(data: bytes) -> str:
    return f"<sha256.{hashlib.sha256(data).hexdigest()[:40]}@vigia.inbox>"


def _parse(raw: bytes) -> Parsed:
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
    message_id = _first_id(_header(message, "Message-ID"))
    if message_id is None:  # no (usable) Message-ID: the content names it, so a re-read still dedupes
        message_id = _content_id(raw)
    elif len(message_id) > 500:
        message_id = _content_id(message_id.encode())
    name, address = parseaddr(_header(message, "From"))
    references = MESSAGE_ID.findall(_header(message, "References"))
    return Parsed(
        message_id=message_id,
        from_address=address.lower(),
        from_name=name,
        subject=" ".join(_header(message, "Subject").split()),
        text=reply_text(_body_text(message)),
        in_reply_to=_first_id(_header(message, "In-Reply-To")),
        references=list(reversed(references)),  # the newest first
        automatic=_automatic(message, address),
    )


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header too broken to parse: use the raw text
        value = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    return str(value or "")


def _first_id(value: str) -> str | None:
    found = MESSAGE_ID.search(value)
    return found[0] if found else None


def _automatic(message: EmailMessage, address: str) -> bool:
    """Out-of-office replies, bounces, list traffic: stored, never taken for a person's answer."""
    auto = _header(message, "Auto-Submitted").strip().lower()
    precedence = _header(message, "Precedence").strip().lower()
    local = address.partition("@")[0].lower()
    return (
        (auto not in ("", "no"))
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or bool(_header(message, "X-Autoreply") or _header(message, "X-Autorespond"))
        or message.get_content_type() == "multipart/report"
        or local in ("mailer-daemon", "postmaster")
    )


def _body_text(message: EmailMessage) -> str:
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        if body is None:
            return ""
        content = body.get_content()
    except (LookupError, ValueError, KeyError) as exc:  # unknown charset, broken encoding
        log.warning("e-mail body not readable (%s); stored without text", exc)
        return ""
    return html_text(content) if body.get_content_subtype() == "html" else content


def attachments_of(raw: bytes) -> tuple[Attachment, ...]:
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
    found = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            found.append(Attachment(part.get_filename() or "adjunto", part.get_content_type(), data))
    return tuple(found)


# --- the reply's own words ------------------------------------------------------------------------

ATTRIBUTION = re.compile(r"^\s*(On\s.*\swrote|El\s.*\sescribi[óo])\s*:\s*$", re.IGNORECASE | re.DOTALL)
SEPARATORS = (
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Mensaje original|Forwarded message|Mensaje reenviado)\s*-{2,}\s*$", re.I
    ),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above "From: ... Sent: ..."
)
HEADER_BLOCK = re.compile(r"^\s*\*?(From|De)\s*:\*?\s+\S", re.IGNORECASE)
HEADER_NEXT = re.compile(r"^\s*\*?(Sent|Enviado( el)?|Date|Fecha|To|Para)\s*:", re.IGNORECASE)
# Below the words, not part of them: a signature after the standard "-- " line (some clients trim its
# space), and what a phone's mail app adds ("Enviado desde mi iPhone", "Obtener Outlook para Android").
SIGNATURE = re.compile(r"^--\s*$")
FOOTER = re.compile(r"^\s*(Enviado desde mi|Sent from my|Obtener Outlook para|Get Outlook for)\s+\S", re.IGNORECASE)


def reply_text(body: str) -> str:
    """What the person wrote: everything above the quoted original, their signature or their phone's
    footer, without `>` lines."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if (
            ATTRIBUTION.match(line)
            or ATTRIBUTION.match(f"{line} {following}")  # an attribution wrapped over two lines
            or any(separator.match(line) for separator in (*SEPARATORS, SIGNATURE, FOOTER))
            or (HEADER_BLOCK.match(line) and HEADER_NEXT.match(following))
        ):
            cut = i
            break
    kept = [line.rstrip() for line in lines[:cut] if not line.lstrip().startswith(">")]
    text = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


class _TextOfHtml(HTMLParser):
    """Text of an HTML-only reply, leaving out quoted originals (<blockquote>, Gmail's quote div)."""

    BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table"})
    HIDDEN = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hides its content)

    @property
    def hidden(self) -> bool:
        return any(hides for _, hides in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        hides = tag in self.HIDDEN or tag == "blockquote" or "gmail_quote" in classes or "moz-cite-prefix" in classes
        if tag in self.BREAKS and not self.hidden:
            self.parts.append("\n")
        if tag not in ("br", "img", "hr", "meta", "link", "input"):
            self.stack.append((tag, hides))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break
        if tag in self.BREAKS and not self.hidden:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- dispatch ---------------------------------------------------------------------------------------


async def dispatch_due(services: Services) -> int:
    """Hand matched replies to their workflows; returns how many were handled (found work?)."""
    handled = 0
    now = services.now()
    async with services.db.read() as session:
        due = await due_replies(session, now)
    for reply in due:
        assert reply.id is not None and reply.matched_ref is not None
        workflow = workflow_for(reply.matched_ref)
        if workflow is None:
            log.debug("reply #%s for %s waits: no workflow handles that prefix yet", reply.id, reply.matched_ref)
            continue
        async with services.db.write() as session:
            if not await claim_reply(session, reply.id, now, now + LEASE):
                continue
        incoming = IncomingReply(
            inbox_id=reply.id,
            message_id=reply.message_id,
            ref=reply.matched_ref,
            matched_by=reply.matched_by or "",
            from_address=reply.from_address,
            from_name=reply.from_name,
            subject=reply.subject,
            text=reply.text,
            received_at=reply.received_at,
            attachments=attachments_of(reply.raw),
        )
        try:
            await workflow.handle(services, reply.matched_ref, incoming)
        except Exception as exc:  # a workflow's bug must not block the other replies
            log.exception("the handler of %s failed on inbox #%s", reply.matched_ref, reply.id)
            await _record_handler_failure(services, reply.id, f"{type(exc).__name__}: {exc}")
            continue
        async with services.db.write() as session:
            row = await session.get(InboxMessage, reply.id)
            assert row is not None
            row.status, row.handled_at, row.last_error = ReplyStatus.HANDLED, services.now(), None
            session.add(row)
        handled += 1
    return handled


async def _record_handler_failure(services: Services, reply_id: int, error: str) -> None:
    now = services.now()
    async with services.db.write() as session:
        row = await session.get(InboxMessage, reply_id)
        assert row is not None
        row.last_error = error[:ERROR_LENGTH]
        if row.attempts >= MAX_HANDLER_ATTEMPTS:
            row.status = ReplyStatus.FAILED
            await audit.record(
                session,
                "mail.reply_failed",
                now=now,
                object_type="inbox",
                object_id=row.id,
                detail={"ref": row.matched_ref, "from": row.from_address, "error": row.last_error},
            )
        else:
            row.next_attempt_at = now + HANDLER_BACKOFF * 2 ** (row.attempts - 1)
        session.add(row)


async def poll(services: Services) -> int:
    """The inbox job: read new mail, then dispatch whatever is due (also replies stored earlier)."""
    stored = await fetch_new(services)
    return stored + await dispatch_due(services)
