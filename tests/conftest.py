"""Shared fixtures: a unit file with one persona per role, and databases on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from storage.db import Database

pytest_plugins = ["tests.harness", "tests.cameras_fixtures", "tests.mail_servers"]

UNIT_YAML = """\
language: es
group:
  chat_id: -1001000000001
  topics: {consignas: 11, fallas: 12}
people:
  - {id: tec.ana, name: Ana López, role: tecnico, email: ana@example.gob.sv, phone: "+503 7000-0001", telegram_id: 1001}
  - {id: tec.kevin, name: Kevin Portillo, role: tecnico, language: en, telegram_id: 1002}
  - {id: coord.carlos, name: Carlos Rivas, role: coordinador, telegram_id: 1003}
  - {id: jefe.marta, name: Marta Hernández, role: jefe, telegram_id: 1004}
  - {id: adm.luis, name: Luis Alvarado, role: administrador, email: luis@aduana.test, phone: "+503 2420-1000", telegram_id: 1005}
  - {id: seg.oscar, name: Óscar Ramírez, role: seguridad, telegram_id: 1006}
  - {id: dir.general, name: Director General, role: direccion, telegram_id: 1007}
  - {id: tec.nuevo, name: Nuevo Técnico, role: tecnico}
  - {id: adm.sonia, name: Sonia Guzmán, role: administrador, phone: "+503 2420-1001", telegram_id: 1009}
sites:
  - {code: hachadura, name: Aduana Frontera La Hachadura, kind: frontera_terrestre, administrators: [adm.luis, adm.sonia], security: [seg.oscar]}
cameras:
  - {code: hachadura-1, name: La Hachadura 1, site: hachadura, rtsp_url: "rtsp://127.0.0.1:8554/cam", username: u, password: "${CAM_PASSWORD}"}
mail:
  maintenance_vendor: {name: Proveedor CCTV, emails: [soporte@proveedor.test], phone: "+503 2555-0100"}
  link_provider: {name: Centro de Datos DGA, emails: [noc@enlace.test], phone: "+503 2555-0200"}
  contract_administrators: [contrato@mh.test]
  direccion_general: [direccion@mh.test]
shifts:
  - {name: mañana, start: "06:00", end: "14:00", technicians: [tec.ana]}
  - {name: tarde, start: "14:00", end: "22:00", technicians: [tec.kevin]}
  - {name: noche, start: "22:00", end: "06:00"}
"""
TEST_ENV = {"CAM_PASSWORD": "s3cret-cam-pass"}
POSTGRES_URL = os.environ.get("VIGIA_TEST_POSTGRES_URL")
NO_POSTGRES = "VIGIA_TEST_POSTGRES_URL is not set, so the PostgreSQL variant is skipped (.ci/run sets it)"


@pytest.fixture
def unit_file(tmp_path: Path) -> Path:
    path = tmp_path / "vigia.yaml"
    path.write_text(UNIT_YAML, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with every migration applied, once per session: a test's database is a copy of
    it, which takes a millisecond where upgrading from empty takes a third of a second."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    asyncio.run(_upgraded(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str | None]:
    """The same for PostgreSQL: a migrated database that tests' databases are created from
    (CREATE DATABASE ... TEMPLATE); None without a server."""
    if not POSTGRES_URL:
        yield None
        return
    name = f"vigia_template_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_upgraded(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)))
        yield name
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _upgraded(url: str) -> None:
    database = Database(url)
    await database.upgrade()
    await database.dispose()  # a template must have no connection left for it to be copied


async def _admin(*statements: str) -> None:
    connection = await asyncpg.connect(
        make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database(kind: str, tmp_path: Path, template: Path | str | None) -> AsyncIterator[str]:
    """A database of its own, as a URL: an SQLite file in `tmp_path`, or a PostgreSQL database dropped
    after; a copy of `template` when one is given, else empty."""
    if kind == "sqlite":
        path = tmp_path / "vigia.db"
        if template is not None:
            shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    name = f"vigia_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind."""
    async with fresh_database(request.param, tmp_path, None) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path, migrated_postgres: str | None
) -> AsyncIterator[Database]:
    """A database of each kind at the latest schema, copied from the session's migrated template."""
    template = migrated_sqlite if request.param == "sqlite" else migrated_postgres
    async with fresh_database(request.param, tmp_path, template) as url:
        database = Database(url)
        yield database
        await database.dispose()
