"""Ana's guided /anomalia in the group, up to the questions the security tests answer with hostile,
oversized or wrong-typed input."""

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
