"""Information requests end to end: the form, the authorisation, pertinence into a consigna, the
search's finding, the answer by memorandum and e-mail, the Director's signature, deadlines.
The clock starts on Friday 4 December 2026 at 10:00."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from datetime import UTC, datetime

from pypdf import PdfReader
from sqlmodel import select

from bot import solicitudes, solicitudes_render
from bot.cameras.evidence import read
from bot.text import TELEGRAM_MAX, telegram_length
from storage.mail import OutboxMail
from storage.people import person_by_key
from storage.solicitudes import SolicitudDocument, documents_of, events_of
from tests.fake_telegram import Call, inline_callback_data, png_bytes
from tests.harness import GROUP_ID, BotHarness
from tests.mail_servers import SmtpServer
from tests.security.forge import forge

CARLOS, MARTA, DIRECTOR, ANA = 1003, 1004, 1007, 1001
INTERNAL = """tipo: interna
unidad: UGR
canal: memorándum
referencia: MEM-UGR-2026-114
recibida: hoy
solicitante: Ana Pérez <ana.perez@mh.test>
cámaras: hachadura-1
desde: 03/12/2026 08:00
hasta: 03/12/2026 10:00
placas: P123-456
pide: Video del carril de entrada
del 3 de diciembre, por un vehículo sospechoso"""


def form(**changes: str) -> str:
    lines = dict(line.split(": ", 1) for line in INTERNAL.replace("\ndel 3", " del 3").splitlines())
    lines.update(changes)
    return "\n".join(f"{key}: {value}" for key, value in lines.items() if value)


async def register(bot: BotHarness, text: str = INTERNAL, who: str = "coord.carlos") -> Call:
    return await bot.ask(who, f"/solicitud\n{text}", text_contains="Solicitud")


async def card(bot: BotHarness, mark: int, contains: str = "Solicitud S-2026-0001") -> Call:
    return await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains=contains)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def button(bot: BotHarness, message: Call, action: str) -> str:
    """The callback_data of the message's button for `action`, as the message is now (the Director's
    private buttons also carry the request's step count)."""
    current = bot.fake.message(message.result["chat"]["id"], message.result["message_id"]) or message.result
    found = [data for data in inline_callback_data(current.get("reply_markup")) if data.split(":")[2] == action]
    assert found, f"no {action} button on that message"
    return found[0]


async def searching(bot: BotHarness) -> Call:
    """A request registered and judged pertinent, its search running: its card."""
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    await moved(bot, "coord.carlos", posted, "pertinente", "búsqueda en el sistema")
    return posted


async def moved(bot: BotHarness, who: str, message: Call, action: str, shows: str, text: str | None = None) -> None:
    """`step`, then wait until the request's card says `shows`: the step was taken."""
    mark = await step(bot, who, message, action, text)
    await bot.fake.wait_for("editMessageText", after=mark, text_contains=shows)


async def step(bot: BotHarness, who: str, message: Call, action: str, text: str | None = None) -> int:
    """Press the step's button; answer its question in the same chat when it asks one."""
    mark, _ = await bot.press(who, message.result, button(bot, message, action))
    if text is None:
        return mark
    chat = message.result["chat"]["id"]
    question = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=chat, reply_markup={"force_reply": True, "selective": True}
    )
    return bot.answer(who, question, text)


async def test_an_internal_request_goes_from_form_to_memo_and_email(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    bot = mail_bot
    mark = bot.fake.mark()
    registered = await register(bot)
    assert "S-2026-0001</b> registrada: procede" in registered.params["text"]
    assert "11/12/2026" in registered.params["text"], "five working days after Friday the 4th"
    posted = await card(bot, mark)
    assert "Unidad de Gestión de Riesgos" in posted.params["text"] and "P123456" in posted.params["text"]
    buttons = [b["callback_data"] for row in posted.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["sol:1:pertinente", "sol:1:ampliar", "sol:1:no_pertinente", "sol:1:documento"]

    pdf = b"%PDF-1.4\n% the requester's memo\n"
    mark = bot.fake.mark()
    bot.fake.send_document(
        bot.user("coord.carlos"), bot.private("coord.carlos"), pdf, filename="memo.pdf", mime_type="application/pdf"
    )
    kept = await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="SHA-256")
    assert "Guardado en S-2026-0001" in kept.params["text"]

    mark = await step(bot, "tec.ana", posted, "pertinente")
    refused = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "le corresponde a otra persona" in refused.params["text"], "pertinence is the chief's or coordinator's"
    mark = await step(bot, "coord.carlos", posted, "pertinente")
    consigna = await bot.fake.wait_for(
        "sendMessage", after=mark, text_contains="Solicitud S-2026-0001: Video del carril"
    )
    assert consigna.params["message_thread_id"] == bot.unit.group.topics.consignas
    await bot.fake.wait_for(
        "editMessageText", after=mark, message_id=posted.result["message_id"], text_contains="búsqueda en el sistema"
    )

    mark, _ = await bot.press("tec.ana", posted.result, "sol:1:hallazgo")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Envíe lo encontrado")
    after = bot.fake.mark()
    bot.fake.send_photo(bot.user("tec.ana"), bot.group, png_bytes(64, 48), reply_to=question.result)
    await bot.fake.wait_for("sendMessage", after=after, chat_id=GROUP_ID, text_contains="SHA-256")

    mark = await step(bot, "tec.ana", posted, "informar", "Existe video de 08:00 a 10:00, exportado como exp-0001.mp4")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="verificación por jefatura")
    mark = await step(bot, "jefe.marta", posted, "responder", "Se remite el video solicitado en el soporte adjunto.")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="Estado: respondida")
    done = await bot.fake.wait_for("editMessageText", after=mark, message_id=consigna.result["message_id"])
    assert "La solicitud S-2026-0001 terminó: respondida." in done.params["text"], "the technicians' order ends too"
    assert "No hay consignas abiertas" in (await bot.ask("tec.ana", "/consignas")).params["text"]

    await bot.run_job("mail.deliver")
    (received,) = await smtp_server.wait_for(1)
    assert received.rcpt_tos == ["ana.perez@mh.test"] and "[S-2026-0001]" in str(received.message["Subject"])
    (memo,) = [part.get_content() for part in received.message.iter_attachments()]
    text = pdf_text(memo)
    assert "UTMV-S-2026-0001" in text and "Se remite el video solicitado" in text and "MEM-UGR-2026-114" in text

    timeline = await bot.ask("tec.ana", "/solicitud S-2026-0001")
    for words in ("registró la solicitud", "pertinente", "adjuntó un hallazgo", "generó el memorándum", "respondió"):
        assert words in timeline.params["text"], words
    listing = await bot.ask("tec.ana", "/solicitudes")
    assert "No hay solicitudes abiertas" in listing.params["text"]


async def test_another_unit_waits_for_the_directors_authorisation(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    registered = await register(bot, form(unidad="Auditoría Interna"))
    assert "se pidió la autorización" in registered.params["text"]
    decide = await bot.fake.wait_for("sendMessage", after=mark, chat_id=DIRECTOR, text_contains="¿Qué decide")
    posted = await card(bot, mark)
    buttons = [b["callback_data"] for row in posted.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["sol:1:autorizacion_escrita", "sol:1:documento"], (
        "the Director decides (or their letter is recorded)"
    )
    mark = await step(bot, "coord.carlos", decide, "autorizar")
    refused = await bot.fake.wait_for("answerCallbackQuery", after=mark)
    assert "otra persona" in refused.params["text"]
    mark = await step(bot, "dir.general", decide, "autorizar")
    await step(bot, "dir.general", decide, "autorizar")  # a double tap before the buttons go
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="análisis de pertinencia")
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text_contains="ya no corresponde")


async def test_a_director_who_opens_the_bot_later_is_asked_then(bot: BotHarness) -> None:
    await bot.link("dir.general", None)  # the Director has not opened the bot yet
    await register(bot, form(unidad="Auditoría Interna"))
    await bot.link("dir.general", DIRECTOR)
    mark = bot.fake.mark()
    await bot.run_job("solicitudes.direccion")
    await bot.run_job("solicitudes.direccion")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=DIRECTOR, text_contains="¿Qué decide")
    asked = [
        c for c in bot.fake.calls[mark:] if c.params.get("chat_id") == DIRECTOR and "¿Qué decide" in c.params["text"]
    ]
    assert len(asked) == 1, "asked once, however often the job runs"


async def test_an_external_request_is_signed_by_the_director(mail_bot: BotHarness, smtp_server: SmtpServer) -> None:
    bot = mail_bot
    wrong_way = await register(bot, form(tipo="externa", unidad="FGR", canal="correo"))
    assert (
        "rechazada" in wrong_way.params["text"] and "Dirección General o de Asesoría Legal" in wrong_way.params["text"]
    )
    mark = bot.fake.mark()
    registered = await register(bot, form(tipo="externa", unidad="FGR", canal="asesoría legal", antigua="sí"))
    assert "S-2026-0002</b> registrada: procede" in registered.params["text"]
    assert "05/01/2027" in registered.params["text"], "10 + 10 working days, 25 Dec and 1 Jan off"
    posted = await card(bot, mark, "Solicitud S-2026-0002")

    for who, action, text in (
        ("jefe.marta", "pertinente", None),
        ("tec.kevin", "informar", "Hay video de la cámara 1 exportado"),
        ("jefe.marta", "enviar_a_firma", "Se entrega a la Fiscalía el video solicitado."),
    ):
        mark, _ = await bot.press(who, bot.fake.message(GROUP_ID, posted.result["message_id"]), f"sol:2:{action}")
        if text:
            chat = posted.result["chat"]
            question = await bot.fake.wait_for(
                "sendMessage", after=mark, chat_id=GROUP_ID, reply_markup={"force_reply": True, "selective": True}
            )
            bot.fake.send_text(bot.user(who), chat, text, reply_to=question.result)
        await bot.fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"])
    decide = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=DIRECTOR, text_contains="¿Qué decide sobre S-2026-0002"
    )
    mark, _ = await bot.press("dir.general", decide.result, button(bot, decide, "firmar"))
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="Estado: respondida")
    await bot.run_job("mail.deliver")
    refused, received = await smtp_server.wait_for(2)
    assert "S-2026-0001" in str(refused.message["Subject"]) and "no admitida" in str(refused.message["Subject"])
    body = refused.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "a través de la Dirección General o de Asesoría Legal" in body, "the requester learns how to ask again"
    (memo,) = [part.get_content() for part in received.message.iter_attachments()]
    text = pdf_text(memo)
    assert "Se entrega a la Fiscalía" in text and "Marta Hernández" in text, "signed for the chief's unit"


async def test_a_finding_sent_after_the_search_ended_is_not_attached(bot: BotHarness) -> None:
    posted = await searching(bot)
    mark, _ = await bot.press("tec.ana", posted.result, "sol:1:hallazgo")
    question = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Envíe lo encontrado")
    mark = await step(bot, "tec.kevin", posted, "informar", "No hay video de ese carril en ese horario")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="verificación por jefatura")
    mark = bot.fake.mark()
    bot.fake.send_photo(bot.user("tec.ana"), bot.group, png_bytes(64, 48), reply_to=question.result)
    late = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID)
    assert late.params["text"] == "Ese paso ya no corresponde a S-2026-0001: alguien la movió antes."
    case = await solicitudes.load(bot.services, 1)
    assert case is not None and case.documents == [], "nothing attached to a search that ended"


async def test_form_mistakes_are_listed_with_their_lines(bot: BotHarness) -> None:
    reply = await bot.ask(
        "coord.carlos", "/solicitud\ntipo: mixta\nunidad: NASA\ncolor: azul\ndesde: ayer 25:00\npide: algo"
    )
    text = reply.params["text"]
    for expected in (
        "línea 1: tipo «mixta»",
        "línea 2: no conozco la unidad «NASA»",
        "línea 3: «color»",
        "línea 4:",
        "falta el campo «channel»",
        "falta el campo «requester»",
    ):
        assert expected in text, expected
    template = await bot.ask("coord.carlos", "/solicitud")
    assert "<code>tipo: interna" in template.params["text"]
    fixed = await bot.ask("coord.carlos", INTERNAL)
    assert "S-2026-0001</b> registrada" in fixed.params["text"], "the form answers the question"
    refused = await bot.ask("tec.ana", f"/solicitud\n{INTERNAL}")
    assert "S-2026" not in refused.params["text"]
    mismatch = await bot.ask("coord.carlos", f"/solicitud\n{form(unidad='FGR')}")  # a tipo: interna form
    assert (
        "línea 1: tipo: esa unidad es externa" in mismatch.params["text"]
        and "S-2026-0002" not in (mismatch.params["text"])
    )
    unknown = await bot.ask("tec.ana", "/solicitud S-2026-0099")
    assert "No encuentro la solicitud" in unknown.params["text"]
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("coord.carlos"), bot.private("coord.carlos"), "no")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="queda sin documento")


async def test_an_address_the_mail_would_refuse_is_typed_again_before_registering(bot: BotHarness) -> None:
    """Every step that e-mails the requester queues the mail with the step: an address the outbox
    refuses would make each of them fail, so the form asks for it again instead of keeping it."""
    refused = await bot.ask("coord.carlos", f"/solicitud\n{form(solicitante='Ana Pérez <josé.pérez@mh.test>')}")
    assert "línea 6: «josé.pérez@mh.test» no es una dirección de correo" in refused.params["text"]
    assert "S-2026" not in refused.params["text"]
    mark = bot.fake.mark()
    await register(bot, form(solicitante="Ana Pérez, ana.perez@mh.test."))  # the sentence's dot is no part of it
    posted = await card(bot, mark)
    mark = await step(bot, "coord.carlos", posted, "ampliar", "Indique la placa completa y el carril")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="esperando más datos del solicitante")
    async with bot.services.db.read() as session:
        (mail,) = (await session.exec(select(OutboxMail))).all()
    assert mail.to == ["ana.perez@mh.test"] and mail.ref == "S-2026-0001"


async def test_deadlines_remind_once_and_old_video_is_flagged_at_once(bot: BotHarness) -> None:
    registered = await register(bot, form(desde="05/11/2026 08:00", hasta="05/11/2026 09:00"))
    assert "está por sobrescribirse" in registered.params["text"], (
        "30 days of recording: the 5th of November is at risk"
    )
    mark = bot.fake.mark()
    await bot.run_job("solicitudes.retention")
    await bot.run_job("solicitudes.retention")
    warnings = [c for c in bot.fake.calls[mark:] if "sobrescribe" in c.params.get("text", "")]
    assert [c.params["chat_id"] for c in warnings] == [CARLOS]

    bot.clock.set(datetime(2026, 12, 9, 15, 0, tzinfo=UTC))  # Wednesday 9th: past half time
    mark = bot.fake.mark()
    await bot.run_job("solicitudes.deadlines")
    await bot.run_job("solicitudes.deadlines")
    half = [c for c in bot.fake.calls[mark:] if "mitad de su plazo" in c.params.get("text", "")]
    assert sorted(c.params["chat_id"] for c in half) == [CARLOS, MARTA]
    listing = await bot.ask("tec.ana", "/solicitudes")
    assert "S-2026-0001" in listing.params["text"] and "Quedan 2 días hábiles" in listing.params["text"]

    bot.clock.set(datetime(2026, 12, 14, 15, 0, tzinfo=UTC))  # Monday 14th: overdue
    mark = bot.fake.mark()
    await bot.run_job("solicitudes.deadlines")
    overdue = [c for c in bot.fake.calls[mark:] if "venció" in c.params.get("text", "")]
    assert len(overdue) == 2 and not [c for c in bot.fake.calls[mark:] if "vence mañana" in c.params.get("text", "")]
    listing = await bot.ask("tec.ana", "/solicitudes")
    assert "Vencida hace 1 días hábiles" in listing.params["text"]
    assert ANA not in [c.params["chat_id"] for c in half + overdue]


async def test_with_no_coordinator_or_chief_on_telegram_deadlines_are_said_in_the_group(bot: BotHarness) -> None:
    await register(bot, form(desde="05/11/2026 08:00", hasta="05/11/2026 09:00"))
    await bot.link("coord.carlos", None)
    await bot.link("jefe.marta", None)
    bot.clock.set(datetime(2026, 12, 9, 15, 0, tzinfo=UTC))
    mark = bot.fake.mark()
    await bot.run_job("solicitudes.retention")
    await bot.run_job("solicitudes.deadlines")
    await bot.run_job("solicitudes.deadlines")
    said = [c.params["text"] for c in bot.fake.calls[mark:] if c.params.get("chat_id") == GROUP_ID]
    assert sum("sobrescribe" in text for text in said) == 1 and sum("mitad de su plazo" in text for text in said) == 1


async def test_missing_data_is_asked_by_email_and_a_request_can_be_not_pertinent(
    mail_bot: BotHarness, smtp_server: SmtpServer
) -> None:
    bot = mail_bot
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    mark = await step(bot, "coord.carlos", posted, "ampliar", "Indique la placa completa y el carril")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="esperando más datos del solicitante")
    await bot.run_job("mail.deliver")
    (asked,) = await smtp_server.wait_for(1)
    assert "más datos" in str(asked.message["Subject"])
    assert "Indique la placa completa" in asked.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    mark = await step(bot, "coord.carlos", posted, "completar", "Placa P123456, carril 2")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="análisis de pertinencia")
    mark = await step(bot, "jefe.marta", posted, "no_pertinente", "El video pedido no corresponde a la unidad")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="Estado: no pertinente")
    memo = await bot.fake.wait_for("sendDocument", after=mark, chat_id=GROUP_ID)  # it came by memorándum: so goes
    printed = memo.files["document"]
    assert "no corresponde a la unidad" in pdf_text(printed) and "Marta Hernández" in pdf_text(printed)
    assert "Jefatura, Unidad Técnica" in pdf_text(printed), "signed by the chief, for the chief's office"
    await bot.run_job("mail.deliver")
    received = await smtp_server.wait_for(2)
    assert "no pertinente" in str(received[1].message["Subject"])
    (mailed,) = [part.get_content() for part in received[1].message.iter_attachments()]
    assert mailed == printed, "the memo printed and the one e-mailed are the same file"
    listing = await bot.ask("tec.ana", "/solicitudes")
    assert "No hay solicitudes abiertas" in listing.params["text"]


async def test_a_memo_a_coordinator_signs_gives_the_coordinators_position(bot: BotHarness) -> None:
    """The memorandum is an official signed document: under the coordinator's name, their own office."""
    await register(bot)
    async with bot.services.db.read() as session:
        carlos, ana = [await person_by_key(session, k) for k in ("coord.carlos", "tec.ana")]
    assert carlos and ana
    await solicitudes.act(bot.services, 1, carlos, "pertinente")
    await solicitudes.act(bot.services, 1, ana, "informar", "Existe video de 08:00 a 10:00")
    outcome, _ = await solicitudes.act(bot.services, 1, carlos, "responder", "Se remite el video solicitado.")
    assert outcome is solicitudes.Outcome.OK
    case = await solicitudes.load(bot.services, 1)
    assert case is not None
    memo = solicitudes.latest_memo(case.documents)
    assert memo is not None
    _, data = await read(bot.services, memo.evidence_id)
    text = " ".join(pdf_text(data).split())
    assert "Carlos Rivas Coordinación Técnica, Unidad Técnica de Monitoreo y Video Vigilancia" in text
    assert "Jefatura" not in text


async def test_a_requester_without_email_is_left_to_the_unit_to_tell_in_writing(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await register(bot, form(solicitante="Ana Pérez"))
    posted = await card(bot, mark)
    mark = await step(bot, "jefe.marta", posted, "no_pertinente", "El video pedido no corresponde a la unidad")
    told = await bot.fake.wait_for(
        "sendMessage", after=mark, chat_id=GROUP_ID, text_contains="S-2026-0001: no pertinente"
    )
    assert "Ana Pérez no tiene correo registrado" in told.params["text"] and "por escrito" in told.params["text"]


async def test_a_step_not_yours_or_gone_by_is_refused_before_any_text_is_asked(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await register(bot)
    posted = await card(bot, mark)
    mark, _ = await bot.press("tec.ana", posted.result, "sol:1:no_pertinente")  # the chief's step, not hers
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text_contains="le corresponde a otra persona")
    mark = await step(bot, "jefe.marta", posted, "no_pertinente", "El video pedido no corresponde a la unidad")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="Estado: no pertinente")
    mark = forge(bot, "coord.carlos", posted.result, "sol:1:ampliar")  # a button the card had before
    await bot.fake.wait_for("answerCallbackQuery", after=mark, text_contains="ya no corresponde a S-2026-0001")
    asked = [c for c in bot.fake.calls if c.params.get("chat_id") == GROUP_ID and "force_reply" in str(c.params)]
    assert len(asked) == 1, "only the chief's own step asked for text"


async def test_a_written_authorisation_is_recorded_by_the_chief(bot: BotHarness) -> None:
    mark = bot.fake.mark()
    await register(bot, form(unidad="Recursos Humanos"))
    posted = await card(bot, mark)
    buttons = [b["callback_data"] for row in posted.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["sol:1:autorizacion_escrita", "sol:1:documento"], "the group only records the Director's letter"
    mark, _ = await bot.press("tec.ana", posted.result, "sol:1:autorizacion_escrita")  # refused before she types
    refused = await bot.fake.wait_for("answerCallbackQuery", after=mark, text_contains="otra persona")
    assert "S-2026-0001" in refused.params["text"]
    mark = await step(bot, "jefe.marta", posted, "autorizacion_escrita", "Memorándum DG-2026-77 del 3 de diciembre")
    await bot.fake.wait_for("editMessageText", after=mark, text_contains="análisis de pertinencia")
    timeline = await bot.ask("tec.ana", "/solicitud S-2026-0001")
    assert "autorizó: escrita: Memorándum DG-2026-77" in timeline.params["text"]


async def test_a_document_of_the_wrong_kind_or_too_large_is_refused_and_asked_again(bot: BotHarness) -> None:
    await register(bot)
    carlos = bot.user("coord.carlos")
    mark = bot.fake.mark()
    bot.fake.send_document(carlos, bot.private("coord.carlos"), b"hola", filename="nota.txt", mime_type="text/plain")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="Envíe una foto o un PDF")
    mark = bot.fake.mark()
    big = b"%PDF-1.4\n" + bytes(21 * 1024 * 1024)
    bot.fake.send_document(carlos, bot.private("coord.carlos"), big, filename="memo.pdf", mime_type="application/pdf")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="pasa de 20 MB")
    mark = bot.fake.mark()
    pdf = b"%PDF-1.4\n% the memo, lighter\n"
    bot.fake.send_document(carlos, bot.private("coord.carlos"), pdf, filename="memo.pdf", mime_type="application/pdf")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=CARLOS, text_contains="Guardado en S-2026-0001")


async def test_two_people_answering_at_once_leave_one_answer_and_one_memo(bot: BotHarness) -> None:
    """Marta and Carlos press *Responder* on the same card at the same moment. Expected: one answer is
    recorded; the other is told it came too late; the request has one memorandum, not one for each."""
    await register(bot)
    async with bot.services.db.read() as session:
        carlos, marta, ana = [await person_by_key(session, k) for k in ("coord.carlos", "jefe.marta", "tec.ana")]
    assert carlos and marta and ana
    await solicitudes.act(bot.services, 1, carlos, "pertinente")
    await solicitudes.act(bot.services, 1, ana, "informar", "Existe video de 08:00 a 10:00")
    outcomes = await asyncio.gather(
        solicitudes.act(bot.services, 1, marta, "responder", "Se remite el video solicitado, versión de Marta."),
        solicitudes.act(bot.services, 1, carlos, "responder", "Se remite el video solicitado, versión de Carlos."),
    )
    assert sorted(outcome for outcome, _ in outcomes) == sorted([solicitudes.Outcome.OK, solicitudes.Outcome.STALE])
    async with bot.services.db.read() as session:
        documents = await documents_of(session, 1)
        events = [e.action for e in await events_of(session, 1)]
    assert [d.role for d in documents] == ["memo"] and events.count("documento_memo") == 1


async def test_a_request_with_many_findings_keeps_a_card_telegram_accepts(bot: BotHarness) -> None:
    """Sixty exports attached, a 1,000-character request and answer: the card counts the files by kind
    instead of listing them, so it stays one message Telegram takes (4,096 characters at most)."""
    await register(bot, form(pide="Video del carril de entrada " + "y del andén " * 90))
    case = await solicitudes.load(bot.services, 1)
    assert case is not None
    found = [
        SolicitudDocument(solicitud_id=1, evidence_id=n, role="hallazgo", added_at=bot.services.now())
        for n in range(60)
    ]
    crowded = dataclasses.replace(case, documents=[*case.documents, *found])
    text = solicitudes_render.card(bot.services, crowded, "es", solicitudes.today(bot.services))
    assert telegram_length(text) <= TELEGRAM_MAX and "📎 hallazgo de la búsqueda ×60" in text
