"""`vigia doctor`: does everything this deployment depends on answer, right now?

An administrator runs it after installing, after changing `.env` or the unit file, and when the
bot misbehaves: one table tells the database, Telegram, the mail servers and every camera apart.
Each check is a small coroutine returning a `Check`; they all run at once, each under its own
deadline, so a hung server costs its timeout and nothing more. Nothing is changed: no migration
is applied, no mail is sent, no message is posted, no evidence is kept.

Details are redacted with the log filter's `redact` before they are printed, because libraries
put tokens in their errors (python-telegram-bot's InvalidToken quotes the whole token).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Connection
from telegram import Bot, ChatMemberAdministrator
from telegram.error import InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from bot import group_migration
from bot.cameras.capture import CameraUnavailable
from bot.cameras.service import CaptureService
from bot.logs import redact
from bot.mail import imap, smtp
from bot.services import Services
from bot.settings import Settings
from storage.db import Database, alembic_config

TIMEOUT_S = 10.0  # per check; cameras have their own capture deadline


class Status(StrEnum):
    OK = "OK"
    FAIL = "FAIL"
    SKIPPED = "SKIPPED"  # not configured (or a disabled camera): nothing to check


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    seconds: float = 0.0


class Broken(Exception):
    """A check's verdict in words fit to print (no URL with credentials, no secret)."""


async def doctor_command(services: Services, timeout_s: float) -> int:
    """Print the table; exit code 1 when anything that is configured does not work.

    Flushed at once: a thread still blocked on a hung IMAP server (imaplib has only its socket
    timeout, `imap.TIMEOUT_S`) holds the process's exit, but not the answer."""
    checks = await run_checks(services, timeout_s)
    print(render(checks, services.secrets), flush=True)
    return 1 if any(check.status is Status.FAIL for check in checks) else 0


async def run_checks(services: Services, timeout_s: float = TIMEOUT_S) -> list[Check]:
    """Every check at once; the slowest one (or its timeout) is how long the doctor takes."""
    settings = services.settings
    single = asyncio.gather(
        check_configuration(services),
        check_database(services.db, timeout_s),
        check_group(services, timeout_s),
        check_telegram(settings, services.unit.group.chat_id, timeout_s),
        check_smtp(settings, timeout_s),
        check_imap(settings, timeout_s),
    )
    singles, cameras = await asyncio.gather(single, check_cameras(services))
    return [*singles, *cameras]


async def _timed(name: str, probe: Callable[[], Awaitable[str]], timeout_s: float) -> Check:
    """Run one probe under its deadline. Any exception is a FAIL with its text: a doctor that
    crashed on the one broken thing would hide everything else it was asked about."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout_s):
            detail = await probe()
    except TimeoutError:
        return Check(name, Status.FAIL, f"no answer within {timeout_s:g} s", time.monotonic() - started)
    except Exception as exc:
        return Check(name, Status.FAIL, str(exc) or type(exc).__name__, time.monotonic() - started)
    return Check(name, Status.OK, detail, time.monotonic() - started)


async def check_configuration(services: Services) -> Check:
    """Loading already validated `.env` and the unit file (or the doctor would not be running)."""
    unit = services.unit
    enabled = sum(1 for camera in unit.cameras if camera.enabled)
    detail = (
        f"{services.settings.config_path}: {len(unit.people)} people, {len(unit.sites)} sites, "
        f"{enabled} of {len(unit.cameras)} cameras enabled, {len(unit.shifts)} shifts"
    )
    return Check("configuration", Status.OK, detail)


async def check_database(db: Database, timeout_s: float) -> Check:
    return await _timed("database", partial(_database_state, db), timeout_s)


async def _database_state(db: Database) -> str:
    if _no_sqlite_file(db):
        return f"{db.safe_url}: no database yet; vigia run (or vigia db upgrade) creates it"
    async with db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        return f"{db.safe_url}: {await connection.run_sync(_schema_state)}"


async def check_group(services: Services, timeout_s: float) -> Check:
    """The unit file's group id against the moves the bot recorded (bot/group_migration.py): a group
    that became a supergroup keeps working, but the unit file must learn the new id."""
    if _no_sqlite_file(services.db):
        return Check("group", Status.SKIPPED, "no database yet: nothing recorded")
    return await _timed("group", partial(_group_state, services), timeout_s)


async def _group_state(services: Services) -> str:
    configured = services.unit.group.chat_id
    if await services.db.pending_migrations():
        return f"group.chat_id {configured} (the schema is not current: moves not checked)"
    moved = await group_migration.moved_to(services, configured)
    if moved is not None:
        raise Broken(
            f"the group {configured} became the supergroup {moved}: set group.chat_id: {moved} in the unit file "
            "(the bot follows it meanwhile)"
        )
    return f"group.chat_id {configured}"


def _no_sqlite_file(db: Database) -> bool:
    """Connecting would create an empty file, and a later `vigia restore` would then refuse to
    replace that "existing" database: the doctor looks without touching."""
    return db.url.get_backend_name() == "sqlite" and not Path(db.url.database or "").exists()


def _schema_state(connection: Connection) -> str:
    """Pending migrations are not a failure: `vigia run` applies them first. A revision this code
    does not know is: the database was upgraded by a newer Vigía, and this one would misread it."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return f"schema at {head} (latest)"
    try:
        script.get_revision(current)
    except CommandError:
        raise Broken(f"schema at {current}, unknown to this version of Vigía (latest {head})") from None
    pending = len(list(script.iterate_revisions(head, current or "base")))
    return f"schema at {current or 'nothing (empty)'}, {pending} migration(s) pending: vigia db upgrade applies them"


async def check_telegram(settings: Settings, group_id: int, timeout_s: float) -> Check:
    return await _timed("telegram", partial(_get_me, settings, group_id, timeout_s), timeout_s)


async def _get_me(settings: Settings, group_id: int, timeout_s: float) -> str:
    """The token works, and the bot is an administrator of the group who may pin: without that right
    the consignas board is posted but not pinned, and nobody finds it at the top of the group."""
    request = HTTPXRequest(connect_timeout=timeout_s, read_timeout=timeout_s)
    urls = {"base_url": settings.telegram_base_url, "base_file_url": settings.telegram_base_file_url}
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        request=request,
        **{name: url for name, url in urls.items() if url},  # type: ignore[arg-type]
    )
    where = settings.telegram_base_url or "https://api.telegram.org/bot"  # PTB appends the token
    me = where
    try:
        async with bot:
            me = f"@{bot.username} (id {bot.id}) at {where}"
            member = await bot.get_chat_member(group_id, bot.id)
    except InvalidToken:  # its message quotes the token
        raise Broken(f"{where} refused the token: check TELEGRAM_BOT_TOKEN (revoked in @BotFather?)") from None
    except TelegramError as exc:
        if me == where:
            raise Broken(f"{where}: {exc}") from None
        raise Broken(
            f"{me}, but the group {group_id} answers: {exc} (is group.chat_id right, the bot in it?)"
        ) from None
    if not isinstance(member, ChatMemberAdministrator) or not member.can_pin_messages:
        raise Broken(
            f"{me}, but in the group {group_id} it may not pin messages: make it an administrator with "
            '"Pin messages" (the consignas board is pinned)'
        )
    return f"{me}, administrator of the group {group_id}"


async def check_smtp(settings: Settings, timeout_s: float) -> Check:
    if not smtp.configured(settings):
        return Check("smtp", Status.SKIPPED, "SMTP_HOST or SMTP_FROM not set: mail stays queued")
    return await _timed("smtp", partial(_smtp_login, settings), timeout_s)


async def _smtp_login(settings: Settings) -> str:
    """The outbox's own connection code (security per SMTP_SECURITY, never falling back to clear
    text, then the login), so the doctor fails exactly when delivery would; then QUIT, no mail."""
    transport = smtp.SmtpTransport(settings)
    client = await transport._connect()
    await client.quit()
    login = f"logged in as {settings.smtp_username}" if settings.smtp_username else "no login configured"
    return f"{transport.where} ({settings.smtp_security}): {login}"


async def check_imap(settings: Settings, timeout_s: float) -> Check:
    if not imap.configured(settings):
        return Check("imap", Status.SKIPPED, "IMAP_HOST not set: replies are not read")
    return await _timed("imap", partial(_imap_login, settings), timeout_s)


async def _imap_login(settings: Settings) -> str:
    """Log in and select the folder as the inbox job does, then log out; nothing is marked seen."""
    mailbox = imap.Mailbox(settings)
    async with mailbox:
        pass
    return f"{mailbox.where} ({settings.imap_security}): logged in, folder opened"


async def check_cameras(services: Services) -> list[Check]:
    """One snapshot per enabled camera through the capture service, all at once; a hung camera
    costs the capture deadline (open + read timeout + 0.5 s), as it would for /foto."""
    cameras = services.cameras
    enabled = [check_camera(cameras, camera.code) for camera in services.unit.cameras if camera.enabled]
    disabled = [
        Check(f"camera {camera.code}", Status.SKIPPED, "disabled in the unit file")
        for camera in services.unit.cameras
        if not camera.enabled
    ]
    return [*await asyncio.gather(*enabled), *disabled]


async def check_camera(cameras: CaptureService, code: str) -> Check:
    return await _timed(f"camera {code}", partial(_snapshot, cameras, code), cameras.deadline_s + 1)


async def _snapshot(cameras: CaptureService, code: str) -> str:
    where = cameras.source(code).safe_url
    try:
        frame = await cameras.snapshot(code)
    except CameraUnavailable as exc:  # its text never carries a URL
        raise Broken(f"{where}: {exc}") from None
    height, width = frame.image.shape[:2]
    return f"{where}: {width}x{height}"


def render(checks: Iterable[Check], secrets: Iterable[str] = ()) -> str:
    """The table, with every detail passed through the log filter's redaction."""
    secrets = list(secrets)
    rows = [("check", "result", "detail")]
    for check in checks:
        detail = check.detail if check.status is Status.SKIPPED else f"{check.detail} ({check.seconds:.2f} s)"
        rows.append((check.name, check.status.value, redact(detail, secrets)))
    name_width = max(len(row[0]) for row in rows)
    status_width = max(len(row[1]) for row in rows)
    lines = (f"{name:<{name_width}}  {status:<{status_width}}  {detail}" for name, status, detail in rows)
    return "\n".join(line.rstrip() for line in lines)
