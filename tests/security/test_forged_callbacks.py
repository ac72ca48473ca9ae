"""Forged button presses: callback data pointing at another case, another person's button, or nothing.

Every one must be refused with a clear answer (or ignored when it matches no button at all), change
nothing in the database, and never end in a handler error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from storage.anomalias import Anomaly, AnomalyDraft, AnomalyNotice
from storage.consignas import Consigna
from storage.fallas import Fault, FaultEvent
from storage.prompts import PendingPrompt
from tests.conftest import UNIT_YAML
from tests.fake_telegram import Call
from tests.harness import GROUP_ID, BotHarness
from tests.security.forge import forge

LUIS, SONIA, OSCAR = 1005, 1009, 1006


@pytest.fixture
def unit_file(tmp_path: Path) -> Path:
    """A second site with a camera of its own: a forged button may name a camera of the wrong site."""
    unit = yaml.safe_load(UNIT_YAML)
    unit["sites"].append({"code": "amatillo", "name": "Aduana Frontera El Amatillo", "kind": "frontera_terrestre"})
    unit["cameras"].append(
        {"code": "amatillo-1", "name": "El Amatillo 1", "site": "amatillo", "rtsp_url": "rtsp://127.0.0.1:8554/x"}
    )
    path = tmp_path / "vigia.yaml"
    path.write_text(yaml.safe_dump(unit, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


async def own_message(bot: BotHarness, who: str) -> dict:
    """A message the bot sent to `who` in private: where a forger's client would press."""
    return (await bot.ask(who, "/ayuda")).result


async def file_anomaly(bot: BotHarness) -> Call:
    """Ana's urgent report at La Hachadura: Luis (notice 1) gets the alert. Returns Luis's alert."""
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura #persona_sospechosa Persona rondando el portón", "group")
    return await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="A-2026-0001")


async def notice(bot: BotHarness, notice_id: int) -> AnomalyNotice:
    async with bot.services.db.read() as session:
        found = await session.get(AnomalyNotice, notice_id)
    assert found is not None
    return found


async def prompts(bot: BotHarness) -> list[PendingPrompt]:
    async with bot.services.db.read() as session:
        return list((await session.exec(select(PendingPrompt))).all())


async def answered(bot: BotHarness, mark: int, **match: object) -> Call:
    return await bot.fake.wait_for("answerCallbackQuery", after=mark, **match)


async def test_it_refuses_an_acknowledgement_of_someone_elses_alert(bot: BotHarness) -> None:
    await file_anomaly(bot)
    for who in ("adm.sonia", "seg.oscar"):  # the backup administrator and security: not their alert
        mark = forge(bot, who, await own_message(bot, who), "anm:ack:1")
        refusal = await answered(bot, mark, text="Este aviso es para otra persona.")
        assert refusal.params["show_alert"] is True
    assert (await notice(bot, 1)).acknowledged_at is None
    assert bot.take_errors() == []


async def test_it_refuses_to_take_a_justification_for_someone_elses_alert(bot: BotHarness) -> None:
    await file_anomaly(bot)
    mark = forge(bot, "adm.sonia", await own_message(bot, "adm.sonia"), "anm:just:1")
    await answered(bot, mark, text="Este aviso es para otra persona.")
    await bot.settle()
    assert await prompts(bot) == [] and (await notice(bot, 1)).justification is None


async def test_it_refuses_to_close_an_anomaly_for_a_technician(bot: BotHarness) -> None:
    await file_anomaly(bot)
    mark = forge(bot, "tec.ana", await own_message(bot, "tec.ana"), "anm:close:1")
    refusal = await answered(bot, mark, text_contains="/anomalia es para")
    assert refusal.params["show_alert"] is True and await prompts(bot) == []


@pytest.mark.parametrize("data", ["anm:ack:999", "anm:just:999", "anm:close:999", "anm:call:999:realizada"])
async def test_it_answers_a_button_of_an_anomaly_that_does_not_exist(bot: BotHarness, data: str) -> None:
    mark = forge(bot, "coord.carlos", await own_message(bot, "coord.carlos"), data)
    await answered(bot, mark, text="Esa anomalía ya no existe.")
    assert bot.take_errors() == []


@pytest.mark.parametrize(
    "data", ["fll:999:ans:fallo_electrico", "fll:999:ask", "fll:999:resolve", "fll:999:cause:otro"]
)
async def test_it_answers_a_button_of_a_fault_that_does_not_exist(bot: BotHarness, data: str) -> None:
    mark = forge(bot, "tec.ana", await own_message(bot, "tec.ana"), data)
    await answered(bot, mark, text="Esa falla ya no existe.")
    assert bot.take_errors() == []


async def test_it_refuses_an_answer_the_triage_does_not_have(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/falla hachadura-1 Sin imagen desde las 9", "group")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-2026-0001")
    for data in ("fll:1:ans:resuelta", "fll:1:ans:enlace_correcto", "fll:1:cause:otro"):
        mark = forge(bot, "tec.ana", posted.result, data)
        await answered(bot, mark, text_contains="Ese paso ya no corresponde")
    async with bot.services.db.read() as session:
        fault = await session.get(Fault, 1)
    assert fault is not None and fault.finding is None and fault.resolved_at is None
    assert bot.take_errors() == []


async def test_it_refuses_the_administrators_answer_from_someone_else(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/falla hachadura-1 Sin imagen desde las 9", "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-2026-0001")
    mark = forge(bot, "seg.oscar", await own_message(bot, "seg.oscar"), "flla:1:todo_normal")
    await answered(bot, mark, ok=None)
    await bot.settle()
    bot.take_errors()  # editing the keyboard off a message that has none fails too; the stage is what matters
    async with bot.services.db.read() as session:
        fault = await session.get(Fault, 1)
        events = (await session.exec(select(FaultEvent).where(FaultEvent.fault_id == 1))).all()
    assert fault is not None
    assert fault.stage == "aduana", f"Óscar's forged answer moved the fault to {fault.stage}: {events}"


@pytest.mark.parametrize(
    ("who", "data", "expected"),
    [
        ("coord.carlos", "inf:1:ok", "/informe es para"),
        ("tec.ana", "inf:1:obs", "/informe es para"),
        ("jefe.marta", "inf:999:ok", "Ese informe ya no existe."),
        ("jefe.marta", "inf:999:obs", "Ese informe ya no existe."),
    ],
)
async def test_it_refuses_a_report_approval_from_anyone_but_the_chief_or_for_no_report(
    bot: BotHarness, who: str, data: str, expected: str
) -> None:
    mark = forge(bot, who, await own_message(bot, who), data)
    await answered(bot, mark, text_contains=expected)
    await bot.settle()
    assert await prompts(bot) == [] and bot.take_errors() == []


async def test_it_refuses_consigna_buttons_that_are_not_the_pressers_to_use(bot: BotHarness) -> None:
    await bot.ask("tec.ana", "/consigna Revisar el audio de la garita", text_contains="#1")
    posted = await bot.fake.wait_for("sendMessage", chat_id=GROUP_ID, text_contains="Revisar el audio")
    mark, _ = await bot.press("tec.ana", posted.result, "cns:take:1")
    await answered(bot, mark)
    cases = [
        ("tec.kevin", "cns:done:1", "Only whoever holds order #1"),
        ("tec.ana", "cns:cancel:1", "Solo coordinación y jefatura pueden cancelar"),
        ("adm.luis", "cns:take:1", "/consignas es para"),
        ("tec.ana", "cns:take:999", "Esa consigna ya no existe."),
    ]
    for who, data, expected in cases:
        mark = forge(bot, who, posted.result, data)
        await answered(bot, mark, text_contains=expected)
    async with bot.services.db.read() as session:
        consigna = await session.get(Consigna, 1)
    assert consigna is not None and consigna.status == "abierta" and await prompts(bot) == []


async def test_it_refuses_to_send_or_change_another_persons_draft_anomaly(bot: BotHarness) -> None:
    started = await bot.ask("tec.ana", "/anomalia", text_contains="Nuevo reporte de anomalía")
    for data in ("anmd:1:send", "anmd:1:cancel", "anmd:1:site:0"):
        mark = forge(bot, "tec.kevin", started.result, data)
        await answered(bot, mark, text="Someone else is filling in this report.")
    async with bot.services.db.read() as session:
        draft = await session.get(AnomalyDraft, 1)
    assert draft is not None and draft.site_code is None


@pytest.mark.parametrize("data", ["anmd:1:site:99", "anmd:1:cat:99"])
async def test_it_refuses_an_option_the_draft_never_offered(bot: BotHarness, data: str) -> None:
    started = await bot.ask("tec.ana", "/anomalia", text_contains="Nuevo reporte de anomalía")
    mark = forge(bot, "tec.ana", started.result, data)
    await answered(bot, mark, ok=None)
    await bot.settle()
    assert bot.take_errors() == []


async def test_it_refuses_a_camera_of_another_site_than_the_drafts(bot: BotHarness) -> None:
    started = await bot.ask("tec.ana", "/anomalia", text_contains="Nuevo reporte de anomalía")
    mark, _ = await bot.press("tec.ana", started.result, "anmd:1:site:0")  # La Hachadura
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="Paso 2 de 5")
    mark = forge(bot, "tec.ana", started.result, "anmd:1:cam:1")  # El Amatillo 1, never offered here
    await answered(bot, mark, show_alert=True)
    async with bot.services.db.read() as session:
        draft = await session.get(AnomalyDraft, 1)
    assert draft is not None and draft.cameras == "" and bot.take_errors() == []


async def test_it_refuses_to_send_a_draft_that_is_not_complete(bot: BotHarness) -> None:
    started = await bot.ask("tec.ana", "/anomalia", text_contains="Nuevo reporte de anomalía")
    mark = forge(bot, "tec.ana", started.result, "anmd:1:send")
    await answered(bot, mark, ok=None)
    await bot.settle()
    errors = bot.take_errors()
    async with bot.services.db.read() as session:
        filed = (await session.exec(select(Anomaly))).all()
    assert (filed, errors) == ([], [])


@pytest.mark.parametrize("data", ["foto:cam:999", "clip:cam:999:30", "mosaico:site:999", "foto:site:999"])
async def test_it_answers_a_camera_button_whose_camera_or_site_does_not_exist(bot: BotHarness, data: str) -> None:
    mark = forge(bot, "tec.ana", await own_message(bot, "tec.ana"), data)
    await answered(bot, mark, text_contains="Esa opción ya no existe")
    assert bot.take_errors() == []


@pytest.mark.parametrize("data", ["rlv:999:all", "rlv:999:1"])
async def test_it_answers_a_handover_button_that_points_nowhere(bot: BotHarness, data: str) -> None:
    mark = forge(bot, "tec.kevin", await own_message(bot, "tec.kevin"), data)
    refusal = await answered(bot, mark)
    assert refusal.params["show_alert"] is True
    assert bot.take_errors() == []


@pytest.mark.parametrize(
    "data", ["anm:ack:abc", "anm:ack:1:extra", "cns:take:-1", "fll:1:ans:FALLO", "x" * 64, "inf::ok", "🙂"]
)
async def test_it_ignores_callback_data_that_matches_no_button(bot: BotHarness, data: str) -> None:
    mark = forge(bot, "tec.ana", await own_message(bot, "tec.ana"), data)
    after = await bot.settle()
    made = [
        c.summary() for c in bot.fake.calls[mark:after] if c.method != "getUpdates" and c.params.get("chat_id") != 1004
    ]
    assert made == []  # nothing but the answer to settle()'s /ayuda from Marta
    assert bot.take_errors() == []


@pytest.mark.parametrize(
    ("who", "data"),
    [
        ("coord.carlos", "sol:999:admitir"),
        ("coord.carlos", "sol:999:ampliar"),
        ("tec.ana", "sol:999:hallazgo"),
    ],
)
async def test_it_answers_a_request_button_of_a_request_that_does_not_exist(
    bot: BotHarness, who: str, data: str
) -> None:
    mark = forge(bot, who, await own_message(bot, who), data)
    refusal = await answered(bot, mark)
    await bot.settle()
    assert refusal.params.get("show_alert") is True and await prompts(bot) == []
    assert bot.take_errors() == []
