"""Consignas end to end: created, taken, noted, closed with a photo, cancelled, chased when overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage.consignas import Consigna, ConsignaEvent
from tests.fake_telegram import Call, png_bytes
from tests.harness import GROUP_ID, BotHarness


async def create(bot: BotHarness, who: str, text: str, where: str = "private") -> Call:
    """Run /consigna and return the consigna's own message in the group."""
    mark, _ = await bot.send(who, f"/consigna {text}", where)
    return await bot.fake.wait_for(
        "sendMessage",
        after=mark,
        chat_id=GROUP_ID,
        message_thread_id=bot.unit.group.topics.consignas,
        text_contains="Consigna #",
    )


async def stored(bot: BotHarness, consigna_id: int) -> Consigna:
    async with bot.services.db.read() as session:
        consigna = await session.get(Consigna, consigna_id)
    assert consigna is not None
    return consigna


async def test_the_chief_orders_and_a_technician_closes_it_with_a_photo(bot: BotHarness) -> None:
    posted = await create(bot, "jefe.marta", "Verificar @ana la #hachadura-1 y reportar !12:00")
    text = posted.params["text"]
    assert "Consigna #1</b> · de jefatura" in text and "Verificar la y reportar" in text
    assert "La tiene: Ana López" in text and "Hora límite: 04/12 12:00" in text and "hachadura-1" in text
    confirmation = await bot.fake.wait_for("sendMessage", chat_id=1004, text_contains="publicada")
    assert "Consigna #1" in confirmation.params["text"]

    mark, _ = await bot.press("tec.ana", posted.result, "cns:done:1")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="resultado")
    assert question.params["reply_markup"]["force_reply"] is True
    mark = bot.fake.mark()
    bot.fake.send_photo(
        bot.user("tec.ana"),
        bot.group,
        png_bytes(64, 48),
        caption="Cámara limpia, imagen normal",
        reply_to=question.result,
    )
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Consigna #1 cerrada")
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "✅ Cumplida por Ana López" in edited.params["text"] and "Cámara limpia" in edited.params["text"]
    assert "reply_markup" not in edited.params  # no buttons on a closed consigna
    consigna = await stored(bot, 1)
    assert consigna.status == "cumplida" and consigna.result_photo and consigna.closed_by_id is not None


async def test_a_technicians_consigna_is_for_the_next_shift_and_cannot_be_assigned(bot: BotHarness) -> None:
    refused = await bot.ask("tec.ana", "/consigna Revisar audio @kevin")
    assert "Solo coordinación y jefatura asignan" in refused.params["text"]
    posted = await create(bot, "tec.ana", "Revisar audio de la garita", where="group")
    assert "del turno anterior" in posted.params["text"] and "Sin tomar todavía" in posted.params["text"]


async def test_malformed_consignas_are_explained(bot: BotHarness) -> None:
    assert "Uso:" in (await bot.ask("coord.carlos", "/consigna")).params["text"]
    assert "«luna»" in (await bot.ask("coord.carlos", "/consigna Revisar #luna")).params["text"]
    assert "«ayer»" in (await bot.ask("coord.carlos", "/consigna Revisar !ayer")).params["text"]
    wrong = await bot.ask("adm.luis", "/consigna Revisar algo")
    assert "El comando /consigna es para" in wrong.params["text"]


async def test_a_deadline_already_past_is_refused_and_nothing_is_posted(bot: BotHarness) -> None:
    yesterday = await bot.ask("coord.carlos", "/consigna Revisar portón !03/12 08:00")  # it is 04/12 10:00
    assert "el 03/12/2026 08:00, que ya pasó" in yesterday.params["text"]
    this_morning = await bot.ask("coord.carlos", "/consigna Revisar portón !hoy 08:00")
    assert "el 04/12/2026 08:00, que ya pasó" in this_morning.params["text"]
    async with bot.services.db.read() as session:
        assert not (await session.exec(select(Consigna))).all()


async def test_take_note_and_the_holders_rule(bot: BotHarness) -> None:
    posted = await create(bot, "coord.carlos", "Ronda de cámaras de El Amatillo")
    mark, _ = await bot.press("tec.kevin", posted.result, "cns:take:1")
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text="Order #1 is yours now.")
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "La tiene: Kevin Portillo" in edited.params["text"]

    mark, _ = await bot.press("tec.ana", posted.result, "cns:done:1")
    refused = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert refused.params["show_alert"] is True and "(Kevin Portillo)" in refused.params["text"]
    mark, _ = await bot.press("tec.ana", posted.result, "cns:take:1")  # Ana takes it over: Kevin hears of it
    told = await bot.fake.wait_for("sendMessage", after=mark, chat_id=1002, text_contains="took over order #1")
    assert "Ana López" in told.params["text"] and "Ronda de cámaras" in told.params["text"]
    mark, _ = await bot.press("tec.ana", posted.result, "cns:cancel:1")
    refused = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "Solo coordinación y jefatura pueden cancelar" in refused.params["text"]

    mark, _ = await bot.press("tec.ana", posted.result, "cns:note:1")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="nota")
    await bot.send("tec.ana", "¿alguien vio el partido?", where="group")  # not a reply to the question: no note
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("tec.ana"), bot.group, "La cámara 2 <parpadea> & se congela", reply_to=question.result)
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="Nota agregada a la consigna #1")
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "Ana López: La cámara 2 &lt;parpadea&gt; &amp; se congela" in edited.params["text"]
    assert "partido" not in edited.params["text"]


async def test_a_supervisor_cancels_with_a_reason_and_late_presses_change_nothing(bot: BotHarness) -> None:
    posted = await create(bot, "coord.carlos", "Exportar video del portón")
    mark, _ = await bot.press("coord.carlos", posted.result, "cns:cancel:1")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="motivo")
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("coord.carlos"), bot.group, "Ya lo exportó Dirección", reply_to=question.result)
    await bot.press("tec.kevin", posted.result, "cns:take:1")  # pressed before the message lost its buttons
    stale = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "already closed; nothing was changed" in stale.params["text"]
    consigna = await stored(bot, 1)
    assert consigna.status == "cancelada" and consigna.cancel_reason == "Ya lo exportó Dirección"
    assert consigna.holder_id is None


async def test_the_board_is_pinned_once_and_edited_in_place(bot: BotHarness) -> None:
    await create(bot, "coord.carlos", "Primera consigna")
    pin = await bot.fake.wait_for("pinChatMessage", chat_id=GROUP_ID)
    board_id = pin.params["message_id"]
    mark = bot.fake.mark()
    await create(bot, "jefe.marta", "Segunda consigna")
    board = await bot.fake.wait_for("editMessageText", after=mark, message_id=board_id)
    assert board.params["text"].index("#1 Primera") < board.params["text"].index("#2 Segunda")
    bot.clock.advance(timedelta(hours=3, minutes=20))
    await bot.run_job("consignas.board")
    aged = await bot.fake.wait_for(
        "editMessageText", after=mark + 1, message_id=board_id, text_contains="hace 3 h 20 min"
    )
    assert aged.params["text"].startswith("<b>📋 Consignas abiertas</b> (al 13:20)")
    assert [c.method for c in bot.fake.calls].count("pinChatMessage") == 1
    listing = await bot.ask("tec.ana", "/consignas")
    assert "#1 Primera consigna · Sin tomar todavía · hace 3 h 20 min" in listing.params["text"]


async def test_a_consigna_with_many_long_notes_keeps_its_message_with_the_newest(bot: BotHarness) -> None:
    posted = await create(bot, "coord.carlos", "Ronda de cámaras de El Amatillo")
    async with bot.services.db.write() as session:
        session.add_all(
            ConsignaEvent(
                consigna_id=1, at=bot.services.now(), kind="nota", text=f"Nota {n}: " + "la cámara parpadea " * 40
            )
            for n in range(1, 13)
        )
    mark, _ = await bot.press("tec.kevin", posted.result, "cns:take:1")  # a change: the message is redrawn
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    text = edited.params["text"]
    assert edited.ok and "notas anteriores)" in text and "Nota 12:" in text and "Nota 1:" not in text
    assert "La tiene: Kevin Portillo" in text


async def test_a_board_the_bot_may_not_pin_is_still_edited_in_place(bot: BotHarness) -> None:
    bot.fake.chats[GROUP_ID].bot_admin = False  # the group never gave the bot the right to pin
    await create(bot, "coord.carlos", "Primera consigna")
    mark = bot.fake.mark()
    await create(bot, "jefe.marta", "Segunda consigna")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="#2 Segunda")
    boards = [c for c in bot.fake.calls if c.method == "sendMessage" and "Consignas abiertas" in str(c.params["text"])]
    assert len(boards) == 1, "posted once, then edited: not a new board at every change"


async def test_a_long_board_ends_with_how_many_more_and_the_list_shows_them_all(bot: BotHarness) -> None:
    async with bot.services.db.write() as session:
        session.add_all(
            Consigna(
                text=f"Verificar la grabación del carril {n} durante toda la noche",
                origin="test",
                created_at=bot.services.now(),
            )
            for n in range(1, 61)
        )
    mark = bot.fake.mark()
    await bot.run_job("consignas.board")
    board = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Consignas abiertas")
    assert board.ok and board.params["text"].endswith("más: /consignas las muestra todas.")
    mark, chat = await bot.send("tec.ana", "/consignas")
    first = await bot.fake.wait_for("sendMessage", after=mark, chat_id=chat["id"])
    rest = await bot.fake.wait_for("sendMessage", after=first.index + 1, chat_id=chat["id"])
    assert "#1 Verificar" in first.params["text"] and "#60 Verificar" in rest.params["text"]


async def test_an_overdue_consigna_is_chased_then_escalated_once(bot: BotHarness) -> None:
    await create(bot, "jefe.marta", "Reportar estado del enlace @ana !10:30")
    bot.clock.advance(timedelta(minutes=31))
    mark = bot.fake.mark()
    await bot.run_job("consignas.overdue")
    chase = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="venció")
    assert "Ana López, ¿cómo va?" in chase.params["text"]
    bot.clock.advance(timedelta(minutes=30))
    await bot.run_job("consignas.overdue")
    await bot.run_job("consignas.overdue")
    escalation = await bot.fake.wait_for("sendMessage", after=mark, chat_id=1003, text_contains="sigue abierta")
    assert "La tiene: Ana López" in escalation.params["text"]
    texts = [c.params["text"] for c in bot.fake.calls[mark:] if c.method == "sendMessage"]
    assert sum("venció" in text for text in texts) == 2  # one chase in the group, one escalation: never repeated
    async with bot.services.db.read() as session:
        consigna = (await session.exec(select(Consigna))).one()
    assert consigna.overdue_reminded_at and consigna.overdue_escalated_at


async def test_it_answers_a_reply_to_a_question_that_no_longer_waits(bot: BotHarness) -> None:
    first = await create(bot, "coord.carlos", "Limpiar la cámara del portón")
    second = await create(bot, "coord.carlos", "Revisar el audio de la garita")
    mark, _ = await bot.press("tec.ana", first.result, "cns:done:1")
    done = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="resultado")
    mark, _ = await bot.press("tec.ana", second.result, "cns:note:2")  # her question now: the note for #2
    note = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="nota")

    stale = await bot.fake.wait_for(
        "sendMessage", after=bot.answer("tec.ana", done, "Listo, imagen normal"), chat_id=GROUP_ID
    )
    assert "ya no está pendiente" in stale.params["text"] and "no se guardó" in stale.params["text"]
    assert (await stored(bot, 1)).status == "abierta"
    mark = bot.answer("tec.ana", note, "Se escucha bien")
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="Nota agregada a la consigna #2")
    mark = bot.answer("tec.ana", note, "Y sin eco")  # answered already: the question is gone, and she is told
    assert "ya no está pendiente" in (await bot.fake.wait_for("sendMessage", after=mark)).params["text"]
    mark = bot.answer("tec.kevin", done, "Yo la reviso después")  # a question to someone else: conversation
    await bot.settle()
    assert not [c for c in bot.fake.calls[mark:] if c.method == "sendMessage"]


async def test_a_handover_accepted_tells_whoever_held_each_consigna(bot: BotHarness) -> None:
    await create(bot, "jefe.marta", "Llamar al proveedor por la cámara 2 @carlos")
    await create(bot, "coord.carlos", "Vigilar el portón norte @ana")
    await create(bot, "coord.carlos", "Revisar audio garita")  # nobody holds it: nobody to tell
    await create(bot, "coord.carlos", "Ronda de El Amatillo @kevin")  # Kevin's already: he accepts it himself
    bot.clock.set(datetime(2026, 12, 4, 19, 50, tzinfo=UTC))  # 13:50, ten minutes before the afternoon shift
    mark, _ = await bot.send("tec.ana", "/relevo", "group")
    handover = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo")
    mark, _ = await bot.press("tec.kevin", handover.result, "rlv:1:all")
    await bot.fake.wait_for("answerCallbackQuery", after=mark)
    await bot.settle()
    told = [c for c in bot.fake.calls[mark:] if c.method == "sendMessage" and "🔁" in c.params["text"]]
    assert sorted((c.params["chat_id"], c.params["text"]) for c in told) == [
        (1001, "🔁 Kevin Portillo tomó la consigna #2, que estaba a su cargo: «Vigilar el portón norte»."),
        (1003, "🔁 Kevin Portillo tomó la consigna #1, que estaba a su cargo: «Llamar al proveedor por la cámara 2»."),
    ]


async def test_a_consignas_message_keeps_its_times_true_days_later(bot: BotHarness) -> None:
    posted = await create(bot, "jefe.marta", "Reportar estado del enlace @ana !10:30")
    message_id = posted.result["message_id"]
    assert "Dejada por Marta Hernández el 04/12 10:00" in posted.params["text"]
    assert "Hora límite: 04/12 10:30" in posted.params["text"] and "Vencida" not in posted.params["text"]
    bot.clock.advance(timedelta(days=1))  # read the next day, it still says when, not "hace un momento"
    mark, _ = await bot.press("tec.ana", posted.result, "cns:note:1")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="nota")
    edited = await bot.fake.wait_for(
        "editMessageText", after=bot.answer("tec.ana", question, "Enlace estable"), message_id=message_id
    )
    assert "Dejada por Marta Hernández el 04/12 10:00" in edited.params["text"]
    assert "• 05/12 10:00 Ana López: Enlace estable" in edited.params["text"]


async def test_a_consigna_past_its_deadline_says_so_in_its_message_once(bot: BotHarness) -> None:
    posted = await create(bot, "jefe.marta", "Reportar estado del enlace @ana !10:30")
    message_id = posted.result["message_id"]
    bot.clock.advance(timedelta(minutes=31))
    mark = bot.fake.mark()
    await bot.run_job("consignas.overdue")
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=message_id)
    assert "Hora límite: 04/12 10:30\nLa tiene: Ana López\n⏰ Vencida" in edited.params["text"]
    assert "inline_keyboard" in edited.params["reply_markup"]  # still open: its buttons stay
    bot.clock.advance(timedelta(hours=2))
    await bot.run_job("consignas.overdue")  # the escalation
    await bot.run_job("consignas.board")
    await bot.run_job("consignas.overdue")
    edits = [c for c in bot.fake.calls[mark:] if c.method == "editMessageText" and c.params["message_id"] == message_id]
    assert len(edits) == 1, "edited once, when it fell overdue: not on every run"
