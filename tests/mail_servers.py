"""Real mail servers for the tests: an SMTP server (aiosmtpd) and an IMAP server (Dovecot).

- `smtp_server`: aiosmtpd on 127.0.0.1, a free port, in the test's own event loop, collecting what
  it accepts. Switches: `stop()`/`start()` (connections refused meanwhile, same port), `hang_up`
  (accepts the connection and closes it at once), `refuse_recipients` (RCPT answers), `data_answer`
  (the DATA answer, e.g. "451 ..."), `hold_data` (a mail on its way until the test releases it),
  `connections` (how many were opened). `smtp_server_with_auth` demands AUTH (user/password below).
  Tests wait with `await smtp_server.wait_for(n)`: a condition, never a sleep.
- `dovecot`: one Dovecot per test session, unprivileged (as `nobody` when the tests run as root),
  with its own configuration, passwd-file and maildirs in a temporary directory, no SSL. The test
  binds the listening socket itself and hands it over by socket activation (LISTEN_FDS), so the
  port is known and accepting before Dovecot has even started: nothing to wait for, no port race.
- `imap_account`: a fresh mailbox per test on that server; `await account.deliver(raw)` puts a
  message in its INBOX with IMAP APPEND (unseen, as a new mail arrives), `await account.unseen()`;
  `await account.rebuild(folder, messages)` deletes and remakes a folder (a new UIDVALIDITY).
- `mail_bot`: the `bot` harness with SMTP_* and IMAP_* pointed at those servers.

Without Dovecot installed the IMAP tests are skipped, except under CI, where they must run.
"""

from __future__ import annotations

import asyncio
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import warnings
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.harness import BotHarness

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
SMTP_USER = "vigia-smtp"
SMTP_PASSWORD = "smtp-Secret-4711"
IMAP_PASSWORD = "imap-Secret-0815"
SENDER = "Vigía UTMV <vigia@aduana.example.sv>"
WAIT_S = 5
ACCOUNTS = 100  # IMAP users of the session's Dovecot, one per test that asks for a mailbox
UTF8_ACCOUNT, UTF8_PASSWORD = "vigia-utf8", "contraseña-Ñandú"  # one more, whose password is not ASCII


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.raw)  # type: ignore[return-value]


class _HangUp(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


def reply_to(sent: EmailMessage, sender: str, body: str) -> EmailMessage:
    """What a mail client sends when `sender` answers `sent`: its subject with RE:, In-Reply-To it."""
    reply = EmailMessage()
    reply["From"], reply["To"] = sender, sent["From"]
    reply["Subject"], reply["Message-ID"] = f"RE: {sent['Subject']}", make_msgid()
    reply["In-Reply-To"] = sent["Message-ID"]
    reply.set_content(body)
    return reply


@dataclass
class SmtpServer:
    username: str | None = None
    password: str | None = None
    port: int = 0
    received: list[Received] = field(default_factory=list)
    refuse_recipients: dict[str, str] = field(default_factory=dict)  # address -> "550 5.1.1 ..."
    data_answer: str | None = None  # instead of accepting the DATA: "451 4.3.0 Try again later"
    hang_up: bool = False
    hold_data: asyncio.Event | None = None  # DATA is taken, then answered only once this is set
    connections: int = 0
    logins: list[str] = field(default_factory=list)
    _server: asyncio.AbstractServer | None = None
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """An outage: connections to the port are refused until `start()`."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def wait_for(self, count: int) -> list[Received]:
        async with asyncio.timeout(WAIT_S), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return self.received

    def _protocol(self) -> asyncio.Protocol:
        self.connections += 1
        if self.hang_up:
            return _HangUp()
        with warnings.catch_warnings():  # "AUTH without TLS": on 127.0.0.1, for a test, that is the point
            warnings.simplefilter("ignore", UserWarning)
            return SMTP(
                self,
                hostname="smtp.test",  # never socket.getfqdn(): a DNS lookup per connection
                auth_required=self.username is not None,
                auth_require_tls=False,
                authenticator=self._authenticate,
            )

    def _authenticate(
        self, _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == (
            self.username,
            self.password,
        )
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)  # handled=True would mean "I answered already"

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: list[str]
    ) -> str:
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        if self.data_answer:
            return self.data_answer
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        async with self._arrived:
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), content))
            self._arrived.notify_all()
        if self.hold_data is not None:
            await self.hold_data.wait()
        return "250 2.0.0 Queued"


@pytest.fixture
async def smtp_server() -> AsyncIterator[SmtpServer]:
    server = SmtpServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def smtp_server_with_auth() -> AsyncIterator[SmtpServer]:
    server = SmtpServer(username=SMTP_USER, password=SMTP_PASSWORD)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


# --- Dovecot ----------------------------------------------------------------------------------------

DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = {uid}
last_valid_uid = {uid}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
  # no auth penalty (seconds of delay for the next logins) after the wrong-password test
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


# Socket activation, as systemd does it: our listening socket becomes fd 3 (the first one
# sd_listen_fds() hands out) and LISTEN_PID names the shell, which execs Dovecot (same pid). bash, not
# sh: dash cannot redirect from a descriptor above 9.
SOCKET_ACTIVATION = 'export LISTEN_FDS=1 LISTEN_PID=$$; exec "$0" "$@" 3<&{fd}'


@dataclass
class ImapAccount:
    server: DovecotServer
    username: str
    password: str = IMAP_PASSWORD

    def _session(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.server.port, timeout=WAIT_S)
        credentials = f"\0{self.username}\0{self.password}".encode()
        imap.authenticate("PLAIN", lambda _: credentials)  # UTF-8, unlike LOGIN
        return imap

    def _append(self, raw: bytes, folder: str) -> None:
        imap = self._session()
        try:
            status, data = imap.append(folder, "", None, raw)  # type: ignore[arg-type]
            assert status == "OK", data
        finally:
            imap.logout()

    def _unseen(self, folder: str) -> list[bytes]:
        imap = self._session()
        try:
            imap.select(folder)
            status, data = imap.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
            assert status == "OK", data
            return data[0].split()
        finally:
            imap.logout()

    def _rebuild(self, folder: str, messages: list[bytes]) -> int:
        imap = self._session()
        try:
            imap.delete(folder)  # NO when it does not exist yet: then it is only made
            status, data = imap.create(folder)
            assert status == "OK", data
            for raw in messages:
                status, data = imap.append(folder, "", None, raw)  # type: ignore[arg-type]
                assert status == "OK", data
            status, data = imap.status(folder, "(UIDVALIDITY)")
            assert status == "OK", data
            return int(data[0].decode().rpartition("UIDVALIDITY ")[2].rstrip(")"))
        finally:
            imap.logout()

    async def rebuild(self, folder: str, messages: Iterable[bytes] = ()) -> int:
        """The folder deleted and made again holding `messages`, unseen (copied back without their
        flags): Dovecot gives it a new UIDVALIDITY and numbers the messages again from 1. Returns
        the new UIDVALIDITY. Also makes a folder that does not exist yet."""
        return await asyncio.to_thread(self._rebuild, folder, list(messages))

    async def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """A new, unseen message in the folder (IMAP APPEND, as a mail server's delivery would)."""
        await asyncio.to_thread(self._append, raw, folder)

    async def unseen(self, folder: str = "INBOX") -> list[bytes]:
        return await asyncio.to_thread(self._unseen, folder)


@dataclass
class DovecotServer:
    root: Path
    port: int
    process: subprocess.Popen
    accounts: int = 0

    def add_account(self) -> ImapAccount:
        """The next unused user, with an empty mailbox. The users are all written at start-up: Dovecot
        re-reads a changed passwd-file at most once a second, too late for a user added just now."""
        self.accounts += 1
        assert self.accounts <= ACCOUNTS, f"raise tests.mail_servers.ACCOUNTS above {ACCOUNTS}"
        return ImapAccount(self, f"vigia{self.accounts}")

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run installs the Debian packages the mail tests need")
    pytest.skip(f"{reason} (apt-get install dovecot-imapd, as .ci/run does)")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    if not Path(DOVECOT).exists():
        _missing("Dovecot is not installed")
    # As root, Dovecot would want its login processes under a dedicated user: run the whole
    # instance as `nobody` instead, in a directory it owns. As anyone else, run it as that user.
    as_root = os.geteuid() == 0
    account = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.getuid())
    uid, gid = account.pw_uid, account.pw_gid
    root = Path(tempfile.mkdtemp(prefix="vigia-dovecot-"))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    (root / "dovecot.conf").write_text(
        DOVECOT_CONF.format(
            root=root, port=port, uid=uid, gid=gid, user=account.pw_name, group=grp.getgrgid(gid).gr_name
        ),
        encoding="utf-8",
    )
    users = "".join(f"vigia{n}:{{PLAIN}}{IMAP_PASSWORD}\n" for n in range(1, ACCOUNTS + 1))
    users += f"{UTF8_ACCOUNT}:{{PLAIN}}{UTF8_PASSWORD}\n"
    (root / "passwd").write_text(users, encoding="utf-8")
    if as_root:
        for path in (root, root / "dovecot.conf", root / "passwd"):
            os.chown(path, uid, gid)
    fd = listener.fileno()
    privileges: dict[str, Any] = {"user": uid, "group": gid, "extra_groups": []} if as_root else {}
    process = subprocess.Popen(
        ["/bin/bash", "-c", SOCKET_ACTIVATION.format(fd=fd), DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        pass_fds=(fd,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **privileges,
    )
    listener.close()  # Dovecot holds it now
    server = DovecotServer(root, port, process)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> ImapAccount:
    return dovecot.add_account()


# --- the bot, wired to them -------------------------------------------------------------------------


def point_at(bot: BotHarness, smtp: SmtpServer | None = None, imap: ImapAccount | None = None, **extra: Any) -> None:
    """Point the running bot's SMTP_*/IMAP_* settings at the test servers (jobs read them each run)."""
    values: dict[str, Any] = {}
    if smtp is not None:
        values |= {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp.port,
            "SMTP_FROM": SENDER,
            "SMTP_SECURITY": "none",
            "SMTP_USERNAME": smtp.username,
            "SMTP_PASSWORD": smtp.password,
        }
    if imap is not None:
        values |= {
            "IMAP_HOST": "127.0.0.1",
            "IMAP_PORT": imap.server.port,
            "IMAP_USERNAME": imap.username,
            "IMAP_PASSWORD": imap.password,
            "IMAP_SECURITY": "none",
        }
    values |= extra
    current = bot.services.settings.model_dump(by_alias=True)
    settings = type(bot.services.settings)(_env_file=None, **(current | values))  # type: ignore[call-arg]
    bot.services.settings = bot.settings = settings


@pytest.fixture
def mail_bot(bot: BotHarness, smtp_server: SmtpServer) -> BotHarness:
    point_at(bot, smtp_server)
    return bot
