"""A round of the health monitor: probe the cameras that are due, within a time budget and a few
at a time, learn their references, tally availability, and turn debounced transitions into faults.

Per camera, K bad probes in a row open a fault and M good ones close it. When most of a site's
cameras fail together, one site fault ("posible fallo eléctrico o de enlace") holds them all. A
camera that fails again soon after recovering reopens its fault instead of adding one. Planned
maintenance holds the alerts, not the tally. Faults opened here are posted by the job (after their
frame is kept); a recovery, a reopening or the picture lost again on an open fault owes its
message's edit in its own unit of work.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import fallas, fallas_board
from bot.fallas import Target
from bot.health import references, rules
from bot.health.memory import HealthMemory
from bot.health.probe import Probe, explaining, keep_picture, probe
from bot.health.render import camera_fault, restored_text, site_fault
from bot.services import Services
from bot.unit_config import Camera
from storage.fallas import resolved_among
from storage.health import CameraHealth, CameraUptime, active_windows, health_rows, uptime_at

log = logging.getLogger(__name__)
SLACK = timedelta(seconds=2)  # a camera due a moment after the tick is probed now, not a tick later


@dataclass
class RoundReport:
    probed: list[Probe] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # due, but the round's time budget ran out
    opened: list[int] = field(default_factory=list)  # new faults, for the job to post


@dataclass
class Decisions:
    rows: dict[str, CameraHealth]
    to_open: list[str] = field(default_factory=list)
    to_close: list[str] = field(default_factory=list)
    held: set[str] = field(default_factory=set)  # enabled cameras in a maintenance window, probed or not


async def run_round(services: Services, memory: HealthMemory) -> RoundReport | None:
    """None when the previous round is still running (its cameras are picked up by the next tick)."""
    if memory.lock.locked():
        return None
    async with memory.lock:
        now, report = services.now(), RoundReport()
        due = [c for c in services.unit.cameras if c.enabled and _due(memory, c, now)]
        if not due:
            return report
        await references.load(services, memory)
        report.probed, report.skipped = await _probe_all(services, memory, due)
        for camera in due:
            if camera.code not in report.skipped:
                every = camera.probe_every_s or services.unit.salud.every_s
                memory.camera(camera.code).next_due = now + timedelta(seconds=every) - SLACK
        memory.references.update(await services.cameras.run(references.learned, services, memory, report.probed))
        await references.save(services, memory)
        decisions = await _debounce(services, report.probed)
        await _open(services, memory, report, decisions)
        await _close(services, decisions)
        async with services.db.write() as session:
            session.add_all(decisions.rows.values())  # rows read this round: only changes are written
        return report


def _due(memory: HealthMemory, camera: Camera, now: datetime) -> bool:
    due = memory.camera(camera.code).next_due
    return due is None or now >= due


async def _probe_all(services: Services, memory: HealthMemory, due: list[Camera]) -> tuple[list[Probe], list[str]]:
    """A few cameras at a time (one thread stays free for people's /foto), within the budget."""
    slots = asyncio.Semaphore(max(1, services.unit.capture.workers - 1))

    async def one(camera: Camera) -> Probe:
        async with slots:
            reference = references.current(services, memory, camera.code)
            return await probe(services, camera, memory.camera(camera.code), reference)

    tasks = {asyncio.create_task(one(camera)): camera.code for camera in due}
    done, pending = await asyncio.wait(tasks, timeout=services.unit.salud.round_budget_s)
    for task in pending:
        task.cancel()
    probed = []
    for task in done:
        if task.exception() is not None:
            log.error("health probe of %s failed", tasks[task], exc_info=task.exception())
        else:
            probed.append(task.result())
    skipped = sorted(tasks[task] for task in pending)
    if skipped:
        log.warning("health round over its %s s budget; not probed: %s", services.unit.salud.round_budget_s, skipped)
    return sorted(probed, key=lambda p: p.camera), skipped


async def _debounce(services: Services, probed: list[Probe]) -> Decisions:
    """Tally each probe and step each camera's debounce, in one unit of work."""
    unit, now = services.unit, services.now()
    local, hour = now.astimezone(services.tz), now.replace(minute=0, second=0, microsecond=0)
    async with services.db.write() as session:
        decisions = Decisions(await health_rows(session))
        planned = {w.code for w in await active_windows(session, now)}
        for camera in unit.cameras:  # all of them, not only those probed now: _open leaves them out of site outages
            targets = {camera.code, camera.site}
            if camera.enabled and (
                targets & planned or rules.in_recurring_window(local, unit.salud.maintenance, targets)
            ):
                decisions.held.add(camera.code)
        tally = await uptime_at(session, hour)
        held_faults = {row.fault_id for row in decisions.rows.values() if row.fault_id is not None}
        closed_by_hand = await resolved_among(session, held_faults) if held_faults else set()
        for result in probed:
            code = result.camera
            row = decisions.rows.setdefault(code, CameraHealth(camera_code=code, since=now))
            if row.fault_id in closed_by_hand:  # resolved while the camera was still down: watched afresh
                row.last_fault_id, row.fault_id, row.recovered_at = row.fault_id, None, now
                row.status, row.bad_streak, row.good_streak = "up", 0, 0
            held = code in decisions.held
            counts = tally.get(code) or CameraUptime(camera_code=code, hour=hour)
            grade = "maintenance" if held else rules.grade(result.conditions)
            setattr(counts, grade, getattr(counts, grade) + 1)
            session.add(counts)
            before = rules.Debounce(row.status, row.bad_streak, row.good_streak)
            state, change = rules.step(before, not result.healthy, unit.salud.bad_to_open, unit.salud.good_to_close)
            if change == "open" and held:
                state, change = rules.Debounce("up", state.bad_streak, state.good_streak), None
            if state.status != row.status:
                row.since = now
            row.status, row.bad_streak, row.good_streak = state.status, state.bad_streak, state.good_streak
            row.conditions = ",".join(sorted(result.conditions))[:200]
            row.last_probe_at = now
            row.last_good_at = now if result.healthy else row.last_good_at
            if change == "open":
                decisions.to_open.append(code)
            elif change == "close":
                decisions.to_close.append(code)
    return decisions


async def _open(services: Services, memory: HealthMemory, report: RoundReport, decisions: Decisions) -> None:
    """Faults for the cameras that just went down. When most of a site has no picture at once, one
    site fault holds those cameras (power or link); a black or frozen camera keeps its own, and one
    in maintenance is left out of the count."""
    unit, rows = services.unit, decisions.rows
    site_of = {c.code: c.site for c in unit.cameras}
    for site in sorted({site_of[code] for code in decisions.to_open}):
        members = [c.code for c in unit.cameras if c.site == site and c.enabled]
        offline = [code for code in members if code in rows and rules.OFFLINE in rows[code].conditions.split(",")]
        opening = [code for code in decisions.to_open if site_of[code] == site]
        outage = rules.site_outage(offline, members, decisions.held, unit.salud.site_share)
        if outage and set(opening) & set(offline):
            attach = [code for code in offline if rows[code].fault_id is None and code not in decisions.held]
            known = [rows[code] for code in members if code in rows]
            fault_id = await _site_fault(services, memory, report, Target("sitio", site, None), known, attach)
            for code in attach:
                rows[code].status, rows[code].fault_id = "down", fault_id
            opening = [code for code in opening if code not in attach]
        for code in opening:
            rows[code].fault_id = await _camera_fault(services, memory, report, rows[code], site)


async def _site_fault(
    services: Services,
    memory: HealthMemory,
    report: RoundReport,
    target: Target,
    site_rows: list[CameraHealth],
    attach: list[str],
) -> int:
    """The site's fault: its last one reopened when the site flaps back within the hold, the one still
    open, or a new one showing the freshest last good frame of the cameras it holds."""
    unit = services.unit
    reopened = await _reopened(services, site_rows, target, site_fault(unit, attach))
    if reopened is not None:
        return reopened
    pictures = [(picture, code) for code in attach if (picture := memory.camera(code).last_good) is not None]
    picture, pictured = max(pictures, key=lambda found: found[0][1]) if pictures else (None, None)
    fault, created = await fallas_board.detected(services, target, site_fault(unit, attach, pictured))
    if created:
        report.opened.append(fault.id)  # type: ignore[arg-type]
        if pictured is not None:
            await keep_picture(services, pictured, picture, fault.number)
    return fault.id  # type: ignore[return-value]


async def _camera_fault(
    services: Services, memory: HealthMemory, report: RoundReport, row: CameraHealth, site: str
) -> int:
    """The camera's fault: its last one reopened when it flaps back within the hold, else a new one."""
    target, description = Target("camara", site, row.camera_code), camera_fault(services.unit, row)
    reopened = await _reopened(services, [row], target, description)
    if reopened is not None:
        return reopened
    fault, created = await fallas_board.detected(services, target, description)
    if created:
        report.opened.append(fault.id)  # type: ignore[arg-type]
        picture = explaining(memory.camera(row.camera_code), row.conditions)
        await keep_picture(services, row.camera_code, picture, fault.number)
    return fault.id  # type: ignore[return-value]


async def _reopened(services: Services, rows: list[CameraHealth], target: Target, description: str) -> int | None:
    """The last fault of these cameras, reopened when it is the target's own and they came back within
    the flap hold: a flapping camera or site stays one fault. (A camera's last fault may be its site's:
    failing alone later, it gets a fault of its own, not the site's back.)"""
    now, hold = services.now(), timedelta(minutes=services.unit.salud.flap_hold_minutes)
    recent = [r for r in rows if r.last_fault_id and r.recovered_at and now - r.recovered_at <= hold]
    recent.sort(key=lambda r: r.recovered_at, reverse=True)  # type: ignore[arg-type, return-value]
    for fault_id in dict.fromkeys(r.last_fault_id for r in recent):
        case = await fallas.load(services, fault_id)  # type: ignore[arg-type]
        if case is None or Target(case.fault.scope, case.fault.site_code, case.fault.camera_code) != target:
            continue
        if await fallas_board.reopen(services, case.fault.id, description) is not None:  # type: ignore[arg-type]
            return case.fault.id
    return None


async def _close(services: Services, decisions: Decisions) -> None:
    """Cameras back: a fault closes when the last camera it holds is back."""
    now, rows = services.now(), decisions.rows
    for code in decisions.to_close:
        row = rows[code]
        fault_id, row.fault_id, row.recovered_at = row.fault_id, None, now
        if fault_id is None:
            continue
        row.last_fault_id = fault_id
        if any(other.fault_id == fault_id for other in rows.values()):
            continue
        await fallas_board.restored(services, fault_id, restored_text(services.unit))
