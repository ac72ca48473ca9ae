"""One camera probed once: a fresh frame (and its sound, when it has a microphone), judged
against the camera's own reference and its recent past. All image work runs on the capture
service's threads; the event loop only awaits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlmodel import select

from bot.cameras.capture import CameraUnavailable, encode_jpeg, fit_within
from bot.cameras.evidence import keep
from bot.fallas import case_ref
from bot.health import detectors, rules
from bot.health.audio import probe_audio
from bot.health.memory import CameraMemory
from bot.services import Services
from bot.unit_config import Camera
from storage.evidence import EvidenceKind
from storage.sites import Camera as CameraRow

LISTEN_S = 0.5  # of sound per probe: silence shows in a few AAC frames, and the probe holds a thread
KEPT_SIDE = 960  # pictures kept for a fault's message: enough to see, small enough to hold 200 of


@dataclass(frozen=True)
class Probe:
    camera: str
    at: datetime
    conditions: frozenset[str]
    detail: str = ""  # why there was no picture (timeout, unreachable...)
    sample: detectors.Sample | None = None

    @property
    def healthy(self) -> bool:
        return not self.conditions


def thumbnail(image: np.ndarray) -> bytes:
    return encode_jpeg(fit_within(image, KEPT_SIDE), quality=80)


async def probe(
    services: Services, camera: Camera, memory: CameraMemory, reference: detectors.Reference | None
) -> Probe:
    """Grab, sample and judge; the picture goes into `memory` for the fault message."""
    cameras, at = services.cameras, services.now()
    try:
        frame = await cameras.snapshot(camera.code)
    except CameraUnavailable as exc:
        return Probe(camera.code, at, frozenset({rules.OFFLINE}), exc.reason)
    sample = await cameras.run(detectors.sample, frame.image)
    found = set(await cameras.run(detectors.judge, sample, reference))
    memory.recent.append((frame.captured_at.timestamp(), sample))
    if await cameras.run(detectors.is_frozen, list(memory.recent)):
        found.add("frozen")
    source = cameras.source(camera.code)
    if camera.has_audio and source.stream_url:
        options = services.unit.capture
        try:
            timeouts = options.open_timeout_s, options.read_timeout_s
            heard = await cameras.run(probe_audio, source.stream_url, *timeouts, LISTEN_S)
        except CameraUnavailable:
            heard = None  # the picture came a moment ago: a failed listen is not a fault of its own
        if heard is not None and heard.state != "ok":
            found.add(rules.AUDIO_MISSING if heard.state == "missing" else rules.AUDIO_SILENT)
    picture = (await cameras.run(thumbnail, frame.image), frame.captured_at)
    memory.last_frame = picture
    if not found:
        memory.last_good = picture
    return Probe(camera.code, at, frozenset(found), sample=sample)


def explaining(memory: CameraMemory, conditions: str) -> tuple[bytes, datetime] | None:
    """The picture that explains a camera's new fault: the faulty frame itself, or the last good one
    when there is no picture at all (None: none since the monitor started)."""
    return memory.last_good if rules.OFFLINE in conditions.split(",") else memory.last_frame


async def keep_picture(services: Services, code: str, picture: tuple[bytes, datetime] | None, number: str) -> None:
    """A new fault's picture, kept as its evidence under the fault's number, from camera `code`: the
    fault's message shows it."""
    if picture is None:
        return
    async with services.db.read() as session:
        camera = (await session.exec(select(CameraRow).where(CameraRow.code == code))).first()
    await keep(
        services,
        picture[0],
        kind=EvidenceKind.PHOTO,
        captured_at=picture[1],
        requester=None,
        camera_id=camera.id if camera else None,
        case_ref=case_ref(number),
    )
