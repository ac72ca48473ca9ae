"""The shift handover end to end: composed, partly accepted, reminded, escalated, survived a restart,
completed, and summarised for the chief. Morning shift: Ana (outgoing); afternoon: Kevin (incoming)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import relevo
from bot.relevo_board import keyboard
from bot.relevo_render import handover_text
from bot.shifts import Slot
from bot.text import TELEGRAM_MAX, telegram_length
from storage.consignas import Consigna
from storage.people import person_by_key
from storage.relevo import Handover, HandoverItem
from tests.fake_telegram import Call
from tests.harness import GROUP_ID, START, BotHarness
from tests.security.forge import forge

HANDOVER_TIME = datetime(2026, 12, 4, 19, 50, tzinfo=UTC)  # 13:50 in El Salvador, ten minutes before 14:00


async def hand_over(bot: BotHarness, notes: str = "") -> Call:
    """Two open consignas, then Ana's /relevo in the group; returns the handover message."""
    for who, text in (("coord.carlos", "Vigilar el portón norte de La Hachadura"), ("tec.ana", "Revisar audio garita")):
        mark, _ = await bot.send(who, f"/consigna {text}", "group")
        await bot.fake.wait_for("sendMessage", after=mark, text_contains="Consigna #")
    bot.clock.set(HANDOVER_TIME)
    mark, _ = await bot.send("tec.ana", f"/relevo {notes}".strip(), "group")
    return await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo")


async def test_a_full_shift_change_with_partial_acceptance(bot: BotHarness) -> None:
    posted = await hand_over(bot, "Cámara 3 de San Cristóbal intermitente\ndesde las 11:00")
    text = posted.params["text"]
    assert "del turno mañana (06:00–14:00) al turno tarde (14:00–22:00)" in text
    assert "Entrega: Ana López, 13:50" in text and "Recibe: Kevin Portillo" in text
    assert "1. ⬜ #1 Vigilar el portón norte de La Hachadura" in text and "2. ⬜ #2 Revisar audio garita" in text
    assert "Cámara 3 de San Cristóbal intermitente\ndesde las 11:00" in text and "Faltan por aceptar: 2 de 2." in text
    assert posted.params["message_thread_id"] == bot.unit.group.topics.consignas

    mark, _ = await bot.press("tec.ana", posted.result, f"rlv:1:{1}")
    own = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert own.params["show_alert"] and "No puede aceptar su propio relevo" in own.params["text"]

    mark, _ = await bot.press("tec.kevin", posted.result, "rlv:1:1")
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text="Accepted.")
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert (
        "1. ✅ #1 Vigilar el portón norte de La Hachadura · Sin tomar todavía · aceptó Kevin Portillo 13:50"
        in (edited.params["text"])
    )
    assert "Faltan por aceptar: 1 de 2." in edited.params["text"]
    buttons = [b["callback_data"] for row in edited.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["rlv:1:2", "rlv:1:all"]
    consigna_message = await bot.fake.wait_for("editMessageText", after=mark, text_contains="Consigna #1")
    assert "La tiene: Kevin Portillo" in consigna_message.params["text"]

    mark, _ = await bot.press("tec.kevin", edited.result, "rlv:1:all")
    done = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "✅ Relevo aceptado por Kevin Portillo a las 13:50." in done.params["text"]
    assert "reply_markup" not in done.params
    async with bot.services.db.read() as session:
        assert (await session.get(Consigna, 2)).holder_id == (await session.get(Consigna, 1)).holder_id  # type: ignore[union-attr]


async def test_a_second_relevo_points_to_the_open_one_and_brings_it_up_to_date(bot: BotHarness) -> None:
    posted = await hand_over(bot)
    again = await bot.ask("tec.ana", "/relevo", where="group")
    assert "Ya hay un relevo abierto" in again.params["text"]
    assert again.params["reply_parameters"]["message_id"] == posted.result["message_id"]

    mark, _ = await bot.send("coord.carlos", "/consigna Llamar al técnico del enlace a las 15:00", "group")
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="Consigna #3")
    mark, _ = await bot.send("tec.ana", "/relevo El enlace de El Amatillo cayó dos veces", "group")
    updated = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="quedó al día")
    assert updated.params["reply_parameters"]["message_id"] == posted.result["message_id"]
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "3. ⬜ #3 Llamar al técnico del enlace" in edited.params["text"]
    assert (
        "El enlace de El Amatillo cayó dos veces" in edited.params["text"]
        and "Faltan por aceptar: 3 de 3." in (edited.params["text"])
    )


async def test_a_handover_of_long_consignas_is_one_message_with_the_start_of_each(bot: BotHarness) -> None:
    """Consignas made from information requests carry the whole request: six of them used to make the
    handover too long for Telegram, and it was never posted."""
    request = "Solicitud S-2026-0001: video del carril de entrada del 3 de diciembre, de 08:00 a 10:00, " * 9
    async with bot.services.db.write() as session:
        session.add_all(Consigna(text=request, origin="solicitud", created_at=bot.services.now()) for _ in range(6))
    bot.clock.set(HANDOVER_TIME)
    mark, _ = await bot.send("tec.ana", "/relevo", "group")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo")
    assert (
        posted.ok
        and posted.params["text"].count("…") == 6
        and "6. ⬜ #6 Solicitud S-2026-0001" in posted.params["text"]
    )


async def test_a_relevo_stored_but_never_shown_is_shown_by_the_next_relevo(bot: BotHarness) -> None:
    """A crash between storing Ana's handover and owing its message (two units of work) leaves it
    without a message: her next /relevo shows it instead of pointing at a message that never was."""
    bot.clock.set(HANDOVER_TIME)
    async with bot.services.db.read() as session:
        ana = await person_by_key(session, "tec.ana")
    assert ana is not None
    await relevo.compose(bot.services, ana, "")  # stored; the process "died" before _show
    mark, _ = await bot.send("tec.ana", "/relevo", "group")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo</b> del turno")
    assert "Ya hay un relevo abierto" not in posted.params["text"]


async def test_reminder_then_escalation_each_once(bot: BotHarness) -> None:
    posted = await hand_over(bot)
    mark = bot.fake.mark()
    await bot.run_job("relevo.tick")
    assert not [c for c in bot.fake.calls[mark:] if "sin aceptar" in str(c.params.get("text"))]

    bot.clock.advance(timedelta(minutes=15))
    await bot.run_job("relevo.tick")
    group = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo sin aceptar")
    assert group.params["reply_parameters"]["message_id"] == posted.result["message_id"]
    private = await bot.fake.wait_for("sendMessage", after=mark, chat_id=1002)
    assert "The handover of the mañana shift has waited 15 min" in private.params["text"]

    bot.clock.advance(timedelta(minutes=15))
    await bot.run_job("relevo.tick")
    await bot.run_job("relevo.tick")
    escalation = await bot.fake.wait_for("sendMessage", after=mark, chat_id=1003, text_contains="sigue sin aceptar")
    assert (
        "entregado por Ana López a las 13:50" in escalation.params["text"]
        and "Recibe: Kevin" in escalation.params["text"]
    )
    texts = [str(c.params.get("text")) for c in bot.fake.calls[mark:] if c.method == "sendMessage"]
    assert [
        sum(phrase in t for t in texts) for phrase in ("Relevo sin aceptar", "sigue sin aceptar", "has waited")
    ] == [1, 1, 1]


async def test_a_restart_mid_handover_loses_nothing_and_catches_up_once(bot: BotHarness) -> None:
    posted = await hand_over(bot)
    mark, _ = await bot.press("tec.kevin", posted.result, "rlv:1:1")
    await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    await bot.stop()
    bot.clock.advance(timedelta(minutes=40))  # the reminder and the escalation fell due while the bot was down
    bot.jobs_run_by_themselves = True
    mark = bot.fake.mark()
    await bot.start()
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo sin aceptar")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=1003, text_contains="sigue sin aceptar")

    press_mark, _ = await bot.press("tec.kevin", posted.result, "rlv:1:2")
    done = await bot.fake.wait_for("editMessageText", after=press_mark, message_id=posted.result["message_id"])
    assert (
        "1. ✅ #1" in done.params["text"]
        and "2. ✅ #2" in done.params["text"]
        and "Relevo aceptado" in done.params["text"]
    )
    await bot.run_job("relevo.tick")
    texts = [str(c.params.get("text")) for c in bot.fake.calls[mark:] if c.method == "sendMessage"]
    assert [sum(phrase in t for t in texts) for phrase in ("Relevo sin aceptar", "sigue sin aceptar")] == [1, 1]


async def test_the_outgoing_shift_is_prompted_and_the_chief_gets_a_summary(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 12, 4, 19, 46, tzinfo=UTC))  # 13:46
    mark = bot.fake.mark()
    await bot.run_job("relevo.tick")
    await bot.run_job("relevo.tick")
    prompt = await bot.fake.wait_for("sendMessage", after=mark, chat_id=1001)
    assert "Su turno mañana termina a las 14:00" in prompt.params["text"]
    await hand_over(bot)
    await bot.run_job("relevo.tick")
    assert [c.params["chat_id"] for c in bot.fake.calls[mark:] if c.method == "sendMessage"].count(1001) == 1

    handover = await bot.fake.wait_for("sendMessage", after=mark, text_contains="Relevo</b> del turno")
    press, _ = await bot.press("tec.kevin", handover.result, "rlv:1:all")
    await bot.fake.wait_for("editMessageText", after=press, text_contains="Relevo aceptado")
    bot.clock.set(datetime(2026, 12, 4, 20, 1, tzinfo=UTC))  # 14:01: the morning shift has ended
    await bot.run_job("relevo.tick")
    await bot.run_job("relevo.tick")
    summary = await bot.fake.wait_for("sendMessage", after=mark, chat_id=1004, text_contains="Resumen del turno mañana")
    text = summary.params["text"]
    assert "Consignas creadas: 2 · cumplidas: 0 · canceladas: 0 · pasan al turno siguiente: 2" in text
    assert "aceptado por Kevin Portillo a las 13:" in text
    assert [c.params["chat_id"] for c in bot.fake.calls[mark:] if c.method == "sendMessage"].count(1004) == 1


async def test_the_chiefs_summary_waits_for_the_acceptance_or_for_the_escalation(bot: BotHarness) -> None:
    posted = await hand_over(bot)
    bot.clock.set(datetime(2026, 12, 4, 20, 1, tzinfo=UTC))  # 14:01: the shift has ended, nobody accepted yet
    mark = bot.fake.mark()
    await bot.run_job("relevo.tick")
    assert not [c for c in bot.fake.calls[mark:] if c.params.get("chat_id") == 1004]
    bot.clock.set(datetime(2026, 12, 4, 20, 10, tzinfo=UTC))
    press, _ = await bot.press("tec.kevin", posted.result, "rlv:1:all")
    await bot.fake.wait_for("editMessageText", after=press, text_contains="Relevo aceptado")
    await bot.run_job("relevo.tick")
    summary = await bot.fake.wait_for("sendMessage", after=mark, chat_id=1004, text_contains="Resumen del turno mañana")
    assert "aceptado por Kevin Portillo a las 14:10" in summary.params["text"]


async def test_a_press_on_a_handover_accepted_but_never_redrawn_redraws_it(bot: BotHarness) -> None:
    """A crash between Kevin's acceptance and owing the message's edit (two units of work) left the
    old buttons. Expected: his next press says it was accepted already and the message catches up;
    a press on a message already current edits nothing."""
    posted = await hand_over(bot)
    async with bot.services.db.read() as session:
        kevin = await person_by_key(session, "tec.kevin")
    assert kevin is not None
    await relevo.accept(bot.services, 1, None, kevin, [kevin])  # stored; the process "died" before _show
    mark, _ = await bot.press("tec.kevin", posted.result, "rlv:1:1")
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text="That was already accepted; nothing was changed.")
    done = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "✅ Relevo aceptado por Kevin Portillo" in done.params["text"] and "reply_markup" not in done.params
    mark = forge(bot, "tec.kevin", posted.result, "rlv:1:all")  # a slow phone's tap on the old buttons
    await bot.fake.wait_for("answerCallbackQuery", after=mark)
    await bot.settle()
    assert [c for c in bot.fake.calls[mark:] if c.method == "editMessageText"] == []


async def test_someone_outside_the_incoming_shift_cannot_accept(bot: BotHarness) -> None:
    posted = await hand_over(bot)
    mark = bot.fake.mark()
    bot.fake.press(bot.user("stranger"), posted.result, "rlv:1:all")
    refused = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "no está vinculada" in refused.params["text"]
    mark, _ = await bot.press("jefe.marta", posted.result, "rlv:1:2")
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text="Aceptado.")  # supervisors may


async def test_open_anomalies_are_handed_over_too(bot: BotHarness) -> None:
    mark, _ = await bot.send("tec.ana", "/anomalia hachadura Vehículo detenido sin placas frente al portón", "group")
    await bot.fake.wait_for("sendMessage", after=mark, text_contains="Llame primero")
    posted = await hand_over(bot)
    assert (
        "<b>Anomalías abiertas</b>\n3. ⬜ A-2026-0001 Otro · Aduana Frontera La Hachadura · abierta"
        in (posted.params["text"])
    )
    assert "<b>Fallas abiertas</b>\n(ninguna)" in posted.params["text"]
    mark, _ = await bot.press("tec.kevin", posted.result, "rlv:1:all")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="Relevo aceptado")
    timeline = await bot.ask("coord.carlos", "/anomalia A-2026-0001")
    assert "Kevin Portillo: la recibió en el relevo" in timeline.params["text"]


async def test_the_chiefs_summary_survives_telegram_being_down(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 12, 4, 20, 31, tzinfo=UTC))  # 14:31: no handover, and its 30 minutes are up
    bot.fake.fail_next("sendMessage", error_code=502, description="Bad Gateway")
    mark = bot.fake.mark()
    await bot.run_job("relevo.tick")  # the summary fails: its claim is given back
    await bot.run_job("relevo.tick")
    await bot.run_job("relevo.tick")
    summary = await bot.fake.wait_for("sendMessage", after=mark, chat_id=1004, text_contains="Resumen del turno mañana")
    sent = [c for c in bot.fake.calls[mark:] if c.ok and c.params.get("chat_id") == 1004]
    assert sent == [summary]


async def test_a_handover_of_forty_items_lists_what_fits_and_can_be_accepted(bot: BotHarness) -> None:
    """About 35 open items (the health monitor's faults add up) made the handover longer than Telegram
    takes: it was never posted, so nobody could accept it. Expected: it lists what fits, says how many
    more and where they all are, and "Aceptar todo" accepts them all."""
    order = "Revisar la grabación del carril de entrada de La Hachadura de las 08:00 a las 10:00 de ayer"
    async with bot.services.db.write() as session:
        session.add_all(Consigna(text=order, origin="coordinacion", created_at=bot.services.now()) for _ in range(40))
    bot.clock.set(HANDOVER_TIME)
    mark, _ = await bot.send("tec.ana", "/relevo Sin novedad aparte de lo listado", "group")
    posted = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo", ok=None)
    text = posted.params["text"]
    assert posted.ok and "Sin novedad aparte de lo listado" in text and "Faltan por aceptar: 40 de 40." in text
    listed = text.count("⬜")
    assert 20 < listed < 40 and f"… y {40 - listed} más (ver /consignas)" in text
    assert "<b>Fallas abiertas</b>\n(ninguna)" in text
    buttons = [b["callback_data"] for row in posted.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [f"rlv:1:{n}" for n in range(1, listed + 1)] + ["rlv:1:all"]  # a button for each one listed

    mark, _ = await bot.press("tec.kevin", posted.result, "rlv:1:all")
    done = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"], ok=None)
    assert done.ok and "✅ Relevo aceptado por Kevin Portillo" in done.params["text"]
    async with bot.services.db.read() as session:
        kevin = await person_by_key(session, "tec.kevin")
        holders = {(await session.get(Consigna, n)).holder_id for n in range(1, 41)}  # type: ignore[union-attr]
    assert kevin is not None and holders == {kevin.id}


def test_a_handover_never_has_more_buttons_than_telegram_takes() -> None:
    """Telegram refuses a message with more than 100 buttons: a hundred short items fit in the text."""
    now = datetime(2026, 12, 4, 19, 50, tzinfo=UTC)
    tz = ZoneInfo("America/El_Salvador")
    slot = Slot(date(2026, 12, 4), "mañana", now, now)
    handover = Handover(id=1, slot_key=slot.key, incoming_slot_key=slot.key, from_person_id=1, created_at=now)
    items = [HandoverItem(id=n, handover_id=1, kind="falla", ref=str(n), label=f"F{n}") for n in range(1, 151)]
    text, listed = handover_text(handover, items, slot, slot, [], {}, "es", now, tz)
    markup = keyboard(handover, items, listed, "es")
    assert markup is not None and sum(len(row) for row in markup.inline_keyboard) <= 100
    assert telegram_length(text) <= TELEGRAM_MAX and f"… y {150 - len(listed)} más (ver /fallas)" in text


async def test_a_relevo_after_the_acceptance_adds_its_note_to_the_accepted_handover(bot: BotHarness) -> None:
    """A /relevo once the handover was accepted started a new one: accepted again, reminded, escalated,
    and the chief read that the shift's handover was not accepted. Expected: the note joins the
    accepted handover, posted as a reply to it; without a note, the answer says it was accepted."""
    posted = await hand_over(bot)
    mark, _ = await bot.press("tec.kevin", posted.result, "rlv:1:all")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="Relevo aceptado")
    again = await bot.ask("tec.ana", "/relevo", where="group")
    assert "ya fue aceptado" in again.params["text"] and "/relevo &lt;nota&gt;" in again.params["text"]
    assert again.params["reply_parameters"]["message_id"] == posted.result["message_id"]

    mark, _ = await bot.send("tec.ana", "/relevo Olvidé: la cámara 5 de El Amatillo se reinicia sola", "group")
    note = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="cámara 5")
    assert "Ana López" in note.params["text"]
    assert note.params["reply_parameters"]["message_id"] == posted.result["message_id"]
    edited = await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    assert "cámara 5" in edited.params["text"] and "✅ Relevo aceptado por Kevin" in edited.params["text"]
    assert "reply_markup" not in edited.params

    bot.clock.set(datetime(2026, 12, 4, 20, 30, tzinfo=UTC))  # 14:30: past the reminder, the escalation, the shift
    await bot.run_job("relevo.tick")
    await bot.run_job("relevo.tick")
    summary = await bot.fake.wait_for("sendMessage", after=mark, chat_id=1004, text_contains="Resumen del turno mañana")
    assert "aceptado por Kevin Portillo a las 13:" in summary.params["text"]
    assert not [c for c in bot.fake.calls[mark:] if "sin aceptar" in str(c.params.get("text"))]
    async with bot.services.db.read() as session:
        handovers = list((await session.exec(select(Handover))).all())
    assert len(handovers) == 1 and "cámara 5" in handovers[0].notes


async def test_a_shift_renamed_while_its_handover_is_open_keeps_the_relevo_going(bot: BotHarness) -> None:
    """The afternoon shift renamed in the unit file after the morning's handover named it: reading its
    roster failed, so every relevo.tick failed (no prompt, reminder or summary for any shift) and
    "Aceptar" answered "Algo falló". Expected: a shift no longer in the unit file has nobody on its roster."""
    posted = await hand_over(bot)
    unit = bot.services.unit
    renamed = [s.model_copy(update={"name": "vespertino"}) if s.name == "tarde" else s for s in unit.shifts]
    bot.services.unit = unit.model_copy(update={"shifts": renamed})
    mark = bot.fake.mark()
    bot.clock.advance(timedelta(minutes=15))
    await bot.run_job("relevo.tick")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo sin aceptar")
    press, _ = await bot.press("tec.kevin", posted.result, "rlv:1:all")
    await bot.fake.wait_for("answerCallbackQuery", after=press, text="Handover accepted.")
    await bot.run_job("relevo.tick")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=1004, text_contains="Resumen del turno mañana")
    bot.clock.set(datetime(2026, 12, 5, 3, 46, tzinfo=UTC))  # 21:46, near the end of the renamed shift
    await bot.run_job("relevo.tick")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=1002, text_contains="Your vespertino shift ends")


async def test_a_failing_step_of_the_relevo_tick_does_not_stop_the_others(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A handover the reminder cannot read (its stored shift is not one) must not cost every shift its
    prompt to hand over."""
    async with bot.services.db.write() as session:
        ana = await person_by_key(session, "tec.ana")
        session.add(Handover(slot_key="?", incoming_slot_key="?", from_person_id=ana.id, created_at=START))  # type: ignore[union-attr]
    bot.clock.set(datetime(2026, 12, 4, 19, 46, tzinfo=UTC))  # 13:46
    mark = bot.fake.mark()
    with caplog.at_level(logging.ERROR):
        await bot.run_job("relevo.tick")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=1001, text_contains="Su turno mañana termina")
    assert "remind_unaccepted" in caplog.text


async def test_a_relevo_in_private_says_where_it_was_posted(bot: BotHarness) -> None:
    """/relevo answering the bot's private prompt got no answer, and a second one pointed "above", at
    nothing. Expected: the private chat is told it was posted in the group, and where."""
    bot.clock.set(HANDOVER_TIME)
    mark, _ = await bot.send("tec.ana", "/relevo")
    answer = await bot.fake.wait_for("sendMessage", after=mark, chat_id=1001)
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo</b> del turno")
    assert "publicado en el grupo de operaciones, con las consignas" in answer.params["text"]
    again = await bot.ask("tec.ana", "/relevo")
    assert "Ya hay un relevo abierto" in again.params["text"] and "arriba" not in again.params["text"]
    assert "en el grupo de operaciones" in again.params["text"] and "reply_parameters" not in again.params
