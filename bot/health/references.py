"""Each camera's reference looks, one for the day and one for the night.

Learned by themselves: the first healthy probe of a period sets the look and later healthy probes
blend in slowly, so a season's light follows without a human; `/referencia` sets it from now
after planned work (a camera re-aimed on purpose). Stored at most hourly, not every minute.
"""

from __future__ import annotations

from datetime import timedelta

from bot.cameras.service import Frame
from bot.health import rules
from bot.health.detectors import Reference, judge, sample
from bot.health.memory import HealthMemory
from bot.health.probe import Probe
from bot.services import Services
from storage.health import CameraReference
from storage.health import references as stored_references
from storage.people import Person

SAVE_EVERY = timedelta(hours=1)


def period_now(services: Services) -> str:
    salud = services.unit.salud
    return rules.period(services.now().astimezone(services.tz).time(), salud.day_starts, salud.night_starts)


def current(services: Services, memory: HealthMemory, code: str) -> Reference | None:
    return memory.references.get((code, period_now(services)))


async def load(services: Services, memory: HealthMemory) -> None:
    if memory.references_loaded:
        return
    async with services.db.read() as session:
        rows = await stored_references(session)
    for key, row in rows.items():
        memory.references[key] = await services.cameras.run(Reference.from_bytes, row.data)
        memory.saved_at[key] = row.updated_at
    memory.references_loaded = True


def learned(services: Services, memory: HealthMemory, probed: list[Probe]) -> dict[tuple[str, str], Reference]:
    """The looks after this round's healthy probes: new ones, and old ones blended a little.
    CPU work for 200 cameras: the round runs it on the capture threads, off the event loop."""
    period, found = period_now(services), {}
    for result in probed:
        if result.healthy and result.sample is not None:
            key = (result.camera, period)
            known = memory.references.get(key)
            found[key] = Reference.from_sample(result.sample) if known is None else known.refreshed(result.sample)
    return found


async def save(
    services: Services, memory: HealthMemory, only: tuple[str, str] | None = None, set_by: Person | None = None
) -> None:
    """Store the looks that are new or an hour old (or just `only`); one unit of work."""
    now = services.now()
    stale = [k for k in memory.references if k not in memory.saved_at or now - memory.saved_at[k] >= SAVE_EVERY]
    stale = [only] if only else stale
    if not stale:
        return
    blobs = {key: await services.cameras.run(memory.references[key].to_bytes) for key in stale}
    async with services.db.write() as session:
        for (code, period), data in blobs.items():
            row = CameraReference(
                camera_code=code, period=period, data=data, updated_at=now, set_by_id=set_by.id if set_by else None
            )
            await session.merge(row)
            memory.saved_at[(code, period)] = now


async def set_from_now(services: Services, memory: HealthMemory, code: str, person: Person) -> tuple[Frame, set[str]]:
    """`/referencia`: the camera's look for this period, from a fresh frame; refused (the conditions
    returned) when the frame itself is black or burnt out."""
    frame = await services.cameras.snapshot(code)
    fresh = await services.cameras.run(sample, frame.image)
    found = set(await services.cameras.run(judge, fresh, None))
    if found:
        return frame, found
    await load(services, memory)
    key = (code, period_now(services))
    memory.references[key] = Reference.from_sample(fresh)
    memory.camera(code).recent.clear()
    await save(services, memory, only=key, set_by=person)
    return frame, found
