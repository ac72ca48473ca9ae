"""/placa end to end: the real bot against the fake Bot API, reads imported from a SIRAM export."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bot import siram
from storage.audit import AuditEntry
from tests.harness import GROUP_ID, BotHarness

EXPORT = """\
placa,fecha_hora,sitio,carril,imagen
P123458,2026-12-01 08:00:00,hachadura,1,https://siram.test/img?id=1&size=big
P12345B,2026-12-02 06:15:00,hachadura,2,C:\\SIRAM\\fotos\\<2>&.jpg
P123458,2026-12-03 21:40:10,hachadura,3,
PI2345B,2026-12-03 22:00:00,sanbartolo,,
P777777,2026-12-03 22:00:00,hachadura,1,
"""


async def imported(bot: BotHarness, tmp_path: Path, text: str = EXPORT) -> None:
    path = tmp_path / "siram.csv"
    path.write_text(text, encoding="utf-8")
    await siram.import_file(bot.services, path, "cli")


async def test_it_lists_exact_reads_first_then_possible_misreads(bot: BotHarness, tmp_path: Path) -> None:
    await imported(bot, tmp_path)
    reply = await bot.ask("tec.ana", "/placa p 123-458", where="group")
    text = reply.params["text"]
    assert text.startswith("🚗 Lecturas SIRAM de <b>P123458</b>\n\n<b>Lecturas de P123458</b> (2)\n")
    exact = text.index("• 03/12/2026 21:40:10 · Aduana Frontera La Hachadura · carril 3\n")
    older = text.index(
        "• 01/12/2026 08:00:00 · Aduana Frontera La Hachadura · carril 1 · "
        '<a href="https://siram.test/img?id=1&amp;size=big">imagen</a>'
    )
    confusions = text.index("<b>Posibles confusiones de lectura</b> (2)")
    assert exact < older < confusions
    assert text.index("• <b>PI2345B</b> · 03/12/2026 22:00:00 · sanbartolo") > confusions
    assert (
        "• <b>P12345B</b> · 02/12/2026 06:15:00 · Aduana Frontera La Hachadura · carril 2 · "
        "<code>C:\\SIRAM\\fotos\\&lt;2&gt;&amp;.jpg</code>" in text
    )
    assert "P777777" not in text
    assert reply.params["link_preview_options"] == {"is_disabled": True}
    async with bot.services.db.read() as session:
        (entry,) = (await session.exec(select(AuditEntry).where(AuditEntry.action == "placa.search"))).all()
    assert entry.object_id == "P123458" and '"found": 4' in entry.detail


async def test_it_joins_a_plate_typed_with_a_space_in_its_number(bot: BotHarness, tmp_path: Path) -> None:
    await imported(bot, tmp_path)
    text = (await bot.ask("tec.ana", "/placa P123 458 hachadura", where="group")).params["text"]
    assert text.startswith(
        "🚗 Lecturas SIRAM de <b>P123458</b> · Aduana Frontera La Hachadura\n\n<b>Lecturas de P123458</b> (2)"
    )


async def test_it_does_not_read_a_number_after_the_plate_as_more_plate(bot: BotHarness, tmp_path: Path) -> None:
    await imported(bot, tmp_path, "placa,fecha_hora,sitio,carril,imagen\nN1234,2026-12-01 08:00:00,hachadura,1,\n")
    text = (await bot.ask("tec.ana", "/placa N 1234 2026", where="group")).params["text"]
    assert text.startswith("«2026» no es una fecha que entienda.\n\nUso: <code>/placa &lt;matrícula&gt;")


async def test_it_searches_a_period_and_a_site_in_private(bot: BotHarness, tmp_path: Path) -> None:
    await imported(bot, tmp_path)  # the bot's clock: Friday 4 December 2026, 10:00 in El Salvador
    reply = await bot.ask("coord.carlos", "/placa P12345B ayer hoy hachadura")
    text = reply.params["text"]
    assert text.startswith(
        "🚗 Lecturas SIRAM de <b>P12345B</b> · desde 03/12/2026 00:00 · hasta 04/12/2026 23:59 · "
        "Aduana Frontera La Hachadura\n\nNinguna lectura exacta de P12345B.\n\n"
        "<b>Posibles confusiones de lectura</b> (1)"
    )
    assert "21:40:10" in text and "06:15:00" not in text and "PI2345B" not in text


async def test_it_says_when_there_are_no_reads(bot: BotHarness, tmp_path: Path) -> None:
    await imported(bot, tmp_path)
    reply = await bot.ask("jefe.marta", "/placa P000000 01/12/2026")
    assert reply.params["text"] == "🚗 Sin lecturas SIRAM de <b>P000000</b> · desde 01/12/2026 00:00."


async def test_it_answers_in_english(bot: BotHarness, tmp_path: Path) -> None:
    await imported(bot, tmp_path)
    text = (await bot.ask("tec.kevin", "/placa PI2345B")).params["text"]
    assert text.startswith("🚗 SIRAM reads of <b>PI2345B</b>\n\n<b>Reads of PI2345B</b> (1)")
    assert "<b>Possible misreads</b> (3)" in text and "lane 2" in text


async def test_it_refuses_the_wrong_role(bot: BotHarness) -> None:
    reply = await bot.ask("adm.luis", "/placa P123458")
    assert reply.params["text"].startswith("El comando /placa es para: ")
    assert "Sin lecturas" not in reply.params["text"]


async def test_it_explains_a_bad_date(bot: BotHarness) -> None:
    text = (await bot.ask("tec.ana", "/placa P123458 2026-13-01", where="group")).params["text"]
    assert text.startswith("«2026-13-01» no es una fecha que entienda.\n\nUso: <code>/placa &lt;matrícula&gt;")
    assert "<code>01/12/2026</code>" in text


async def test_it_names_an_unknown_site_and_lists_the_sites(bot: BotHarness) -> None:
    text = (await bot.ask("tec.ana", "/placa P123458 hoy <amatillo>")).params["text"]
    assert text.startswith("No hay un sitio «&lt;amatillo&gt;».")
    assert text.endswith("Sitios: hachadura.")


async def test_it_shows_the_usage_without_a_plate(bot: BotHarness) -> None:
    text = (await bot.ask("tec.ana", "/placa", where="group")).params["text"]
    assert text.startswith("Uso: <code>/placa &lt;matrícula&gt; [desde] [hasta] [sitio]</code>")


async def test_it_keeps_a_long_answer_within_one_message(bot: BotHarness, tmp_path: Path) -> None:
    long_path = "D:\\SIRAM\\" + "carpeta-muy-larga\\" * 14 + "foto.jpg"  # ~260 characters per line
    rows = "".join(f"P123458,2026-12-01 {h:02d}:00:00,hachadura,1,{long_path}\n" for h in range(24))
    await imported(bot, tmp_path, "placa,fecha_hora,sitio,carril,imagen\n" + rows)
    reply = await bot.ask("tec.ana", "/placa P123458", where="group")
    text = reply.params["text"]
    assert len(text) <= 4096 and reply.result["chat"]["id"] == GROUP_ID
    shown = text.count("• ")
    assert 5 < shown < 20 and text.endswith(f"… y {24 - shown} más.")
