"""Information requests, the text questions a card's buttons ask in the group: where they are asked
and whom, which round of the request they belong to, and the text given back when it came too
late. The clock starts on Friday 4 December 2026 at 10:00."""

from __future__ import annotations

from tests.fake_telegram import Call
from tests.harness import GROUP_ID, BotHarness
from tests.test_solicitudes import CARLOS, MARTA, card, register

FORCE_REPLY = {"force_reply": True, "selective": True}


def solicitudes_topic(bot: BotHarness) -> int:
    """A `solicitudes` topic in the group, as a unit that sets one has it: the cards go there."""
    topic = bot.fake.create_topic(bot.user("coord.carlos"), bot.group, "Solicitudes")
    group = bot.services.unit.group
    topics = group.topics.model_copy(update={"solicitudes": topic})
    bot.services.unit = bot.services.unit.model_copy(update={"group": group.model_copy(update={"topics": topics})})
    return topic


def mentioned(message: dict) -> list[int]:
    return [e["user"]["id"] for e in message.get("entities", []) if e["type"] == "text_mention"]


async def question(bot: BotHarness, who: str, posted: Call, action: str) -> Call:
    """`who` presses the card's step button; the question it asks them."""
    mark, _ = await bot.press(who, posted.result, f"sol:1:{action}")
    return await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, reply_markup=FORCE_REPLY)


async def test_it_asks_a_steps_text_in_the_cards_topic_naming_who_pressed(bot: BotHarness) -> None:
    topic = solicitudes_topic(bot)
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    assert posted.result["message_thread_id"] == topic

    asked = await question(bot, "jefe.marta", posted, "no_pertinente")
    assert asked.result["message_thread_id"] == topic, "not in General, away from the card"
    assert asked.result["reply_to_message"]["message_id"] == posted.result["message_id"]
    assert mentioned(asked.result) == [MARTA], "ForceReply(selective=True) reaches only whom the text mentions"
    mark = bot.answer("jefe.marta", asked, "El video pedido no corresponde a la unidad")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="Estado: no pertinente")

    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("coord.carlos"), bot.group, "/solicitud", thread_id=topic)  # answered there too
    template = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="formulario")
    assert template.result["message_thread_id"] == topic and mentioned(template.result) == [CARLOS]
