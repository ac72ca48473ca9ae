"""Information requests, the text questions a card's buttons ask in the group: where they are asked
and whom, which round of the request they belong to, and the text given back when it came too
late. The clock starts on Friday 4 December 2026 at 10:00."""

from __future__ import annotations

from bot.solicitudes_rules import State
from storage.solicitudes import Solicitud
from tests.fake_telegram import Call
from tests.harness import GROUP_ID, BotHarness
from tests.test_solicitudes import CARLOS, MARTA, card, moved, register, searching

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


async def given_back(bot: BotHarness, who: str, question: Call, text: str) -> None:
    """`who` answers a question of an earlier round: the group is told it no longer applies, with the
    text, so nothing they wrote is lost."""
    mark = bot.answer(who, question, text)
    told = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="ya no corresponde")
    assert text in told.params["text"]


async def state(bot: BotHarness) -> str:
    async with bot.services.db.read() as session:
        request = await session.get(Solicitud, 1)
    assert request is not None
    return request.state


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


async def test_a_reason_asked_before_the_request_went_round_is_given_back(bot: BotHarness) -> None:
    """Marta presses *No pertinente* and leaves the question; Carlos asks for more data and records it.
    Her late reason was for the request as it was then: it must not close the new round."""
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    old = await question(bot, "jefe.marta", posted, "no_pertinente")
    await moved(
        bot,
        "coord.carlos",
        posted,
        "ampliar",
        "esperando más datos del solicitante",
        "Indique la placa completa y el carril",
    )
    await moved(bot, "coord.carlos", posted, "completar", "análisis de pertinencia", "Placa P123456, carril 2")

    await given_back(bot, "jefe.marta", old, "No hay cámaras en ese carril, la solicitud no procede")
    assert await state(bot) == State.PERTINENCIA, "decided on the new data, not on the old"


async def test_an_answer_asked_before_a_devolver_is_given_back(bot: BotHarness) -> None:
    posted = await searching(bot)
    await moved(
        bot, "tec.ana", posted, "informar", "verificación por jefatura", "Existe video de 08:00 a 10:00 del carril 1"
    )
    old = await question(bot, "jefe.marta", posted, "responder")
    await moved(bot, "coord.carlos", posted, "devolver", "búsqueda en el sistema", "Falta revisar también el carril 2")
    await moved(
        bot, "tec.ana", posted, "informar", "verificación por jefatura", "Hay video de los carriles 1 y 2, exportado"
    )

    await given_back(bot, "jefe.marta", old, "Se remite el video del carril 1 solicitado")
    assert await state(bot) == State.VERIFICACION, "the answer to the first search does not answer the second"


async def test_a_long_text_given_back_comes_back_whole(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    old = await question(bot, "jefe.marta", posted, "no_pertinente")
    await moved(bot, "coord.carlos", posted, "pertinente", "búsqueda en el sistema")  # while Marta types
    await bot.settle()  # the consigna's messages are out

    reason = " ".join(f"motivo{n:04d}" for n in range(360))  # 3,959 characters: Telegram's message holds 4,096
    mark = bot.answer("jefe.marta", old, reason)
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="motivo0359")
    await bot.settle()
    sent = [c.params["text"] for c in bot.fake.calls[mark:] if c.method == "sendMessage"]
    assert "ya no corresponde" in sent[0] and "\n".join(sent).endswith(reason), "not cut at 1,000 characters"
