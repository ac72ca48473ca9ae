"""Sites (customs posts) and their cameras, mirrored from the unit file so records can refer to them.

Camera URLs and credentials stay in the unit file and the environment, never in the database.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession


class Site(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20)
    active: bool = True


class Camera(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=120)
    site_id: int = Field(foreign_key="site.id", index=True)
    has_audio: bool = False
    enabled: bool = True
    active: bool = True


async def all_sites(session: AsyncSession) -> list[Site]:
    return list((await session.exec(select(Site))).all())


async def all_cameras(session: AsyncSession) -> list[Camera]:
    return list((await session.exec(select(Camera))).all())
