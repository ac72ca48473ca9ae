"""Information requests, the files people send for them: every page of the request's document,
one attached later from the card, the document of a request refused at registration, a recorder's
own export format. Each is kept with its SHA-256. The clock starts on Friday 4 December 2026 at 10:00."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from bot import solicitudes
from storage.evidence import Evidence
from storage.solicitudes import documents_of
from tests.fake_telegram import png_bytes
from tests.harness import GROUP_ID, BotHarness
from tests.test_solicitudes import CARLOS, card, form, register, searching, step
from tests.test_solicitudes_entrega import rows

PDF = b"%PDF-1.4\n% the request's letter\n"


def said_to(bot: BotHarness, chat_id: int, after: int) -> list[str]:
    return [
        c.params["text"] for c in bot.fake.calls[after:] if c.method == "sendMessage" and c.params["chat_id"] == chat_id
    ]


async def roles(bot: BotHarness) -> list[str]:
    async with bot.services.db.read() as session:
        return [d.role for d in await documents_of(session, 1)]


async def test_it_keeps_every_page_of_a_letter_sent_as_an_album(bot: BotHarness) -> None:
    await register(bot)
    pages = [png_bytes(64, 48, (60 * n, 40, 40)) for n in range(3)]
    mark = bot.fake.mark()
    bot.fake.send_album(bot.user("coord.carlos"), bot.private("coord.carlos"), pages)
    await bot.settle()
    kept = said_to(bot, CARLOS, mark)
    assert len(kept) == 3 and all("Guardado en S-2026-0001" in text for text in kept), "each page is answered"
    for page, text in zip(pages, kept, strict=True):
        assert hashlib.sha256(page).hexdigest() in text
    assert await roles(bot) == ["documento"] * 3
    assert {e.sha256 for e in await rows(bot, Evidence)} == {hashlib.sha256(page).hexdigest() for page in pages}

    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("coord.carlos"), bot.private("coord.carlos"), "listo")
    done = await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS)
    assert "S-2026-0001" in done.params["text"] and "documento de la solicitud ×3" in done.params["text"]


async def test_a_document_that_arrives_later_is_attached_from_the_card(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("coord.carlos"), bot.private("coord.carlos"), "no")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="queda sin documento")
    mark = await step(bot, "coord.carlos", posted, "ampliar", "Falta el oficio firmado por la jefatura")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="esperando más datos")

    mark = await step(bot, "tec.ana", posted, "documento")
    refused = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "le corresponde a otra persona" in refused.params["text"], "the request's papers are the supervisors'"
    mark = await step(bot, "coord.carlos", posted, "documento")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="documento de S-2026")
    carlos = bot.user("coord.carlos")
    for n, data in enumerate((PDF, PDF + b"% page 2\n")):  # each a reply to the same question
        after, name = bot.fake.mark(), f"oficio-{n + 1}.pdf"
        bot.fake.send_document(
            carlos, bot.group, data, filename=name, mime_type="application/pdf", reply_to=question.result
        )
        kept = await bot.fake.wait_for("sendMessage", after=after, chat_id=GROUP_ID, text_contains="SHA-256")
        assert name in kept.params["text"] and hashlib.sha256(data).hexdigest() in kept.params["text"]
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="documento de la solicitud ×2")
    assert await roles(bot) == ["documento", "documento"]


async def test_the_document_of_a_request_refused_at_registration_is_kept(bot: BotHarness) -> None:
    registered = await register(bot, form(tipo="externa", unidad="FGR", canal="correo"))
    assert (
        "registrada y rechazada" in registered.params["text"]
        and "Envíe ahora el documento" in registered.params["text"]
    )
    mark = bot.fake.mark()
    carlos = bot.user("coord.carlos")
    bot.fake.send_document(carlos, bot.private("coord.carlos"), PDF, filename="correo.pdf", mime_type="application/pdf")
    kept = await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS)
    assert "Guardado en S-2026-0001" in kept.params["text"]
    assert await roles(bot) == ["documento"]
    (evidence,) = await rows(bot, Evidence)
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    case = await solicitudes.load(bot.services, 1)
    assert case is not None and case.solicitud.state == "rechazada", "kept as evidence, still refused"


async def test_a_dahua_export_sent_as_a_file_is_kept_as_a_finding(bot: BotHarness) -> None:
    posted = await searching(bot)
    mark, _ = await bot.press("tec.ana", posted.result, "sol:1:hallazgo")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Envíe lo encontrado")

    export = b"DHAV" + bytes(4096)
    mark = bot.fake.mark()
    bot.fake.send_document(
        bot.user("tec.ana"),
        bot.group,
        export,
        filename="x.dav",
        mime_type="application/octet-stream",  # what Telegram reports for a file it does not know
        reply_to=question.result,
    )
    kept = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID)
    assert "x.dav" in kept.params["text"] and hashlib.sha256(export).hexdigest() in kept.params["text"]
    (evidence,) = await rows(bot, Evidence)
    assert evidence.path.endswith(".dav") and await roles(bot) == ["hallazgo"]


async def test_an_edited_caption_or_answer_is_not_taken_again(bot: BotHarness) -> None:
    """Telegram sends an edited message again, whole: a caption added to a page already kept is not a
    new page, and an answer whose typo is fixed was saved (the question it answered no longer waits)."""
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    carlos, private = bot.user("coord.carlos"), bot.private("coord.carlos")
    page = bot.fake.send_photo(carlos, private, png_bytes(64, 48))
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="Guardado en S-2026-0001")
    mark = await bot.settle()
    bot.fake.edit(carlos, page, caption="Oficio de la UGR, página 1")
    await bot.settle()
    assert said_to(bot, CARLOS, mark) == [] and await roles(bot) == ["documento"], "the page is kept once"

    mark, _ = await bot.press("coord.carlos", posted.result, "sol:1:ampliar")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="S-2026-0001")
    answer = bot.fake.send_text(carlos, bot.group, "Falta el ofcio firmado", reply_to=question.result)
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="esperando más datos")
    mark = await bot.settle()
    bot.fake.edit(carlos, answer, text="Falta el oficio firmado")
    await bot.settle()
    assert said_to(bot, GROUP_ID, mark) == [], "no «ya no está pendiente» for an answer that was saved"


async def test_a_file_question_in_private_lapses_ten_minutes_after_the_last_file(bot: BotHarness) -> None:
    """In private the next message is the answer: a question left open would take, days later, any file
    sent to the bot as evidence of the old request. Each file kept gives ten more minutes."""
    await register(bot)
    carlos, private = bot.user("coord.carlos"), bot.private("coord.carlos")
    for n in range(2):
        bot.clock.advance(timedelta(minutes=9))
        mark = bot.fake.mark()
        bot.fake.send_photo(carlos, private, png_bytes(64, 48, (90 * n, 40, 40)))
        await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="Guardado en S-2026-0001")
        await bot.settle()  # its ten minutes start over once the file is in

    bot.clock.advance(timedelta(minutes=11))
    mark = await bot.settle()
    bot.fake.send_photo(carlos, private, png_bytes(64, 48, (0, 0, 200)))
    bot.fake.send_text(carlos, private, "listo")
    await bot.settle()
    assert said_to(bot, CARLOS, mark) == [], "nothing waits any more: as for any file sent out of the blue"
    assert await roles(bot) == ["documento", "documento"]
