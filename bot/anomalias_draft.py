"""The guided anomaly report: a draft that advances one step per answer, stored as it goes."""

from __future__ import annotations

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.anomalias import NewReport
from bot.services import Services
from storage.anomalias import AnomalyDraft, draft_of
from storage.people import Person

STEPS = ("site", "cameras", "category", "description", "photos")


async def start(services: Services, person: Person, chat_id: int) -> AnomalyDraft:
    """A new draft for this person and chat; one left half-way is replaced."""
    async with services.db.write() as session:
        old = await draft_of(session, person.id, chat_id)  # type: ignore[arg-type]
        if old is not None:
            await session.delete(old)
            await session.flush()
        draft = AnomalyDraft(person_id=person.id, chat_id=chat_id, created_at=services.now())  # type: ignore[arg-type]
        session.add(draft)
    return draft


async def get(services: Services, draft_id: int) -> AnomalyDraft | None:
    async with services.db.read() as session:
        return await session.get(AnomalyDraft, draft_id)


async def change(services: Services, draft_id: int, **values: object) -> AnomalyDraft | None:
    async with services.db.write() as session:
        draft = await session.get(AnomalyDraft, draft_id)
        if draft is None:
            return None
        for name, value in values.items():
            setattr(draft, name, value)
        session.add(draft)
        return draft


async def toggle_camera(services: Services, draft: AnomalyDraft, code: str) -> AnomalyDraft | None:
    chosen = [c for c in draft.cameras.split(",") if c]
    chosen = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
    return await change(services, draft.id, cameras=",".join(chosen))  # type: ignore[arg-type]


async def add_photo(services: Services, draft: AnomalyDraft, file_id: str) -> AnomalyDraft | None:
    return await change(services, draft.id, photos=",".join(filter(None, [draft.photos, file_id])))  # type: ignore[arg-type]


async def discard(services: Services, draft_id: int) -> None:
    async with services.db.write() as session:
        draft = await session.get(AnomalyDraft, draft_id)
        if draft is not None:
            await session.delete(draft)


async def take(session: AsyncSession, draft_id: int) -> bool:
    """Delete the draft in the unit of work that files it, so that anything failing before (a photo's
    download, a camera, a restart) leaves it to be sent again. False when it is gone already: a press
    handled elsewhere filed it, and this unit of work must file nothing."""
    statement = delete(AnomalyDraft).where(col(AnomalyDraft.id) == draft_id)
    return (await session.exec(statement)).rowcount == 1  # type: ignore[attr-defined]


def as_report(draft: AnomalyDraft) -> NewReport:
    """A draft at its last step, which it reached through the site and the category."""
    assert draft.site_code is not None and draft.category is not None
    return NewReport(
        draft.site_code,
        draft.category,
        draft.description or "",
        [c for c in draft.cameras.split(",") if c],
        [p for p in draft.photos.split(",") if p],
    )
