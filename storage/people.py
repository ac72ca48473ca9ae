"""People of the unit and the one-time codes that link their Telegram accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime


class Person(SQLModel, table=True):
    """Mirrors `people` of the unit file; `telegram_id` is set by linking, `active` by the file."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=120)
    role: str = Field(max_length=20)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    language: str = Field(default="es", max_length=5)
    telegram_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)
    active: bool = True


class LinkCode(SQLModel, table=True):
    """A one-time invitation; only the code's hash is kept, so a database copy links nobody."""

    __tablename__ = "link_code"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    code_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)


async def person_by_telegram_id(session: AsyncSession, telegram_id: int) -> Person | None:
    result = await session.exec(select(Person).where(Person.telegram_id == telegram_id, Person.active))
    return result.first()


async def person_by_key(session: AsyncSession, key: str) -> Person | None:
    return (await session.exec(select(Person).where(Person.key == key))).first()


async def all_people(session: AsyncSession) -> list[Person]:
    return list((await session.exec(select(Person))).all())


async def link_code_by_hash(session: AsyncSession, code_hash: str) -> LinkCode | None:
    return (await session.exec(select(LinkCode).where(LinkCode.code_hash == code_hash))).first()


async def person_names(session: AsyncSession) -> dict[int, str]:
    rows = await session.exec(select(Person.id, Person.name))
    return {person_id: name for person_id, name in rows.all() if person_id is not None}


async def linked_with_role(session: AsyncSession, role: str) -> list[Person]:
    statement = select(Person).where(Person.role == role, Person.active, col(Person.telegram_id).is_not(None))
    return list((await session.exec(statement)).all())


async def escalation_contacts(session: AsyncSession, role: str = "coordinador") -> list[Person]:
    """Who hears about what was not done in time: those linked with `role` (the coordinators; the chief
    for what is later still), else those of the other of the two, so an escalation reaches someone."""
    other = "jefe" if role == "coordinador" else "coordinador"
    return await linked_with_role(session, role) or await linked_with_role(session, other)
