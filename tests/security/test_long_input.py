"""The longest text a person can send, typed into any field: answered, cut short or refused with a
message; never a handler error, never a request Telegram refuses (over 4,096 characters is a 400).

Telegram's clients send at most 4,096 characters a message, which is enough to overflow any message
that quotes it; 10,000 also stands for whatever arrives some other way (a forged update). Every case
names where the text goes back out: the echo of a bad argument, the group's post, the edited case.
"""

from __future__ import annotations

import pytest

from tests.harness import GROUP_ID, BotHarness
from tests.security.guided import description_question
from tests.security.hostile import refused_calls

SIZES = (4096, 10_000)  # Telegram's limit for one message, and the brief's
ANA, CARLOS, MARTA, LUIS = 1001, 1003, 1004, 1005


def words(size: int) -> str:
    return ("palabra " * (size // 8 + 1))[:size].strip()


def filled(template: str, size: int, one_word: bool) -> str:
    """`template` with its "{}" filled up to `size` characters in all: one long token, or many words."""
    room = size - len(template) + 2
    return template.format("x" * room if one_word else words(room))


async def answered_cleanly(bot: BotHarness, mark: int, chat_id: int) -> None:
    """Something reached the person (or the group), Telegram refused nothing, no handler failed."""
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=chat_id, ok=None)
    after = await bot.settle()
    refused, errors = refused_calls(bot, mark, after), [error[:120] for error in bot.take_errors()]
    assert not refused and not errors, f"refused by Telegram: {refused}; handler errors: {errors}"


def command(who: str, template: str, chat_id: int, one_word: bool, where: str = "") -> object:
    """One case; `where` says what quotes the text back (for whoever reads a failure)."""
    return pytest.param(who, template, chat_id, one_word, id=template.replace("{}", "…"))


COMMANDS = [
    command(
        "coord.carlos",
        "/consigna {}",
        GROUP_ID,
        False,
        "the consigna's message (bot/consignas_render.py consigna_text)",
    ),
    command(
        "tec.ana", "/falla hachadura-1 {}", GROUP_ID, False, "the fault's message (bot/fallas_render.py fault_text)"
    ),
    command("tec.ana", "/relevo {}", GROUP_ID, False, "the handover's notes (bot/relevo_render.py handover_text)"),
    command("coord.carlos", "/mantenimiento hachadura-1 2h {}", CARLOS, False),
    command("tec.ana", "/placa {}", ANA, True, "the plate echoed in handlers/placas.py _usage (placa.error.bad_plate)"),
    command("tec.ana", "/placa P123456 {}", ANA, False, "the site echoed in handlers/placas.py _usage (unknown_site)"),
    command("tec.ana", "/foto {}", ANA, True, "the name echoed by handlers/camaras.py _offer (camaras.none)"),
    command("tec.ana", "/clip {}", ANA, True, "the name echoed by handlers/camaras.py _offer (camaras.none)"),
    command("tec.ana", "/mosaico {}", ANA, True, "the name echoed by handlers/camaras.py _offer (camaras.none_site)"),
    command("tec.ana", "/anomalia {}", ANA, True, "the site echoed by handlers/anomalias.py anomalia (unknown_site)"),
    command("tec.ana", "/anomalia hachadura #{}", ANA, True, "handlers/anomalias.py anomalia (unknown_category)"),
    command("tec.ana", "/falla {}", ANA, True, "the target echoed by handlers/fallas.py falla (falla.unknown_target)"),
    command("jefe.marta", "/reporte {}", MARTA, True, "the period echoed by handlers/informes.py reporte (bad_period)"),
    command("tec.ana", "/bitacora {}", ANA, True),
    command("coord.carlos", "/invitar {}", CARLOS, True, "the key echoed by handlers/linking.py (link.invite_unknown)"),
    command("tec.ana", "/evidencia {}", ANA, True),
    command(
        "coord.carlos", "/mantenimiento {} 2h", CARLOS, True, "handlers/salud.py:105 (salud.mantenimiento.unknown)"
    ),
    command("tec.ana", "/estado {}", ANA, True, "the site echoed by handlers/salud.py:45 (salud.status.unknown)"),
    command("coord.carlos", "/referencia {}", CARLOS, True, "handlers/salud.py:74 (salud.referencia.unknown)"),
    command("coord.carlos", "/rol hoy mañana {}", CARLOS, False),
    command("tec.ana", "/ayuda {}", ANA, False),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("who", "template", "chat_id", "one_word"), COMMANDS)
async def test_it_handles_a_command_as_long_as_a_message_can_be(
    bot: BotHarness, who: str, template: str, chat_id: int, one_word: bool, size: int
) -> None:
    mark, _ = await bot.send(who, filled(template, size, one_word))
    await answered_cleanly(bot, mark, chat_id)


@pytest.mark.parametrize("size", SIZES)
async def test_it_handles_text_as_long_as_a_message_can_be_where_nobody_asked_anything(
    bot: BotHarness, size: int
) -> None:
    mark, _ = await bot.send("tec.ana", words(size))
    after = await bot.settle()
    assert refused_calls(bot, mark, after) == [] and bot.take_errors() == []


@pytest.mark.parametrize("size", SIZES)
async def test_it_handles_an_invitation_code_as_long_as_a_message_can_be(bot: BotHarness, size: int) -> None:
    mark, _ = await bot.send("tec.nuevo", filled("/start {}", size, one_word=True))
    await answered_cleanly(bot, mark, 1008)


@pytest.mark.parametrize("size", SIZES)
async def test_it_handles_an_urgent_anomaly_as_long_as_a_message_can_be(bot: BotHarness, size: int) -> None:
    mark, _ = await bot.send("tec.ana", filled("/anomalia hachadura {}", size, one_word=False), "group")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, ok=None)  # the alert, then the group
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="A-2026-0001", ok=None)
    await answered_cleanly(bot, mark, GROUP_ID)


@pytest.mark.parametrize("size", SIZES)
async def test_it_handles_consigna_notes_as_long_as_a_message_can_be(bot: BotHarness, size: int) -> None:
    await bot.ask("coord.carlos", "/consigna Revisar el audio de la garita", text_contains="#1")
    posted = await bot.fake.wait_for("sendMessage", chat_id=GROUP_ID, text_contains="Revisar el audio")
    mark, _ = await bot.press("tec.ana", posted.result, "cns:note:1")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="#1")
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("tec.ana"), bot.group, words(size), reply_to=question.result)
    await answered_cleanly(bot, mark, GROUP_ID)


@pytest.mark.parametrize("size", SIZES)
async def test_it_handles_a_justification_as_long_as_a_message_can_be(bot: BotHarness, size: int) -> None:
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura Persona rondando el portón norte", "group")
    alert = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="A-2026-0001")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="🚨 <b>A-2026-0001")
    mark, _ = await bot.press("adm.luis", alert.result, "anm:just:1")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="justificación")
    mark, _ = await bot.send("adm.luis", words(size))
    await answered_cleanly(bot, mark, LUIS)


@pytest.mark.parametrize("size", SIZES)
async def test_it_handles_a_guided_description_as_long_as_a_message_can_be(bot: BotHarness, size: int) -> None:
    _, question = await description_question(bot)
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("tec.ana"), bot.group, words(size), reply_to=question.result)
    await answered_cleanly(bot, mark, GROUP_ID)


@pytest.mark.parametrize("size", SIZES)
async def test_it_handles_a_fault_treatment_as_long_as_a_message_can_be(bot: BotHarness, size: int) -> None:
    mark, _ = await bot.send("tec.ana", "/falla hachadura-1 Sin imagen desde las 9", "group")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-2026-0001")
    mark, _ = await bot.press("tec.ana", posted.result, "fll:1:resolve")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-2026-0001")
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("tec.ana"), bot.group, words(size), reply_to=question.result)
    causes = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="causa", ok=None)
    mark, _ = await bot.press("tec.ana", causes.result, "fll:1:cause:camara")
    await answered_cleanly(bot, mark, MARTA)  # the chief is told, with the treatment
