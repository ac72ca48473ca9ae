"""Availability from the monitor's hourly tally: the one function that does the arithmetic, what
/estado shows for a site and for a camera, the month's figures in the bitácora and the report's
average.

The tally is seeded directly (what rounds would have written), so every figure is known.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import yaml
from pypdf import PdfReader

from bot.fallas_bitacora import documents
from bot.health.rules import availability_grid
from storage.health import CameraHealth, CameraUptime
from tests.conftest import UNIT_YAML
from tests.harness import BotHarness
from tests.test_informes import chiefs_copy, pdf_text

T0 = datetime(2026, 12, 4, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def tally(camera: str, hour: datetime, up: int = 0, degraded: int = 0, down: int = 0, maint: int = 0) -> CameraUptime:
    return CameraUptime(camera_code=camera, hour=hour, up=up, degraded=degraded, down=down, maintenance=maint)


GROUPS = {"c1": "s1", "c2": "s1", "c3": "s2"}


@pytest.mark.parametrize(
    ("rows", "span", "periods", "expected"),
    [
        ([], DAY, 1, {"s1": [None], "s2": [None]}),  # no probes: no figure, not 0 %
        ([tally("c1", T0, up=8, degraded=1, down=1)], DAY, 1, {"s1": [90.0], "s2": [None]}),  # degraded is usable
        ([tally("c1", T0, up=5, maint=50)], DAY, 1, {"s1": [100.0], "s2": [None]}),  # maintenance counts for nothing
        ([tally("c1", T0, up=30), tally("c2", T0, down=10)], DAY, 1, {"s1": [75.0], "s2": [None]}),  # summed, then /
        ([tally("c1", T0, up=1), tally("c3", T0, down=1)], DAY, 1, {"s1": [100.0], "s2": [0.0]}),
        ([tally("c9", T0, down=5)], DAY, 1, {"s1": [None], "s2": [None]}),  # a camera no longer configured
        ([tally("c1", T0 - HOUR, down=5), tally("c1", T0 + DAY, down=5)], DAY, 1, {"s1": [None], "s2": [None]}),
        (
            [tally("c1", T0, up=1), tally("c1", T0 + 2 * HOUR, down=1)],
            HOUR,
            3,
            {"s1": [100.0, None, 0.0], "s2": [None] * 3},
        ),
        (
            [tally("c1", T0 + 23 * HOUR, up=3), tally("c1", T0 + DAY, down=1)],
            DAY,
            2,
            {"s1": [100.0, 0.0], "s2": [None] * 2},
        ),
    ],
)
def test_availability_is_useful_probes_over_probes_per_group_and_span(
    rows: list[CameraUptime], span: timedelta, periods: int, expected: dict[str, list[float | None]]
) -> None:
    assert availability_grid(rows, GROUPS, T0, span, periods) == expected


def test_availability_per_camera_is_the_same_function_grouped_by_camera() -> None:
    rows = [tally("c1", T0, up=3, down=1), tally("c2", T0, down=2)]
    assert availability_grid(rows, {"c1": "c1", "c2": "c2"}, T0, DAY, 1) == {"c1": [75.0], "c2": [0.0]}


@pytest.fixture
def unit_file(tmp_path: Path) -> Path:
    """La Hachadura's one camera, and El Amatillo's two (never probed: the tally is seeded)."""
    unit = yaml.safe_load(UNIT_YAML)
    unit["sites"].append({"code": "amatillo", "name": "Aduana Frontera El Amatillo", "kind": "frontera_terrestre"})
    unit["cameras"] += [
        {"code": f"amatillo-{n}", "name": f"Amatillo {n}", "site": "amatillo", "rtsp_url": "rtsp://127.0.0.1:9/x"}
        for n in (1, 2)
    ]
    path = tmp_path / "vigia.yaml"
    path.write_text(yaml.safe_dump(unit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def utc(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def seed(bot: BotHarness, *rows: CameraUptime | CameraHealth) -> None:
    async with bot.services.db.write() as session:
        session.add_all(rows)


async def test_estado_of_a_site_gives_each_camera_and_each_day(bot: BotHarness) -> None:
    """Now is Friday 4 December, 10:00 (16:00 UTC). Amatillo 1: all good at 09:00 today, all down at
    04:00 yesterday (outside the last 24 h, inside the week). Amatillo 2: half and half at 09:00."""
    now = bot.services.now()
    await seed(
        bot,
        tally("amatillo-1", utc(4, 15), up=60),
        tally("amatillo-1", utc(3, 10), down=60),
        tally("amatillo-1", utc(27, 12, month=11), down=100),  # 27 November: before the week
        tally("amatillo-2", utc(4, 15), up=30, down=30, maint=10),
        CameraHealth(camera_code="amatillo-1", since=now, last_probe_at=now, last_good_at=now),
        CameraHealth(
            camera_code="amatillo-2", since=now, last_probe_at=now, conditions="black", last_good_at=utc(4, 15)
        ),
    )
    mark, _ = await bot.send("tec.ana", "/estado amatillo")
    sent = await bot.fake.wait_for("sendPhoto", after=mark, timeout=10)
    (data,) = sent.files.values()
    assert data.startswith(b"\x89PNG")
    caption = sent.params["caption"]
    assert "El Amatillo</b>: 1 bien, 0 con problemas, 1 sin imagen · 24 h 75.0 % · 7 días 50.0 %" in caption
    assert "Por día: 28/11 — · 29/11 — · 30/11 — · 01/12 — · 02/12 — · 03/12 0.0 % · 04/12 75.0 %" in caption
    assert "• Amatillo 1: 100.0 % · 50.0 %\n" in caption
    assert "• Amatillo 2: 50.0 % · 50.0 % — imagen negra" in caption
    assert "La Hachadura" not in caption

    mark, _ = await bot.send("tec.ana", "/estado AMATILLO-2")
    caption = (await bot.fake.wait_for("sendPhoto", after=mark, timeout=10)).params["caption"]
    assert caption.startswith("📷 <b>Amatillo 2</b> (Aduana Frontera El Amatillo): imagen negra")
    assert "24 h 50.0 % · 7 días 50.0 %" in caption and "03/12 — · 04/12 50.0 %" in caption
    assert "Última imagen buena: 09:00" in caption

    everything = await bot.fake.wait_for("sendPhoto", after=(await bot.send("tec.ana", "/estado"))[0], timeout=10)
    assert (
        "El Amatillo</b>: 1 bien, 0 con problemas, 1 sin imagen · 24 h 75.0 % · 7 días 50.0 %"
        in (everything.params["caption"])
    )
    assert "La Hachadura</b>: 0 bien, 0 con problemas, 0 sin imagen · 24 h — · 7 días —" in everything.params["caption"]
    unknown = await bot.ask("tec.ana", "/estado narnia")
    assert "No hay sitio ni cámara «narnia»" in unknown.params["text"]


async def test_the_monthly_bitacora_prints_each_sites_availability_from_the_tally(bot: BotHarness) -> None:
    """November in El Salvador runs from 1 November 06:00 UTC to 1 December 06:00 UTC: the last hour
    of October (local) is left out, the last local hour of November is in."""
    await seed(
        bot,
        tally("amatillo-1", utc(1, 5, month=11), down=500),  # 31 October 23:00 local
        tally("amatillo-1", utc(10, 12, month=11), up=90, degraded=5, down=5),
        tally("amatillo-2", utc(1, 5), up=0, down=100),  # 30 November 23:00 local
        tally("amatillo-2", utc(1, 6), up=999),  # 1 December 00:00 local
    )
    files, _ = await documents(bot.services, date(2026, 11, 1))
    (xlsx_name, xlsx), (pdf_name, pdf) = files
    assert xlsx_name.endswith(".xlsx") and pdf_name.endswith(".pdf")
    line = "Disponibilidad de cámaras (monitor de salud): Aduana Frontera La Hachadura sin datos; "
    line += "Aduana Frontera El Amatillo 47,5 %"  # (95 usable) / (200 probes)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert line in cells
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert line in re.sub(r"\s+", " ", text)


async def test_the_reports_average_weighs_each_site_by_its_probes(bot: BotHarness) -> None:
    """El Amatillo's two cameras answered all their 120 probes, La Hachadura's one none of its 40:
    the unit had a picture in 120 of 160 probes (75 %), not the 50 % its two sites average."""
    await seed(
        bot,
        tally("amatillo-1", utc(25, 18, month=11), up=60),
        tally("amatillo-2", utc(25, 18, month=11), up=60),
        tally("hachadura-1", utc(25, 18, month=11), down=40),
    )
    mark, _ = await bot.send("jefe.marta", "/reporte 2026-11-Q2")
    pdf, _ = await chiefs_copy(bot, mark)
    summary = "Disponibilidad promedio de cámaras: 75,0 % (la más baja: Aduana Frontera La Hachadura, 0,0 %)"
    assert summary in " ".join(pdf_text(pdf).split())
