"""The `vigia` command: run the bot and the few operations an administrator does by hand.

Exit codes: 0 fine, 1 the operation failed (e.g. tampered audit log), 2 bad configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import TelegramError

from bot import access, audit, backup, doctor, informes, siram
from bot.app import build_application
from bot.directory import sync_directory
from bot.errors import ConfigError
from bot.fallas_bitacora import documents
from bot.logs import setup_logging
from bot.reporte.model import Period
from bot.services import Services
from bot.settings import ENV_FILE, load_settings, webhook_problems
from bot.unit_config import load_unit_config
from storage.db import Database
from storage.mail import undelivered
from storage.notices import undelivered as undelivered_notices

NOTICES_FAILED_SHOWN = timedelta(days=7)  # `vigia outbox`: older refusals are history, not news


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        services = _load(args)
    except ConfigError as exc:
        print("Vigía cannot start; fix the configuration:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    setup_logging(services.settings.log_level, services.secrets)
    return args.action(services, args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigia", description="Vigía, the UTMV operations bot")
    parser.add_argument("--env-file", default=ENV_FILE, help="environment file (default: .env)")
    parser.add_argument("--config", type=Path, help="unit file; overrides VIGIA_CONFIG")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="run the bot (long polling, or --webhook behind a reverse proxy)")
    run.add_argument("--webhook", action="store_true", help="receive updates on WEBHOOK_URL instead of polling")
    run.set_defaults(action=_run)
    commands.add_parser("check-config", help="validate .env and the unit file").set_defaults(action=_check_config)
    invite = commands.add_parser("invite", help="print a one-time link that binds a person's Telegram account")
    invite.add_argument("person", help="the person's id in the unit file")
    invite.add_argument("--hours", type=float, default=24, help="how long the link works (default 24)")
    invite.set_defaults(action=_invite)
    audit_parser = commands.add_parser("audit", help="audit log operations").add_subparsers(required=True)
    audit_parser.add_parser("verify", help="check the hash chain").set_defaults(action=_audit_verify)
    bitacora = commands.add_parser("bitacora", help="write a month's fault log (Bitácora de Fallas)")
    bitacora.add_argument("--mes", required=True, type=_month, help="AAAA-MM")
    bitacora.add_argument("--out", required=True, type=_document, help="FILE.xlsx or FILE.pdf")
    bitacora.set_defaults(action=_bitacora)
    report = commands.add_parser(
        "report", help="write a 15-day report: its newest version, or a preliminary one of the records"
    )
    report.add_argument("--periodo", required=True, type=_period, help="AAAA-MM-Q1 or AAAA-MM-Q2")
    report.add_argument("--out", required=True, type=_document, help="FILE.pdf or FILE.xlsx")
    report.set_defaults(action=_report)
    commands.add_parser(
        "outbox", help="show the mail and Telegram notices that have not gone out, and why"
    ).set_defaults(action=_outbox)
    siram_parser = commands.add_parser("siram", help="SIRAM plate reads").add_subparsers(required=True)
    siram_import = siram_parser.add_parser("import", help="import a SIRAM export (CSV), all or nothing")
    siram_import.add_argument("file", type=Path, help="the CSV file")
    siram_import.set_defaults(action=_siram_import)
    db_parser = commands.add_parser("db", help="database operations").add_subparsers(required=True)
    db_parser.add_parser("upgrade", help="apply pending migrations").set_defaults(action=_db_upgrade)
    doctor_parser = commands.add_parser("doctor", help="check the database, Telegram, mail servers and every camera")
    doctor_parser.add_argument("--timeout", type=float, default=doctor.TIMEOUT_S, help="seconds per check (default 10)")
    doctor_parser.set_defaults(action=_doctor)
    backup_parser = commands.add_parser("backup", help="copy the database and the evidence files, with their hashes")
    backup_parser.add_argument("--out", required=True, type=Path, help="a new or empty folder")
    backup_parser.set_defaults(action=_backup)
    restore = commands.add_parser("restore", help="put a backup back in place, after checking its hashes")
    restore.add_argument("--from", dest="source", required=True, type=Path, help="the backup's folder")
    restore.add_argument("--force", action="store_true", help="replace an existing database")
    restore.set_defaults(action=_restore)
    return parser


def _doctor(services: Services, args: argparse.Namespace) -> int:
    return _with_db(services, partial(doctor.doctor_command, services, args.timeout))


def _backup(services: Services, args: argparse.Namespace) -> int:
    return _with_db(services, partial(backup.backup_command, services, args.out))


def _restore(services: Services, args: argparse.Namespace) -> int:
    return _with_db(services, partial(backup.restore_command, services, args.source, args.force))


def _load(args: argparse.Namespace) -> Services:
    settings = load_settings(args.env_file)
    if args.config:
        settings = settings.model_copy(update={"config_path": args.config})
    unit = load_unit_config(settings.config_path)
    return Services(settings=settings, unit=unit, db=Database(settings.database_url_or_default))


def _run(services: Services, args: argparse.Namespace) -> int:
    """Until SIGINT/SIGTERM; updates that arrived while we were down are processed either way."""
    app, settings = build_application(services), services.settings
    if not args.webhook:
        app.run_polling()
        return 0
    problems = webhook_problems(settings)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    app.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
    )
    return 0


def _check_config(services: Services, _args: argparse.Namespace) -> int:
    unit = services.unit
    print(
        f"{services.settings.config_path}: OK: {len(unit.people)} people, {len(unit.sites)} sites, "
        f"{len(unit.cameras)} cameras, {len(unit.shifts)} shifts; database {services.db.safe_url}"
    )
    return 0


def _invite(services: Services, args: argparse.Namespace) -> int:
    async def work() -> int:
        await _prepare(services)
        person = services.unit.person(args.person)
        if person is None:
            print(f"no person {args.person!r} in {services.settings.config_path}", file=sys.stderr)
            return 1
        now = services.now()
        code, _ = await access.create_invite(services.db, args.person, now=now, valid_for=timedelta(hours=args.hours))
        until = (now + timedelta(hours=args.hours)).astimezone(services.settings.tz)
        print(
            f"Invitation for {person.name} ({person.role}), valid once until {until:%Y-%m-%d %H:%M} "
            f"{services.settings.timezone}:"
        )
        username = await _bot_username(services)
        if username:
            print(f"  https://t.me/{username}?start={code}")
        print(f"  or, in a private chat with the bot: /start {code}")
        return 0

    return _with_db(services, work)


def _audit_verify(services: Services, _args: argparse.Namespace) -> int:
    async def work() -> int:
        result = await audit.verify(services.db)
        if result.intact:
            print(f"audit log intact: {result.checked} rows")
            return 0
        print(
            f"audit log TAMPERED at row {result.first_bad_id}: {result.reason} "
            f"({result.checked} rows before it are intact)"
        )
        return 1

    return _with_db(services, work)


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2026-11") from None


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _document(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".pdf", ".xlsx"):
        raise argparse.ArgumentTypeError(f"{text!r} must end in .pdf or .xlsx (the kind of document to write)")
    return path


def _report(services: Services, args: argparse.Namespace) -> int:
    """The newest version issued, exactly as the chief got it (observations, hash); a period with no
    version yet, or still running, is written from the records as a preliminary copy, kept nowhere."""

    async def work() -> int:
        await _prepare(services)
        report = await informes.latest(services, args.periodo)
        if report is not None:
            files = await informes.stored(services, report)
            what = f"version {report.version}" + (" (approved)" if report.approved_at else "")
        else:
            files, what = (await informes.preview(services, args.periodo)).files(), "preliminary, from the records"
        data = next(file.data for file in files if file.filename.endswith(args.out.suffix.lower()))
        args.out.write_bytes(data)
        print(f"{args.out}: report R-{args.periodo.code}, {what}, {len(data)} bytes")
        return 0

    return _with_db(services, work)


def _bitacora(services: Services, args: argparse.Namespace) -> int:
    async def work() -> int:
        await _prepare(services)
        files, count = await documents(services, args.mes)
        data = next(content for name, content in files if name.endswith(args.out.suffix.lower()))
        args.out.write_bytes(data)
        print(f"{args.out}: bitácora {args.mes:%Y-%m}, {count} faults, {len(data)} bytes")
        return 0

    return _with_db(services, work)


def _outbox(services: Services, _args: argparse.Namespace) -> int:
    async def work() -> int:
        await services.db.upgrade()
        async with services.db.read() as session:
            mails = await undelivered(session)
        tz = services.settings.tz
        for mail in mails:
            when = "-" if mail.status == "failed" else f"{mail.next_attempt_at.astimezone(tz):%d/%m %H:%M}"
            print(
                f"#{mail.id} {mail.ref} {mail.status} queued {mail.created_at.astimezone(tz):%d/%m %H:%M} "
                f"attempts {mail.attempts} next {when} to {', '.join(mail.to)}: {mail.subject}"
            )
            print(f"    last error: {mail.last_error or '-'}")
        print(f"{len(mails)} mail(s) pending or failed")
        async with services.db.read() as session:
            owed = await undelivered_notices(session, services.now() - NOTICES_FAILED_SHOWN)
        for notice in owed:
            status = "failed" if notice.failed_at else "pending"
            print(
                f"telegram #{notice.id} {notice.key} {status} queued {notice.created_at.astimezone(tz):%d/%m %H:%M} "
                f"attempts {notice.attempts} to chat {notice.chat_id}"
            )
            print(f"    last error: {notice.last_error or '-'}")
        print(f"{len(owed)} Telegram notice(s) pending or failed in the last {NOTICES_FAILED_SHOWN.days} days")
        return 0

    return _with_db(services, work)


def _siram_import(services: Services, args: argparse.Namespace) -> int:
    """Prints the reads added, or the first bad line; a file imported before adds nothing."""

    async def work() -> int:
        await services.db.upgrade()
        try:
            result = await siram.import_file(services, args.file, "cli")
        except siram.SiramFileError as exc:
            print(f"{args.file}: {exc}; nothing was imported", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"{args.file}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        if result.duplicate:
            earlier = result.duplicate_of
            assert earlier is not None
            print(
                f"{args.file}: already imported on {earlier.imported_at.astimezone(services.tz):%Y-%m-%d %H:%M} "
                f"as import #{earlier.id} ({earlier.file_name}, {earlier.rows} reads); nothing added"
            )
            return 0
        print(f"{args.file}: {result.rows} reads imported (import #{result.import_id})")
        return 0

    return _with_db(services, work)


def _db_upgrade(services: Services, _args: argparse.Namespace) -> int:
    async def work() -> int:
        await _prepare(services)
        print(f"database {services.db.safe_url} is at the latest schema")
        return 0

    return _with_db(services, work)


async def _prepare(services: Services) -> None:
    await services.db.upgrade()
    await sync_directory(services.db, services.unit, now=services.now())


def _with_db(services: Services, work: Callable[[], Awaitable[int]]) -> int:
    async def wrapped() -> int:
        try:
            return await work()
        finally:
            await services.db.dispose()
            await services.cameras.aclose()

    return asyncio.run(wrapped())


async def _bot_username(services: Services) -> str | None:
    settings = services.settings
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_base_url or "https://api.telegram.org/bot",
        base_file_url=settings.telegram_base_file_url or "https://api.telegram.org/file/bot",
    )
    try:
        async with bot:
            return bot.username
    except TelegramError as exc:
        logging.getLogger(__name__).warning("Telegram unreachable (%s); the link needs the bot's username", exc)
        return None
