"""Information requests, the files people send for them: every page of the request's document,
one attached later from the card, the document of a request refused at registration, a recorder's
own export format. Each is kept with its SHA-256. The clock starts on Friday 4 December 2026 at 10:00."""

from __future__ import annotations

import hashlib

from storage.evidence import Evidence
from storage.solicitudes import documents_of
from tests.harness import GROUP_ID, BotHarness
from tests.test_solicitudes import card, register, step
from tests.test_solicitudes_entrega import rows


async def roles(bot: BotHarness) -> list[str]:
    async with bot.services.db.read() as session:
        return [d.role for d in await documents_of(session, 1)]


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
