"""`vigia doctor` against real parts: the fake Bot API, aiosmtpd, Dovecot, an RTSP camera and a hung one."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory

from bot import group_migration
from bot.doctor import Check, Status, check_database, check_group, doctor_command, run_checks
from bot.services import Services
from bot.settings import Settings
from bot.unit_config import load_unit_config
from storage.db import Database, alembic_config
from tests.cameras_fixtures import RtspServer
from tests.conftest import TEST_ENV, UNIT_YAML
from tests.fake_telegram import FakeTelegram
from tests.harness import GROUP_ID
from tests.mail_servers import IMAP_PASSWORD, SENDER, SMTP_PASSWORD, SMTP_USER, ImapAccount, SmtpServer
from tests.test_cli import environment, vigia

OPEN_S = READ_S = 1.0
DEADLINE_S = OPEN_S + READ_S + 0.5  # the capture service's deadline for one snapshot
WRONG_SMTP_PASSWORD = "wrong-Secret-9999"
CREDENTIALS = 'username: u, password: "${CAM_PASSWORD}"'
CAMERA_LINE = UNIT_YAML.split("cameras:\n", 1)[1].split("\n", 1)[0]


def unit_yaml(cameras: dict[str, str]) -> str:
    """The shared unit file with these cameras (code -> RTSP URL) plus a disabled one, and short
    capture timeouts so the hung camera's deadline is small."""
    lines = [
        f'  - {{code: {code}, name: {code}, site: hachadura, rtsp_url: "{url}", {CREDENTIALS}}}'
        for code, url in cameras.items()
    ]
    lines.append('  - {code: apagada, name: Apagada, site: hachadura, rtsp_url: "rtsp://10.0.0.9/x", enabled: false}')
    capture = f"capture: {{open_timeout_s: {OPEN_S}, read_timeout_s: {READ_S}}}\n"
    return UNIT_YAML.replace(CAMERA_LINE, "\n".join(lines)) + capture


@pytest.fixture
async def make_services(tmp_path: Path) -> AsyncIterator[Callable[..., Services]]:
    """Services as `vigia doctor` builds them, from settings given as environment variables."""
    made: list[Services] = []

    def make(cameras: dict[str, str], **env: Any) -> Services:
        path = tmp_path / "vigia.yaml"
        path.write_text(unit_yaml(cameras), encoding="utf-8")
        values = {"DATABASE_URL": f"sqlite:///{tmp_path / 'vigia.db'}", "VIGIA_DATA_DIR": str(tmp_path)} | env
        settings = Settings(_env_file=None, VIGIA_CONFIG=str(path), **values)  # type: ignore[call-arg]
        services = Services(settings, load_unit_config(path, env=TEST_ENV), Database(settings.database_url_or_default))
        made.append(services)
        return services

    yield make
    for services in made:
        await services.db.dispose()
        await services.cameras.aclose()


def telegram(fake: FakeTelegram, token: str | None = None) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": token or fake.token, "TELEGRAM_BASE_URL": fake.base_url}


def smtp(port: int, password: str = SMTP_PASSWORD) -> dict[str, Any]:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_SECURITY": "none",
        "SMTP_FROM": SENDER,
        "SMTP_USERNAME": SMTP_USER,
        "SMTP_PASSWORD": password,
    }


def imap(account: ImapAccount, password: str = IMAP_PASSWORD) -> dict[str, Any]:
    return {
        "IMAP_HOST": "127.0.0.1",
        "IMAP_PORT": account.server.port,
        "IMAP_SECURITY": "none",
        "IMAP_USERNAME": account.username,
        "IMAP_PASSWORD": password,
    }


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def rows(table: str) -> dict[str, str]:
    """The printed table's lines by check name (columns are two or more spaces apart)."""
    return {line.split("  ")[0]: line for line in table.splitlines()}


async def test_it_shows_ok_for_everything_that_works(
    make_services: Callable[..., Services],
    fake_telegram: FakeTelegram,
    smtp_server_with_auth: SmtpServer,
    imap_account: ImapAccount,
    rtsp_server: RtspServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services = make_services(
        {"moving": rtsp_server.url("/moving")},
        **telegram(fake_telegram),
        **smtp(smtp_server_with_auth.port),
        **imap(imap_account),
    )
    await services.db.upgrade()
    await imap_account.deliver(b"Subject: sin leer\r\n\r\nUn correo que el bot no ha visto.\r\n")
    fake_telegram.group(GROUP_ID, "UTMV")

    assert await doctor_command(services, timeout_s=10) == 0

    table = capsys.readouterr().out
    statuses = rows(table)
    for name in ("configuration", "database", "telegram", "smtp", "imap", "camera moving"):
        assert f"  {Status.OK}  " in statuses[name], table
    assert "SKIPPED  disabled in the unit file" in statuses["camera apagada"]
    assert "@vigia_test_bot" in statuses["telegram"] and "1920x1080" in statuses["camera moving"]
    assert f"administrator of the group {GROUP_ID}" in statuses["telegram"]
    assert "schema at" in statuses["database"] and "(latest)" in statuses["database"]
    assert smtp_server_with_auth.logins == [SMTP_USER] and smtp_server_with_auth.received == [], "login, no mail"
    assert [call.method for call in fake_telegram.calls] == ["getMe", "getChatMember"], "the doctor posts nothing"
    assert len(await imap_account.unseen()) == 1, "nothing is marked read"


async def test_it_fails_what_is_broken_within_the_deadlines_and_never_prints_a_secret(
    make_services: Callable[..., Services],
    fake_telegram: FakeTelegram,
    smtp_server_with_auth: SmtpServer,
    imap_account: ImapAccount,
    rtsp_server: RtspServer,
    hung_camera: int,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    services = make_services(
        {"moving": rtsp_server.url("/moving"), "colgada": f"rtsp://127.0.0.1:{hung_camera}/x"},
        **telegram(fake_telegram),
        **smtp(smtp_server_with_auth.port, password=WRONG_SMTP_PASSWORD),
        **imap(imap_account, password="not-the-" + IMAP_PASSWORD),
    )
    await fake_telegram.stop()  # Telegram unreachable

    started = time.monotonic()
    code = await doctor_command(services, timeout_s=5)
    elapsed = time.monotonic() - started

    assert code == 1
    assert elapsed < DEADLINE_S + 1.5, f"the hung camera held the doctor for {elapsed:.1f} s"
    out, err = capfd.readouterr()
    lines = rows(out)
    assert "FAIL" in lines["telegram"] and "All connection attempts failed" in lines["telegram"]
    assert "FAIL" in lines["smtp"] and f"refused the login of {SMTP_USER}" in lines["smtp"]
    assert "FAIL" in lines["imap"] and "login refused" in lines["imap"]
    assert "FAIL" in lines["camera colgada"] and f"rtsp://127.0.0.1:{hung_camera}/x: timeout" in lines["camera colgada"]
    assert "OK" in lines["camera moving"] and "OK" in lines["configuration"]
    assert "no database yet" in lines["database"] and not (services.settings.data_dir / "vigia.db").exists()
    ours = [record.getMessage() for record in caplog.records if record.name.startswith("bot")]  # libraries' own
    everything = "\n".join([out, err, *ours])  # logs are redacted by the handler's filter: see the command's test
    for secret in (fake_telegram.token, WRONG_SMTP_PASSWORD, IMAP_PASSWORD, TEST_ENV["CAM_PASSWORD"]):
        assert secret not in everything


async def test_it_gives_up_on_servers_that_accept_and_never_answer(
    make_services: Callable[..., Services], fake_telegram: FakeTelegram, hung_camera: int
) -> None:
    """Telegram and SMTP on a port that takes the connection and never says a word."""
    hung = f"http://127.0.0.1:{hung_camera}/bot"
    services = make_services({}, TELEGRAM_BOT_TOKEN=fake_telegram.token, TELEGRAM_BASE_URL=hung, **smtp(hung_camera))

    started = time.monotonic()
    checks = by_name(await run_checks(services, timeout_s=1))

    assert time.monotonic() - started < 3
    for name in ("telegram", "smtp"):
        assert checks[name].status is Status.FAIL and checks[name].seconds < 2, checks[name]
    assert checks["imap"].status is Status.SKIPPED


async def test_it_tells_a_refused_token_without_quoting_it(
    make_services: Callable[..., Services], fake_telegram: FakeTelegram
) -> None:
    other_token = "987654321:" + "X" * 35
    services = make_services({}, **telegram(fake_telegram, token=other_token))

    check = by_name(await run_checks(services, timeout_s=5))["telegram"]

    assert check.status is Status.FAIL and "refused the token" in check.detail
    assert other_token not in check.detail


async def test_it_fails_a_bot_that_may_not_pin_in_the_group_or_is_not_in_it(
    make_services: Callable[..., Services], fake_telegram: FakeTelegram
) -> None:
    services = make_services({}, **telegram(fake_telegram))
    outside = by_name(await run_checks(services, timeout_s=5))["telegram"]
    assert outside.status is Status.FAIL and f"the group {GROUP_ID} answers: Chat not found" in outside.detail

    fake_telegram.group(GROUP_ID, "UTMV", bot_admin=False)
    member = by_name(await run_checks(services, timeout_s=5))["telegram"]
    assert member.status is Status.FAIL and '"Pin messages"' in member.detail and "@vigia_test_bot" in member.detail


async def test_it_counts_pending_migrations_and_fails_a_schema_it_does_not_know(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    database = Database(f"sqlite:///{path}")
    try:
        await database.upgrade()
        script = ScriptDirectory.from_config(alembic_config())
        head = script.get_revision(script.get_current_head())
        previous = head.down_revision
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE alembic_version SET version_num = ?", (previous,))
        check = await check_database(database, timeout_s=5)
        assert check.status is Status.OK and f"schema at {previous}, 1 migration(s) pending" in check.detail

        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE alembic_version SET version_num = 'ffff'")
        check = await check_database(database, timeout_s=5)
        assert check.status is Status.FAIL and "ffff, unknown to this version" in check.detail
    finally:
        await database.dispose()


async def test_it_runs_as_a_command_and_skips_what_is_not_configured(
    fake_telegram: FakeTelegram, tmp_path: Path, rtsp_server: RtspServer
) -> None:
    unit = tmp_path / "doctor.yaml"
    unit.write_text(unit_yaml({"moving": rtsp_server.url("/moving")}), encoding="utf-8")
    env = environment(fake_telegram, tmp_path, unit) | {"VIGIA_LOG_LEVEL": "DEBUG"}  # PTB logs its URLs
    fake_telegram.group(GROUP_ID, "UTMV")
    assert (await vigia(env, "db", "upgrade"))[0] == 0

    started = time.monotonic()
    code, out, err = await vigia(env, "doctor", "--timeout", "5")

    assert code == 0, out + err
    assert time.monotonic() - started < 30
    table = rows(out)
    assert table["check"].split() == ["check", "result", "detail"]
    assert "SKIPPED  SMTP_HOST or SMTP_FROM not set" in table["smtp"]
    assert "SKIPPED  IMAP_HOST not set" in table["imap"]
    assert "OK" in table["camera moving"] and "OK" in table["telegram"] and "OK" in table["database"]
    assert fake_telegram.token not in out + err and TEST_ENV["CAM_PASSWORD"] not in out + err


async def test_it_fails_a_group_id_the_group_left_for_a_supergroup(
    make_services: Callable[..., Services], fake_telegram: FakeTelegram
) -> None:
    """The group became a supergroup while the bot ran: the bot follows it, but the unit file still
    names the old id. Expected: the doctor says which id to write; before the move it is OK."""
    services = make_services({}, **telegram(fake_telegram))
    assert (await check_group(services, timeout_s=5)).status is Status.SKIPPED, "no database yet"
    await services.db.upgrade()
    assert (await check_group(services, timeout_s=5)).status is Status.OK
    old = services.unit.group.chat_id
    assert await group_migration.follow(services, old, -1005555555555)
    check = await check_group(make_services({}, **telegram(fake_telegram)), timeout_s=5)  # from the unit file again
    assert check.status is Status.FAIL
    assert f"the group {old} became the supergroup -1005555555555: set group.chat_id: -1005555555555" in check.detail
