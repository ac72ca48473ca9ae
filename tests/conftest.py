"""Shared fixtures: a unit file with one persona per role, and databases on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
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


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind; PostgreSQL gets a fresh database per test, dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vigia.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    name = f"vigia_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(database_url: str, migrated_sqlite: Path, migrated_postgres: str | None) -> AsyncIterator[Database]:
    """A database of each kind at the latest schema, copied from the session's migrated template."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        shutil.copyfile(migrated_sqlite, str(url.database))
    else:
        await _admin(
            f'DROP DATABASE "{url.database}"', f'CREATE DATABASE "{url.database}" TEMPLATE "{migrated_postgres}"'
        )
    database = Database(database_url)
    yield database
    await database.dispose()
