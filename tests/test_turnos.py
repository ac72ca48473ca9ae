"""Shifts in chat: /turno checks in and out, /quien tells who is on duty, /rol changes a day's roster."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.harness import BotHarness


async def test_checking_in_and_out_of_the_current_shift(bot: BotHarness) -> None:
    checked_in = await bot.ask("tec.ana", "/turno")
    assert checked_in.params["text"] == "Entrada registrada a las 10:00: turno mañana (06:00–14:00)."
    off_roster = await bot.ask("tec.kevin", "/turno", where="group")
    assert "You were not on this shift's roster" in off_roster.params["text"]
    out = await bot.ask("tec.ana", "/turno")
    assert out.params["text"].startswith("Salida registrada a las 10:0") and "/relevo" in out.params["text"]


async def test_quien_shows_now_and_next_with_arrivals(bot: BotHarness) -> None:
    await bot.ask("tec.ana", "/turno")
    text = (await bot.ask("coord.carlos", "/quien")).params["text"]
    assert text == (
        "<b>Ahora</b>: turno mañana (06:00–14:00)\n• Ana López ✓ entró 10:00\n\n"
        "<b>Sigue</b>: turno tarde (14:00–22:00)\n• Kevin Portillo"
    )


async def test_who_checked_out_is_no_longer_on_duty_and_a_forgotten_check_in_does_not_carry_over(
    bot: BotHarness,
) -> None:
    await bot.ask("tec.kevin", "/turno")  # off the roster, then gone
    await bot.ask("tec.kevin", "/turno")
    await bot.ask("tec.ana", "/turno")
    text = (await bot.ask("coord.carlos", "/quien")).params["text"]
    assert "Kevin" not in text.split("<b>Sigue</b>")[0] and "Ana López ✓ entró 10:00" in text
    bot.clock.set(datetime(2026, 12, 5, 12, 2, tzinfo=UTC))  # 06:02 the next day: she never checked out
    again = await bot.ask("tec.ana", "/turno")
    assert again.params["text"] == "Entrada registrada a las 06:02: turno mañana (06:00–14:00)."
    assert "Ana López ✓ entró 06:02" in (await bot.ask("coord.carlos", "/quien")).params["text"]


async def test_the_night_shift_is_told_across_midnight(bot: BotHarness) -> None:
    bot.clock.set(datetime(2026, 12, 5, 7, 0, tzinfo=UTC))  # 01:00 on the 5th: the night shift of the 4th
    text = (await bot.ask("tec.kevin", "/quien")).params["text"]
    assert "<b>Now</b>: noche shift (22:00–06:00)\n• (nobody on the roster)" in text
    assert "<b>Next</b>: mañana shift (06:00–14:00)\n• Ana López" in text
    done = await bot.ask("coord.carlos", "/rol hoy noche tec.kevin")  # the night on duty, not tonight's
    assert done.params["text"] == "Rol del turno noche del 04/12 (22:00–06:00): Kevin Portillo."
    assert (
        "<b>Now</b>: noche shift (22:00–06:00) (roster changed for this day)\n• Kevin Portillo"
        in (await bot.ask("tec.kevin", "/quien")).params["text"]
    )
    dated = await bot.ask("coord.carlos", "/rol 05/12 noche tec.ana")  # a date names the slot starting that day
    assert dated.params["text"] == "Rol del turno noche del 05/12 (22:00–06:00): Ana López."


async def test_a_coordinator_changes_one_days_roster(bot: BotHarness) -> None:
    done = await bot.ask("coord.carlos", "/rol mañana noche tec.ana @tec.kevin")
    assert done.params["text"] == "Rol del turno noche del 05/12 (22:00–06:00): Ana López, Kevin Portillo."
    bot.clock.set(datetime(2026, 12, 6, 5, 0, tzinfo=UTC))  # 23:00 on the 5th
    text = (await bot.ask("jefe.marta", "/quien")).params["text"]
    assert "turno noche (22:00–06:00) (rol cambiado para este día)\n• Ana López\n• Kevin Portillo" in text


async def test_rol_explains_every_mistake(bot: BotHarness) -> None:
    usage = (await bot.ask("coord.carlos", "/rol")).params["text"]
    assert "Turnos: mañana, tarde, noche" in usage and "tec.ana" in usage
    assert "«lunes»" in (await bot.ask("coord.carlos", "/rol lunes noche tec.ana")).params["text"]
    assert "«madrugada»" in (await bot.ask("coord.carlos", "/rol hoy madrugada tec.ana")).params["text"]
    assert "«adm.luis» no es un técnico" in (await bot.ask("coord.carlos", "/rol hoy noche adm.luis")).params["text"]
    refused = await bot.ask("tec.ana", "/rol hoy noche tec.ana")
    assert "El comando /rol es para: coordinador técnico, jefe de la UTMV" in refused.params["text"]


async def test_a_technician_late_for_their_own_shift_is_checked_in_to_it_not_to_the_next(bot: BotHarness) -> None:
    """Ana, on the morning roster and not the afternoon's, checks in at 13:40: late for her own shift,
    not early for the next one."""
    bot.clock.set(datetime(2026, 12, 4, 19, 40, tzinfo=UTC))  # 13:40
    late = await bot.ask("tec.ana", "/turno")
    assert late.params["text"] == "Entrada registrada a las 13:40: turno mañana (06:00–14:00)."


async def test_a_technician_staying_on_to_hand_over_is_checked_out_not_into_the_next_shift(bot: BotHarness) -> None:
    """Ana checks in at 10:00, stays to hand over and sends /turno at 14:04 to leave."""
    await bot.ask("tec.ana", "/turno")
    bot.clock.set(datetime(2026, 12, 4, 20, 4, tzinfo=UTC))  # 14:04
    leaving = await bot.ask("tec.ana", "/turno")
    assert leaving.params["text"].startswith("Salida registrada a las 14:04")
    assert "Ana" not in (await bot.ask("coord.carlos", "/quien")).params["text"]


async def test_a_technician_arriving_early_is_checked_in_to_the_shift_they_come_for(bot: BotHarness) -> None:
    """Kevin arrives at 13:40 for the afternoon shift, Ana leaves the morning one. Expected: his /turno
    is a check-in to the afternoon shift (before, it put him in the morning one, which was ending),
    hers still checks her out, and at 14:05 his /turno checks him out of the shift he is on."""
    await bot.ask("tec.ana", "/turno")
    bot.clock.set(datetime(2026, 12, 4, 19, 40, tzinfo=UTC))  # 13:40, twenty minutes before the afternoon shift
    early = await bot.ask("tec.kevin", "/turno")
    assert early.params["text"] == "Checked in at 13:40: tarde shift (14:00–22:00)."
    leaving = await bot.ask("tec.ana", "/turno")
    assert leaving.params["text"].startswith("Salida registrada a las 13:4")
    text = (await bot.ask("coord.carlos", "/quien")).params["text"]
    assert text.endswith("<b>Sigue</b>: turno tarde (14:00–22:00)\n• Kevin Portillo ✓ entró 13:40")
    bot.clock.set(datetime(2026, 12, 4, 20, 5, tzinfo=UTC))  # 14:05
    assert (await bot.ask("tec.kevin", "/turno")).params["text"].startswith("Checked out at 14:05")
