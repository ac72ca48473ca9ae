"""Ana's guided /anomalia in the group, up to the questions the security tests answer with hostile,
oversized or wrong-typed input, or up to «Enviar reporte» for the tests of sending it."""

from __future__ import annotations

from tests.fake_telegram import Call
from tests.harness import BotHarness


async def description_question(bot: BotHarness) -> tuple[Call, Call]:
    """Site and category chosen: returns the form's message and the question "describa la situación"."""
    form = await bot.ask("tec.ana", "/anomalia", where="group")
    for data in ("anmd:1:site:0", "anmd:1:next"):
        mark, _ = await bot.press("tec.ana", form.result, data)
        await bot.fake.wait_for("editMessageText", after=mark, message_id=form.result["message_id"])
    mark, _ = await bot.press("tec.ana", form.result, "anmd:1:cat:0")
    return form, await bot.fake.wait_for("sendMessage", after=mark, text_contains="describa la situación")


async def ready_to_send(bot: BotHarness, photos: list[bytes]) -> Call:
    """Described, with `photos` of Ana's own: returns the form's message, at its last step."""
    form, question = await description_question(bot)
    mark = bot.answer("tec.ana", question, "Camión sin placas estacionado frente al portón norte")
    asked = await bot.fake.wait_for("sendMessage", after=mark, text_contains="envíe sus fotos")
    for count, data in enumerate(photos, 1):
        mark = bot.fake.mark()
        bot.fake.send_photo(bot.user("tec.ana"), bot.group, data, reply_to=asked.result)
        await bot.fake.wait_for("sendMessage", after=mark, text_contains=f"Foto agregada ({count})")
    return form
