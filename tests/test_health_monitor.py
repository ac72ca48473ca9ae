"""The health monitor's round against misbehaving HTTP cameras (tests/resilience/cameras.py): its
time budget and concurrency bound, each camera's own interval, recurring maintenance, exactly M
good probes to close, and site faults that flap or come with a picture.

Rounds are run by hand, the bot's clock moved between them; nothing sleeps. Cameras a test does
not watch are switched off in its copy of the unit, as a unit file would.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from bot import fallas, fallas_board
from bot.cameras.service import Frame
from bot.health.monitor import RoundReport, run_round
from storage.evidence import Evidence
from storage.fallas import Fault, FaultEvent
from storage.health import CameraHealth, CameraUptime
from storage.people import Person, person_by_key
from storage.sites import Camera
from tests.conftest import UNIT_YAML
from tests.harness import GROUP_ID, BotHarness
from tests.resilience import conftest as resilience
from tests.resilience.cameras import BadCameras
from tests.test_salud import faults, health, posted, rounds

bad_cameras = resilience.bad_cameras  # the misbehaving cameras, served from the test's own event loop
BUDGET_S = 6.0  # two probes at a time, each cut at 2.5 s: two pairs fit, the third pair does not
SITES = {"amatillo": "Aduana Frontera El Amatillo", "acajutla": "Aduana Marítima de Acajutla"}


@pytest.fixture
def unit_file(tmp_path: Path, bad_cameras: BadCameras) -> Path:
    """La Hachadura: two yard cameras (a site of two, so both down is a site outage). El Amatillo:
    six platform cameras, the second probed every 3 minutes. Acajutla: a gate camera in a weekly
    maintenance window, Fridays 09:30-10:30 (the harness starts on a Friday at 10:00)."""
    unit = yaml.safe_load(UNIT_YAML)
    unit["sites"] += [{"code": code, "name": name, "kind": "frontera_terrestre"} for code, name in SITES.items()]

    def cam(code: str, site: str, **more: object) -> dict:
        name = code.replace("-", " ").title()
        return {"code": code, "name": name, "site": site, "snapshot_url": bad_cameras.url(code), **more}

    unit["cameras"] = [
        cam("patio-1", "hachadura"),
        cam("patio-2", "hachadura"),
        *(cam(f"anden-{n}", "amatillo", **({"probe_every_s": 180} if n == 2 else {})) for n in range(1, 7)),
        cam("garita", "acajutla"),
    ]
    unit["capture"] = {"open_timeout_s": 1.0, "read_timeout_s": 1.0, "workers": 3, "share_window_s": 0}
    unit["salud"] = {"maintenance": [{"target": "acajutla", "weekdays": ["viernes"], "start": "09:30", "minutes": 60}]}
    path = tmp_path / "vigia.yaml"
    path.write_text(yaml.safe_dump(unit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def watch(bot: BotHarness, *codes: str, **salud: object) -> None:
    """Only `codes` are enabled, with `salud` settings changed, from the next round on."""
    unit = bot.services.unit
    cameras = [c.model_copy(update={"enabled": c.code in codes}) for c in unit.cameras]
    bot.services.unit = unit.model_copy(update={"cameras": cameras, "salud": unit.salud.model_copy(update=salud)})


def set_mode(bad_cameras: BadCameras, mode: str, *codes: str) -> None:
    bad_cameras.modes.update(dict.fromkeys(codes, mode))


async def one_round(bot: BotHarness, seconds: float = 60) -> RoundReport:
    """The monitor's round itself (the job also posts what it opened), `seconds` after the last one."""
    bot.clock.advance(timedelta(seconds=seconds))
    report = await run_round(bot.services, bot.services.health)
    assert report is not None
    return report


async def test_it_probes_two_cameras_at_a_time_and_leaves_what_the_budget_missed_to_the_next_tick(
    bot: BotHarness, bad_cameras: BadCameras, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Six trickling cameras (each answer cut at its 2.5 s deadline), three capture threads: two
    probes at once (one thread stays free for people's /foto), so two pairs fit in the 6 s budget
    and the last pair is skipped, reported, and probed on the next tick; the round does not wait."""
    platforms = [f"anden-{n}" for n in range(1, 7)]
    watch(bot, *platforms, round_budget_s=BUDGET_S, every_s=60)
    set_mode(bad_cameras, "trickle", *platforms)
    cameras, busy, busiest = bot.services.cameras, [0], [0]
    snapshot = cameras.snapshot

    async def counted(code: str) -> Frame:  # the real snapshot, counting how many run at once
        busy[0] += 1
        busiest[0] = max(busiest[0], busy[0])
        try:
            return await snapshot(code)
        finally:
            busy[0] -= 1

    monkeypatch.setattr(cameras, "snapshot", counted)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="bot.health.monitor"):
        report = await one_round(bot)
    took = time.monotonic() - started
    assert busiest[0] == bot.services.unit.capture.workers - 1 == 2
    assert [p.camera for p in report.probed] == platforms[:4]
    assert all(p.conditions == {"offline"} and p.detail == "timeout" for p in report.probed)
    assert report.skipped == platforms[4:]
    assert BUDGET_S <= took < BUDGET_S + 1, "the round ends at its budget, not when the slow cameras do"
    assert "over its 6.0 s budget" in caplog.text and "anden-5" in caplog.text
    async with bot.services.db.read() as session:
        judged = {row.camera_code for row in (await session.exec(select(CameraHealth))).all()}
    assert judged == set(platforms[:4]), "a camera left out is not judged on a probe it did not get"
    following = await one_round(bot, seconds=15)  # the next tick: only the cameras left out are due
    assert [p.camera for p in following.probed] == platforms[4:] and following.skipped == []


async def test_it_probes_a_camera_at_its_own_interval(bot: BotHarness, bad_cameras: BadCameras) -> None:
    """anden-2 asks for a probe every 3 minutes; anden-1 follows salud.every_s (60 s)."""
    watch(bot, "anden-1", "anden-2")
    probed = [[p.camera for p in (await one_round(bot)).probed] for _ in range(7)]
    both, one = ["anden-1", "anden-2"], ["anden-1"]
    assert probed == [both, one, one, both, one, one, both]


async def test_it_holds_alerts_in_a_weekly_maintenance_window_and_alerts_when_it_ends(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    """The gate camera is down all along: inside Friday's 09:30-10:30 window the monitor counts it
    as maintenance and opens nothing; the first probe after 10:30 opens its fault at once."""
    watch(bot, "garita")
    set_mode(bad_cameras, "down", "garita")
    listing = await bot.ask("coord.carlos", "/mantenimiento")
    assert "Aduana Marítima de Acajutla (programado, 60 min desde las 09:30)" in listing.params["text"]
    mark = bot.fake.mark()
    await rounds(bot, 5)  # 10:01 to 10:05
    assert await faults(bot) == []
    assert posted(bot, mark) == []
    async with bot.services.db.read() as session:
        tally = (await session.exec(select(CameraUptime).where(CameraUptime.camera_code == "garita"))).all()
    assert sum(r.maintenance for r in tally) == 5 and sum(r.down for r in tally) == 0
    bot.clock.advance(timedelta(minutes=25))  # 10:30: the window is over
    await rounds(bot, 1)
    (fault,) = await faults(bot)
    assert fault.camera_code == "garita" and "sin imagen" in fault.description
    assert fault.message_id is not None, "posted in the group"


async def test_a_camera_in_maintenance_does_not_make_its_site_an_outage(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    """patio-2 fails, then patio-1 goes down for planned work: with the site's only watched camera
    down, patio-2 gets a fault of its own, not a site fault ("fallo eléctrico o de enlace"), even
    though patio-1 is not yet bad long enough to be held from a fault of its own."""
    watch(bot, "patio-1", "patio-2")
    await bot.ask("coord.carlos", "/mantenimiento patio-1 2h cambio de lente")
    set_mode(bad_cameras, "down", "patio-2")
    await rounds(bot, 1)
    set_mode(bad_cameras, "down", "patio-1")
    await rounds(bot, 2)
    (fault,) = await faults(bot)
    assert (fault.scope, fault.camera_code) == ("camara", "patio-2")
    assert (await health(bot, "patio-1")).fault_id is None


async def test_it_closes_a_fault_on_exactly_the_mth_good_probe(bot: BotHarness, bad_cameras: BadCameras) -> None:
    watch(bot, "patio-1", good_to_close=2)
    set_mode(bad_cameras, "down", "patio-1")
    await rounds(bot, 3)
    (fault,) = await faults(bot)
    set_mode(bad_cameras, "picture", "patio-1")
    await rounds(bot, 1)
    (fault,) = await faults(bot)
    assert fault.resolved_at is None and (await health(bot, "patio-1")).good_streak == 1, "one good probe is luck"
    await rounds(bot, 1)
    (fault,) = await faults(bot)
    assert fault.resolved_at is not None and (await health(bot, "patio-1")).status == "up"
    edited = bot.fake.message(GROUP_ID, fault.message_id)  # type: ignore[arg-type]
    assert edited is not None and "Imagen restablecida" in edited["text"]


async def test_a_site_that_flaps_reopens_its_one_site_fault(bot: BotHarness, bad_cameras: BadCameras) -> None:
    """Both yard cameras down (no picture since the monitor started: the fault says so), back for
    two probes, then down again within the flap hold: the same site fault, reopened and re-shown."""
    watch(bot, "patio-1", "patio-2")
    mark = bot.fake.mark()
    set_mode(bad_cameras, "down", "patio-1", "patio-2")
    await rounds(bot, 3)
    (fault,) = await faults(bot)
    assert fault.scope == "sitio" and fault.site_code == "hachadura"
    assert "Sin foto: ninguna de estas cámaras dio imagen buena" in fault.description
    assert posted(bot, mark, "sendPhoto") == []
    set_mode(bad_cameras, "picture", "patio-1", "patio-2")
    await rounds(bot, 2)
    (fault,) = await faults(bot)
    assert fault.resolved_at is not None
    set_mode(bad_cameras, "down", "patio-1", "patio-2")
    await rounds(bot, 3)
    (again,) = await faults(bot)
    assert again.id == fault.id and again.resolved_at is None, "reopened, not a second site fault"
    assert {(await health(bot, code)).fault_id for code in ("patio-1", "patio-2")} == {fault.id}
    async with bot.services.db.read() as session:
        kinds = [e.kind for e in (await session.exec(select(FaultEvent).where(FaultEvent.fault_id == fault.id))).all()]
    assert kinds.count("reabierta") == 1
    shown = bot.fake.message(GROUP_ID, again.message_id)  # type: ignore[arg-type]
    assert shown is not None and "Resuelta" not in shown["text"]
    assert len([c for c in posted(bot, mark) if "F-2026-" in c.params["text"]]) == 1, "one message, edited"


async def resolved_by_ana(bot: BotHarness, bad_cameras: BadCameras, treatment: str, cause: str) -> Fault:
    """patio-1 down until the monitor opens its fault, which Ana then resolves (the camera still down)."""
    watch(bot, "patio-1")
    set_mode(bad_cameras, "down", "patio-1")
    await rounds(bot, 3)
    (fault,) = await faults(bot)
    assert fault.id is not None
    await fallas_board.resolve(bot.services, fault.id, await ana(bot), treatment, cause)
    return fault


async def ana(bot: BotHarness) -> Person:
    async with bot.services.db.read() as session:
        found = await person_by_key(session, "tec.ana")
    assert found is not None
    return found


async def test_a_fault_reopened_after_a_person_resolved_it_forgets_who_resolved_it(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    """Ana resolves the monitor's fault; the camera comes back, then fails again within the flap hold:
    the fault is open again with no resolution of hers left on it, so a later close (by the monitor,
    with its own words) or the bitácora does not name her."""
    fault = await resolved_by_ana(bot, bad_cameras, "Se reinició el conmutador de la garita", "otro")
    for mode, count in (("picture", 2), ("down", 3)):  # back, then failing again
        set_mode(bad_cameras, mode, "patio-1")
        await rounds(bot, count)
    (again,) = await faults(bot)
    assert again.id == fault.id and again.resolved_at is None
    assert (again.resolved_by_id, again.treatment, again.cause) == (None, None, None)
    shown = bot.fake.message(GROUP_ID, again.message_id)  # type: ignore[arg-type]
    assert shown is not None and "conmutador" not in shown["text"]


async def test_a_fault_closed_by_hand_while_the_camera_is_still_down_is_watched_again(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    """Ana resolves the fault too early: the camera never came back. The monitor lets go of it and,
    after the usual bad probes, reopens it ("volvió a fallar") instead of staying silent for good."""
    fault = await resolved_by_ana(bot, bad_cameras, "Se reinició la cámara desde el grabador", "camara")
    await rounds(bot, 3)
    (again,) = await faults(bot)
    assert again.id == fault.id and again.resolved_at is None, "open again, not silent"
    assert (await health(bot, "patio-1")).fault_id == fault.id


async def test_a_camera_failing_again_after_someone_opened_a_fault_on_it_keeps_that_one(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    """The monitor closed its fault; within the flap hold a technician opens one by hand, then the
    camera fails again: the technician's fault is the one, the monitor's stays closed."""
    watch(bot, "patio-1")
    set_mode(bad_cameras, "down", "patio-1")
    await rounds(bot, 3)
    set_mode(bad_cameras, "picture", "patio-1")
    await rounds(bot, 2)
    (monitors,) = await faults(bot)
    assert monitors.resolved_at is not None
    target = fallas.Target("camara", monitors.site_code, "patio-1")
    by_hand, created = await fallas_board.file(bot.services, target, "Imagen con rayas desde las 10", await ana(bot))
    assert created
    set_mode(bad_cameras, "down", "patio-1")
    await rounds(bot, 3)
    found = {f.id: f for f in await faults(bot)}
    assert found[monitors.id].resolved_at is not None and found[by_hand.id].resolved_at is None
    assert (await health(bot, "patio-1")).fault_id == by_hand.id


async def test_a_site_fault_shows_the_last_good_frame_of_one_of_its_cameras(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    watch(bot, "patio-1", "patio-2")
    await rounds(bot, 1)
    mark = bot.fake.mark()
    set_mode(bad_cameras, "down", "patio-1", "patio-2")
    await rounds(bot, 3)
    (fault,) = await faults(bot)
    assert fault.scope == "sitio"
    pictured = fault.description.split("La foto es la última imagen buena de ")[1].rstrip(".")
    assert pictured in ("Patio 1", "Patio 2"), "the freshest of the two"
    (photo,) = posted(bot, mark, "sendPhoto")
    (message,) = [c for c in posted(bot, mark) if fault.number in c.params["text"]]
    assert photo.index < message.index and f"{fault.number}: último cuadro de {pictured}" in photo.params["caption"]
    (data,) = photo.files.values()
    assert data.startswith(b"\xff\xd8"), "a JPEG"
    async with bot.services.db.read() as session:
        kept = (await session.exec(select(Evidence).where(Evidence.case_ref == f"falla:{fault.number}"))).one()
        camera = await session.get(Camera, kept.camera_id)
    assert camera is not None and camera.name == pictured, "evidence of the camera that took it"


async def test_a_camera_failing_alone_after_its_site_fault_gets_its_own_fault(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    """patio-1's last fault was its site's; failing alone within the hold, it does not reopen it."""
    watch(bot, "patio-1", "patio-2")
    set_mode(bad_cameras, "down", "patio-1", "patio-2")
    await rounds(bot, 3)
    set_mode(bad_cameras, "picture", "patio-1", "patio-2")
    await rounds(bot, 2)
    set_mode(bad_cameras, "down", "patio-1")
    await rounds(bot, 3)
    # patio-2 serves one still picture: its own "frozen" fault is no concern here
    site, camera = [f for f in await faults(bot) if f.camera_code != "patio-2"]
    assert site.scope == "sitio" and site.resolved_at is not None
    assert camera.scope == "camara" and camera.camera_code == "patio-1" and camera.resolved_at is None


async def test_a_camera_its_site_fault_holds_is_not_filed_again_by_hand(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    """Both yard cameras down: the monitor's site fault holds them. A technician's /falla patio-1 is
    told which fault has it and opens nothing (no second triage, no second e-mail), so the site
    coming back leaves nothing open."""
    watch(bot, "patio-1", "patio-2")
    set_mode(bad_cameras, "down", "patio-1", "patio-2")
    await rounds(bot, 3)
    (site,) = await faults(bot)
    assert site.scope == "sitio"
    told = await bot.ask("tec.ana", "/falla patio-1 Sin imagen desde las 10", where="group")
    assert told.params["text"] == f"Patio 1 ya está en la falla abierta de su sitio: {site.number}."
    assert [f.id for f in await faults(bot)] == [site.id], "nothing new opened"
    set_mode(bad_cameras, "picture", "patio-1", "patio-2")
    await rounds(bot, 2)
    assert [f.resolved_at is not None for f in await faults(bot)] == [True]


async def test_a_crash_after_the_round_delays_the_edits_of_its_fault_but_never_loses_them(
    bot: BotHarness, bad_cameras: BadCameras
) -> None:
    """patio-1 comes back, then fails again within the flap hold; each time the bot dies right after
    the round's commit (the round alone is run, not the job's step after it). The outbox still edits
    the group's message: resolved, then open again with its buttons, not left showing "Resuelta"."""
    watch(bot, "patio-1")
    set_mode(bad_cameras, "down", "patio-1")
    await rounds(bot, 3)
    (fault,) = await faults(bot)
    for mode, count, resolved in (("picture", 2, True), ("down", 3, False)):
        set_mode(bad_cameras, mode, "patio-1")
        for _ in range(count):
            await one_round(bot)
        await bot.run_job("salud.round")  # the next tick, nothing due yet: it re-posts only what was never posted
        await bot.run_job("telegram.deliver")
        (now,) = await faults(bot)
        assert (now.resolved_at is not None) is resolved
        shown = bot.fake.message(GROUP_ID, fault.message_id)  # type: ignore[arg-type]
        assert shown is not None and ("Resuelta" in shown["text"]) is resolved
        buttons = [
            b["callback_data"] for row in (shown.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
        ]
        assert (f"fll:{fault.id}:resolve" not in buttons) is resolved
