"""Reading the reply mailbox over IMAP: the standard library's imaplib, run in a worker thread.

Why imaplib and not aioimaplib: the inbox is polled once a minute for a handful of messages, so
a thread costs nothing; imaplib is the standard library (no dependency to track), has been used
against every server for decades, and its STARTTLS, SSL and literal handling are well trodden.
Each blocking call runs in `asyncio.to_thread` with a socket timeout, so the event loop never
waits on the network.

Messages are fetched with BODY.PEEK (which leaves them unseen) and flagged \\Seen only after the
caller has stored them: a crash in between fetches them again, and the store drops the copy. The
caller may leave a message unseen for a person: `unseen(after=...)` then skips what it has read.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import re
import ssl
from types import TracebackType

from bot.settings import Settings

TIMEOUT_S = 30
UID_LIST = re.compile(rb"\d+")


class ImapError(Exception):
    """The mailbox could not be read; the message never holds the password."""


def configured(settings: Settings) -> bool:
    return bool(settings.imap_host)


class Mailbox:
    """`async with Mailbox(settings) as box:` logs in and selects IMAP_FOLDER."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._imap: imaplib.IMAP4 | None = None
        self.uid_validity = 0  # the folder's UIDVALIDITY, read when it is selected

    @property
    def where(self) -> str:
        s = self.settings
        return f"{s.imap_username}@{s.imap_host}:{s.imap_port}/{s.imap_folder}"

    async def __aenter__(self) -> Mailbox:
        await self._call(self._open)
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        imap, self._imap = self._imap, None
        if imap is not None:
            await asyncio.to_thread(_logout, imap)

    async def unseen(self, after: int = 0) -> list[bytes]:
        """UIDs of the messages nobody has read yet past UID `after`, oldest first."""
        data = await self._call(self._command, "SEARCH", None, "UID", f"{after + 1}:*", "UNSEEN")
        uids = UID_LIST.findall(b" ".join(d for d in data if isinstance(d, bytes)))
        return [uid for uid in uids if int(uid) > after]  # "n:*" always holds the newest, even below n

    async def fetch(self, uid: bytes) -> bytes:
        """The whole message, without marking it seen."""
        data = await self._call(self._command, "FETCH", uid, "(BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        raise ImapError(f"{self.where}: message {uid.decode()} has no body (deleted meanwhile?)")

    async def mark_seen(self, uid: bytes) -> None:
        await self._call(self._command, "STORE", uid, "+FLAGS", "(\\Seen)")

    async def _call(self, function, *args):  # type: ignore[no-untyped-def]
        try:
            return await asyncio.to_thread(function, *args)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError(f"{self.where}: {_describe(exc)}") from None

    def _open(self) -> None:
        s = self.settings
        assert s.imap_host is not None
        context = ssl.create_default_context()
        if s.imap_security == "tls":
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(s.imap_host, s.imap_port, ssl_context=context, timeout=TIMEOUT_S)
        else:
            imap = imaplib.IMAP4(s.imap_host, s.imap_port, timeout=TIMEOUT_S)
        try:
            if s.imap_security == "starttls":
                imap.starttls(context)
            password = s.imap_password.get_secret_value() if s.imap_password else ""
            user = s.imap_username or ""
            try:
                if (user + password).isascii():
                    imap.login(user, password)
                else:  # LOGIN is ASCII-only; AUTHENTICATE PLAIN carries UTF-8
                    imap.authenticate("PLAIN", lambda _: f"\0{user}\0{password}".encode())
            except imaplib.IMAP4.error as exc:
                raise imaplib.IMAP4.error(f"login refused ({_describe(exc)})") from None
            status, data = imap.select(_quoted(s.imap_folder))
            if status != "OK":
                raise imaplib.IMAP4.error(f"cannot open the folder: {_text(data)}")
            _, validity = imap.response("UIDVALIDITY")
            self.uid_validity = int(validity[0]) if validity and validity[0] else 0
        except BaseException:
            _logout(imap)
            raise
        self._imap = imap

    def _command(self, command: str, *args: object) -> list:
        assert self._imap is not None
        status, data = self._imap.uid(command, *args)  # type: ignore[arg-type]
        if status != "OK":
            raise imaplib.IMAP4.error(f"UID {command}: {status} {_text(data)}")
        return data


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _logout(imap: imaplib.IMAP4) -> None:
    try:
        imap.logout()
    except (imaplib.IMAP4.error, OSError):
        with contextlib.suppress(OSError):
            imap.shutdown()


def _text(data: list) -> str:
    return " ".join(d.decode(errors="replace") if isinstance(d, bytes) else str(d) for d in data)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
