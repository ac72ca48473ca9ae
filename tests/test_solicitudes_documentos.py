"""Information requests, the files people send for them: every page of the request's document,
one attached later from the card, the document of a request refused at registration, a recorder's
own export format. Each is kept with its SHA-256. The clock starts on Friday 4 December 2026 at 10:00."""

from __future__ import annotations

import hashlib

from bot import solicitudes
from storage.evidence import Evidence
from storage.solicitudes import documents_of
from tests.harness import GROUP_ID, BotHarness
from tests.test_solicitudes import CARLOS, card, form, register, step
from tests.test_solicitudes_entrega import rows

PDF = b"%PDF-1.4\n% the request's letter\n"


async def roles(bot: BotHarness) -> list[str]:
    async with bot.services.db.read() as session:
        return [d.role for d in await documents_of(session, 1)]


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
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    mark = await step(bot, "coord.carlos", posted, "pertinente")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="búsqueda en el sistema")
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
