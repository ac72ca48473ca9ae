"""Information requests, what each person is handed: the Director every document while deciding
and the answer to sign (the very memo that goes out), the chief the signed memo, the requester an
e-mail when refused; the search's exported video kept as evidence; the consigna linked both ways;
a text answer for a step someone else already took given back. The clock starts on Friday 4
December 2026 at 10:00."""

from __future__ import annotations

import hashlib

from sqlmodel import select

from bot.solicitudes import load_in
from bot.solicitudes_board import owe_card
from storage.consignas import Consigna
from storage.evidence import Evidence
from storage.mail import OutboxMail
from storage.solicitudes import Solicitud
from tests.fake_telegram import Call
from tests.harness import GROUP_ID, BotHarness
from tests.mail_servers import SmtpServer
from tests.test_solicitudes import CARLOS, DIRECTOR, MARTA, card, form, pdf_text, register, step

PDF = b"%PDF-1.4\n% the requester's memo\n"


def documents_to(bot: BotHarness, chat_id: int, after: int = 0) -> list[Call]:
    return [c for c in bot.fake.calls[after:] if c.method == "sendDocument" and c.params["chat_id"] == chat_id]


def send_video(bot: BotHarness, who: str, question: Call, data: bytes, filename: str, sized: bool = True) -> int:
    """`who` answers `question` in the group with a Telegram video (the fake has no public helper for
    it); without `sized` the video carries no file_size, as Telegram sometimes sends it."""
    stored = bot.fake.store_file("video", data, file_name=filename, mime_type="video/mp4")
    video = bot.fake.media_object(stored)
    if not sized:
        video.pop("file_size")
    mark = bot.fake.mark()
    bot.fake._user_post(bot.user(who), bot.group, {"video": video}, reply_to=question.result)
    return mark


async def rows(bot: BotHarness, table: type) -> list:
    async with bot.services.db.read() as session:
        return list((await session.exec(select(table))).all())


async def test_it_hands_the_director_a_document_attached_after_the_question_once(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await register(bot, form(unidad="Auditoría Interna"))
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=DIRECTOR, text_contains="¿Qué decide")
    assert documents_to(bot, DIRECTOR) == [], "the document was not there yet when the Director was asked"

    mark = bot.fake.mark()
    carlos = bot.user("coord.carlos")
    bot.fake.send_document(carlos, bot.private("coord.carlos"), PDF, filename="memo.pdf", mime_type="application/pdf")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="Guardado en S-2026-0001")
    handed = await bot.fake.wait_for("sendDocument", after=mark, chat_id=DIRECTOR)
    assert handed.files["document"] == PDF
    assert "S-2026-0001 · documento de la solicitud" in handed.params["caption"]
    assert hashlib.sha256(PDF).hexdigest() in handed.params["caption"]

    async with bot.services.db.write() as session:  # the card redrawn while the Director still decides
        await owe_card(session, bot.services, await load_in(session, 1))  # type: ignore[arg-type]
    await bot.settle()
    assert len(documents_to(bot, DIRECTOR)) == 1, "each document reaches the Director once"


async def test_the_director_signs_the_answer_and_the_memo_that_go_out(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    bot = mail_bot
    mark = bot.fake.mark()
    await register(bot, form(tipo="externa", unidad="FGR", canal="asesoría legal"))
    posted = await card(bot, mark)
    bot.fake.send_document(
        bot.user("coord.carlos"), bot.private("coord.carlos"), PDF, filename="nota.pdf", mime_type="application/pdf"
    )
    await step(bot, "jefe.marta", posted, "pertinente")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="búsqueda en el sistema")
    mark = await step(bot, "tec.ana", posted, "informar", "Hay video de la cámara 1 exportado")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="verificación por jefatura")

    mark = await step(bot, "jefe.marta", posted, "enviar_a_firma", "Se entrega a la Fiscalía un video de 2 horas.")
    summary = await bot.fake.wait_for("sendMessage", after=mark, chat_id=DIRECTOR, text_contains="necesita su firma")
    assert "Respuesta: Se entrega a la Fiscalía un video de 2 horas." in summary.params["text"]
    decide = await bot.fake.wait_for("sendMessage", after=mark, chat_id=DIRECTOR, text_contains="¿Qué decide")
    handed = documents_to(bot, DIRECTOR, mark)
    names = [c.result["document"]["file_name"] for c in handed]
    assert names == ["S-2026-0001-documento.pdf", "Memorandum-UTMV-S-2026-0001.pdf"]
    assert summary.index < handed[0].index and handed[-1].index < decide.index, "summary, documents, buttons"
    assert "Se entrega a la Fiscalía un video de 2 horas" in pdf_text(handed[-1].files["document"])

    first_round = decide
    mark = await step(bot, "dir.general", decide, "devolver", "Indique el soporte de entrega")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="verificación por jefatura")
    mark = await step(bot, "jefe.marta", posted, "enviar_a_firma", "Se entrega a la Fiscalía el video en un DVD.")
    decide = await bot.fake.wait_for("sendMessage", after=mark, chat_id=DIRECTOR, text_contains="¿Qué decide")
    (memo,) = documents_to(bot, DIRECTOR, mark)  # the request's document is already in their chat
    signed = memo.files["document"]
    assert "en un DVD" in pdf_text(signed) and "2 horas" not in pdf_text(signed)

    mark = await step(bot, "dir.general", first_round, "firmar")  # the first answer's message, still in the chat
    refused = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "ya no corresponde" in refused.params["text"], "signing the 2-hour answer must not sign the DVD one"
    mark = await step(bot, "dir.general", decide, "firmar")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="Estado: respondida")
    to_print = await bot.fake.wait_for("sendDocument", after=mark, chat_id=MARTA)
    assert to_print.files["document"] == signed, "the chief who sent it to signature prints the signed memo"
    await bot.settle()
    assert documents_to(bot, DIRECTOR, mark) == [], "the Director has this very file already"
    await bot.run_job("mail.deliver")
    (answer,) = await smtp_server.wait_for(1)
    (mailed,) = [part.get_content() for part in answer.message.iter_attachments()]
    assert mailed == signed, "what the Director signed is what the requester gets"
    assert "en un DVD" in answer.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


async def test_an_exported_video_is_kept_as_a_finding_with_its_name_and_hash(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    await step(bot, "coord.carlos", posted, "pertinente")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="búsqueda en el sistema")
    mark, _ = await bot.press("tec.ana", posted.result, "sol:1:hallazgo")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="video exportado")

    big = bytes(21 * 1024 * 1024)
    for sized in (True, False):  # refused by its size, or by Telegram when the size was not given
        after = send_video(bot, "tec.ana", question, big, "exp-0001.mp4", sized=sized)
        refused = await bot.fake.wait_for("sendMessage", after=after, chat_id=GROUP_ID, text_contains="20 MB")
        assert "El video pasa de 20 MB" in refused.params["text"] and "Informar resultado" in refused.params["text"]

    video = b"\x00\x00\x00\x18ftypmp42" + bytes(4096)
    after = send_video(bot, "tec.ana", question, video, "exp-0001.mp4")
    sha = hashlib.sha256(video).hexdigest()
    kept = await bot.fake.wait_for("sendMessage", after=after, chat_id=GROUP_ID, text_contains="SHA-256")
    assert "exp-0001.mp4" in kept.params["text"] and sha in kept.params["text"]
    (evidence,) = await rows(bot, Evidence)
    assert evidence.sha256 == sha and evidence.path.endswith(".mp4") and evidence.case_ref == "solicitud:S-2026-0001"
    assert (bot.services.settings.data_dir / evidence.path).read_bytes() == video

    mark, _ = await bot.press("tec.ana", posted.result, "sol:1:hallazgo")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="video exportado")
    after = bot.fake.mark()
    bot.fake.send_text(bot.user("tec.ana"), bot.group, "aquí va", reply_to=question.result)
    wrong = await bot.fake.wait_for("sendMessage", after=after, chat_id=GROUP_ID, text_contains="Envíe el video")
    assert "una foto o un PDF" in wrong.params["text"]
    timeline = await bot.ask("tec.ana", "/solicitud S-2026-0001")
    assert f"adjuntó un hallazgo: exp-0001.mp4 · SHA-256 {sha}" in timeline.params["text"]


async def test_the_card_and_the_consigna_name_each_other(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    mark = await step(bot, "coord.carlos", posted, "pertinente")
    edited = await bot.fake.wait_for("editMessageText", after=mark, text_contains="búsqueda en el sistema")
    post = await bot.fake.wait_for("sendMessage", after=mark, text_contains="Solicitud S-2026-0001: Video del carril")
    (consigna,) = await rows(bot, Consigna)
    (request,) = await rows(bot, Solicitud)
    assert request.consigna_id == consigna.id and f"Consigna #{consigna.id}" in edited.params["text"]
    assert (consigna.origin, consigna.source_ref) == ("solicitud", "S-2026-0001")
    assert "de una solicitud de información" in post.params["text"]


async def test_a_request_the_director_does_not_authorise_is_answered_by_email(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    bot = mail_bot
    mark = bot.fake.mark()
    await register(bot, form(unidad="Auditoría Interna"))
    decide = await bot.fake.wait_for("sendMessage", after=mark, chat_id=DIRECTOR, text_contains="¿Qué decide")
    mark = await step(bot, "dir.general", decide, "rechazar", "La información pedida no es de su competencia")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="Estado: rechazada")
    await bot.run_job("mail.deliver")
    (told,) = await smtp_server.wait_for(1)
    assert told.rcpt_tos == ["ana.perez@mh.test"] and "no autorizada" in str(told.message["Subject"])
    body = told.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "no es de su competencia" in body


async def test_a_text_answer_for_a_step_someone_else_took_is_given_back(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    mark, _ = await bot.press("jefe.marta", posted.result, "sol:1:no_pertinente")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="no es pertinente")
    mark = await step(bot, "coord.carlos", posted, "pertinente")  # while Marta types
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="búsqueda en el sistema")

    mark = bot.fake.mark()
    reason = "El video pedido no corresponde a la unidad"
    bot.fake.send_text(bot.user("jefe.marta"), bot.group, reason, reply_to=question.result)
    told = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="ya no corresponde")
    assert "búsqueda en el sistema" in told.params["text"] and reason in told.params["text"]
    (request,) = await rows(bot, Solicitud)
    assert request.state == "busqueda" and len(await rows(bot, Consigna)) == 1, "Carlos's step stands"
    assert await rows(bot, OutboxMail) == [], "the requester is not told it is not pertinent"
    timeline = await bot.ask("tec.ana", "/solicitud S-2026-0001")
    assert "no pertinente" not in timeline.params["text"]
