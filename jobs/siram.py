"""SIRAM exports dropped into `siram.import_folder` import themselves, every 5 minutes and at start-up.

Each file, once handled, leaves the folder: into `importados/` when its reads are in (or were
already, for a file imported before), into `rechazados/` with `<file>.error.txt` beside it when a
line is wrong; the coordinators are told about a rejected file. A file whose reads went in just
before a crash is imported again at the next run, which adds nothing (same SHA-256) and moves it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from bot import siram
from bot.context import VigiaContext
from bot.placas import SiramFileError
from bot.services import Services
from jobs.common import Job

log = logging.getLogger(__name__)

INTERVAL_S = 300
SETTLE_S = 60  # a file changed more recently may still be being copied in: it waits for the next run
IMPORTED, REJECTED = "importados", "rechazados"
SUFFIXES = (".csv",)


def ready_files(folder: Path, now: float) -> list[Path]:
    """The exports waiting in `folder`, oldest name first; hidden and still-changing files wait."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix.lower() in SUFFIXES
        and not path.name.startswith(".")
        and now - path.stat().st_mtime >= SETTLE_S
    )


def move_into(path: Path, folder: Path) -> Path:
    """Move `path` into `folder`, never over another file: a second `x.csv` becomes `x-2.csv`."""
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / path.name, 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{n}{path.suffix}"
    return path.rename(target)


async def import_folder(context: VigiaContext) -> None:
    services = context.services
    folder = services.unit.siram.import_folder
    if folder is None:
        return
    for path in await asyncio.to_thread(ready_files, folder, time.time()):
        await _import_one(context, services, folder, path)


async def _import_one(context: VigiaContext, services: Services, folder: Path, path: Path) -> None:
    try:
        result = await siram.import_file(services, path, "folder")
    except SiramFileError as error:
        await _reject(context, services, folder, path, error)
        return
    except OSError as exc:  # gone or unreadable: left where it is, tried again at the next run
        log.warning("SIRAM export %s not imported: %s", path, exc)
        return
    await asyncio.to_thread(move_into, path, folder / IMPORTED)
    if result.duplicate:
        log.info("SIRAM export %s was imported before (import #%s); nothing added", path.name, result.import_id)
    else:
        log.info("SIRAM export %s: %s reads imported (import #%s)", path.name, result.rows, result.import_id)


async def _reject(context: VigiaContext, services: Services, folder: Path, path: Path, error: SiramFileError) -> None:
    rejected = await asyncio.to_thread(move_into, path, folder / REJECTED)
    error_file = rejected.with_name(rejected.name + ".error.txt")
    await asyncio.to_thread(error_file.write_text, f"{path.name}: {error}\nNothing was imported.\n", "utf-8")
    log.warning("SIRAM export %s rejected, %s; moved to %s", path.name, error, rejected)
    await siram.tell_rejected(services, path.name, error, rejected, error_file)


JOBS = (Job("siram.import_folder", import_folder, every_s=INTERVAL_S, catch_up=True),)
