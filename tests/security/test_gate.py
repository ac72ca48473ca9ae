"""Who gets in: people not linked, linked people outside their role, and forwarded commands."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.audit import AuditEntry
from storage.consignas import Consigna
from tests.harness import GROUP_ID, BotHarness
from tests.test_anomalias import file as file_anomaly

# One command of each workflow and who may not use it (role: tecnico, administrador, seguridad, direccion).
OUTSIDE_ROLE = [
    ("tec.ana", "/invitar tec.nuevo", "/invitar es para"),
    ("tec.ana", "/reporte", "/reporte es para"),
    ("adm.luis", "/consigna Abrir el portón norte", "/consigna es para"),
    ("adm.luis", "/foto hachadura 1", "/foto es para"),
    ("seg.oscar", "/anomalias", "/anomalias es para"),
    ("seg.oscar", "/placa P123456", "/placa es para"),
    ("dir.general", "/falla hachadura-1 sin imagen", "/falla es para"),
    ("dir.general", "/relevo", "/relevo es para"),
    ("tec.ana", "/solicitud\ntipo: interna\npide: video", "/solicitud &lt;formulario&gt; es para: coordinador"),
    ("adm.luis", "/solicitud S-2026-0001", "/solicitud es para"),
    ("seg.oscar", "/estado", "/estado es para"),
    ("dir.general", "/mantenimiento", "/mantenimiento es para"),
]


async def audited(bot: BotHarness, action: str) -> list[AuditEntry]:
    async with bot.services.db.read() as session:
        return list((await session.exec(select(AuditEntry).where(AuditEntry.action == action))).all())


async def consignas(bot: BotHarness) -> list[Consigna]:
    async with bot.services.db.read() as session:
        return list((await session.exec(select(Consigna))).all())


@pytest.mark.parametrize("text", ["/consigna Abrir el portón", "/foto hachadura 1", "/anomalia 1", "hola", "/start"])
async def test_it_refuses_a_person_in_the_unit_file_who_is_not_linked(bot: BotHarness, text: str) -> None:
    reply = await bot.ask("tec.nuevo", text)
    assert "pida a su coordinador un enlace de invitación" in reply.params["text"]
    await bot.settle()
    assert await consignas(bot) == [] and len(await audited(bot, "access.refused_private")) == 1


async def test_it_tells_a_person_who_is_not_linked_how_to_link_when_they_use_the_group(bot: BotHarness) -> None:
    reply = await bot.ask("tec.nuevo", "/consigna Abrir el portón", where="group")
    assert "no está vinculada a Vigía" in reply.params["text"]
    await bot.settle()
    assert await consignas(bot) == []


@pytest.mark.parametrize(("who", "text", "expected"), OUTSIDE_ROLE)
async def test_it_refuses_a_linked_person_outside_their_role(
    bot: BotHarness, who: str, text: str, expected: str
) -> None:
    reply = await bot.ask(who, text)
    assert expected in reply.params["text"]
    await bot.settle()
    assert await consignas(bot) == []
    assert [e.action for e in await audited(bot, "access.wrong_role")] == ["access.wrong_role"]


@pytest.mark.parametrize("where", ["private", "group"])
async def test_it_does_not_act_on_a_forwarded_command(bot: BotHarness, where: str) -> None:
    """Someone else's "/consigna ..." forwarded from another chat is not an order the forwarder gave."""
    elsewhere = bot.fake.group(-1002222, "Otro grupo", member=False)
    chat = bot.chat("coord.carlos", where)
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("coord.carlos"), chat, "/consigna Abrir el portón norte", forward_from_chat=elsewhere)
    after = await bot.settle()
    assert await consignas(bot) == []
    acted = [c for c in bot.fake.calls[mark:after] if c.params.get("chat_id") in (GROUP_ID, 1003)]
    assert [c.summary() for c in acted if "Abrir el portón" in str(c.params)] == []
    assert [e.actor_telegram_id for e in await audited(bot, "access.forwarded_command")] == [1003]
    told = [c.params["text"] for c in acted if c.method == "sendMessage" and "reenviado" in c.params.get("text", "")]
    assert len(told) == (1 if where == "private" else 0)  # explained in private; the group is left in peace


async def test_it_still_runs_a_typed_command_after_a_forwarded_one(bot: BotHarness) -> None:
    elsewhere = bot.fake.group(-1002222, "Otro grupo", member=False)
    bot.fake.send_text(
        bot.user("coord.carlos"), bot.private("coord.carlos"), "/consigna Uno dos", forward_from_chat=elsewhere
    )
    await bot.ask("coord.carlos", "/consigna Vigilar la bodega fiscal", text_contains="#1")
    assert [c.text for c in await consignas(bot)] == ["Vigilar la bodega fiscal"]


async def test_a_forwarded_text_answers_the_question_the_bot_asked_in_private(bot: BotHarness) -> None:
    """Luis forwards his supervisor's explanation when asked for the justification: he chose to send it,
    so it is recorded as his answer (README, Who can use it)."""
    _, _, alert = await file_anomaly(bot)
    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=1005, text_contains="Escriba la justificación")
    elsewhere = bot.fake.group(-1002222, "Otro grupo", member=False)
    mark = bot.fake.mark()
    text = "Era personal de la naviera autorizado para retirar carga"
    bot.fake.send_text(bot.user("adm.luis"), bot.private("adm.luis"), text, forward_from_chat=elsewhere)
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=1005, text_contains="quedó registrada")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="naviera autorizado")
