"""/solicitud, /solicitudes and the request's buttons: register from a form, attach the request's
document and what the search found, and move it through pertinence, search, verification and
the Director's authorisation or signature."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from telegram import Document, Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot import consignas_board, prompts, solicitudes, solicitudes_board
from bot.context import VigiaContext
from bot.i18n import Html, Whole, t
from bot.roles import EVERYONE, SUPERVISORS, UNIT_STAFF
from bot.solicitudes import NEEDS_TEXT, Outcome, ReceivedFile
from bot.solicitudes_board import PRIVATE
from bot.solicitudes_form import parse_form
from bot.solicitudes_render import card, listing, problems_text, timeline
from bot.solicitudes_rules import ACTORS, State
from handlers.commands import Command, check_role, reply_in_pieces
from handlers.prompts import ask_in_reply, mention
from storage.people import Person
from storage.prompts import PendingPrompt
from storage.solicitudes import Solicitud

MAX_FILE_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download
SUFFIXES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# Video files by their name: Telegram reports a type it does not know (a Dahua .dav) as application/octet-stream.
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg", ".ts", ".asf", ".dav", ".264"})
SHORTEST_TEXT = 5
DONE = ("listo", "done", "no", "sin documento")  # what ends a question for files
FILE_QUESTIONS = {"documento": "solicitud.ask_document", "hallazgo": "solicitud.ask_finding"}  # the card's buttons
MAKES_MEMO = ("responder", "enviar_a_firma", "firmar")
OUTCOMES = {
    Outcome.NOT_FOUND: "solicitud.not_found",
    Outcome.STALE: "solicitud.stale",
    Outcome.WRONG_ROLE: "solicitud.wrong_role",
}


def _form_text(message: Message) -> str:
    """What follows the command, lines kept (context.args would lose them)."""
    text = message.text or ""
    return text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""


async def solicitud(update: Update, context: VigiaContext) -> None:
    """`/solicitud` gives the form; `/solicitud <form>` registers; `/solicitud <número>` shows one."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None and context.person is not None
    form = _form_text(message)
    if form and ":" not in form:
        found = await solicitudes.find(services, form)
        case = await solicitudes.load(services, found.id) if found else None  # type: ignore[arg-type]
        if case is None:
            await message.reply_text(t(language, "solicitud.unknown_number", value=form[:40]))
            return
        today = solicitudes.today(services)
        text = card(services, case, language, today) + "\n\n" + timeline(services, case, language, services.now())
        await reply_in_pieces(message, text)
        return
    if not await check_role(update, context, SUPERVISORS, "solicitud <formulario>"):  # a technician may only look
        return
    if not form:
        await _ask(context, message, t(language, "solicitud.template"), "solicitud.form", 0)
        return
    await _register(message, context, form)


async def answer_form(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    message = update.effective_message
    assert message is not None
    await _register(message, context, message.text or "")
    return False  # the form's problems were listed and its question still waits, or the document's took its place


async def _register(message: Message, context: VigiaContext, text: str) -> None:
    """Register, then ask for the request's document; or list every problem of the form."""
    services, language, person = context.services, context.language, context.person
    assert person is not None
    parsed = parse_form(text, services.unit, solicitudes.today(services), services.tz)
    if isinstance(parsed, list):
        await message.reply_text(problems_text(parsed, language))
        return
    registered, decision = await solicitudes_board.register(services, parsed, person)
    reply = t(
        language,
        f"solicitud.registered.{decision.decision}",
        number=registered.number,
        due=f"{registered.due_on:%d/%m/%Y}",
        reason=t(language, f"solicitud.reason.{decision.reason}"),
    )
    if solicitudes.at_risk(services, registered):
        reply += "\n" + t(language, "solicitud.retention_risk", number=registered.number)
    question = reply + "\n\n" + t(language, "solicitud.send_document")
    await _ask(context, message, question, "solicitud.documento", registered.id)  # type: ignore[arg-type]


async def answer_file(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    """The request's own document (after registering, or *📄 Adjuntar documento* on its card) or what
    the search found (*📎 Adjuntar hallazgo*), which may be the exported video. The question stays open
    after each file, each answered with its hash: a letter comes as several pages (an album arrives as
    one message per photo), a search finds several exports; «listo» ends it, as does a new question,
    and in private ten minutes without a file (handlers/prompts.OPEN_MINUTES)."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None
    role = "documento" if pending.kind == "solicitud.documento" else "hallazgo"
    case = await solicitudes.load(services, pending.object_id)
    if case is None:
        return True
    request = case.solicitud
    refused = _attach_refusal(request, context.person, role)  # type: ignore[arg-type]
    if refused is not None:  # the search ended while the question waited (a prompt in private waits long)
        await message.reply_text(t(language, OUTCOMES[refused], number=request.number))
        return True
    if message.text and message.text.strip().casefold() in DONE:
        count = sum(1 for document in case.documents if document.role == role)
        what = t(language, f"solicitud.role.{role}")
        key = "solicitud.files_done" if count else "solicitud.no_files"
        await message.reply_text(t(language, key, number=request.number, role=what, count=count))
        return True
    found = await _file(message, language, videos=role == "hallazgo")
    if isinstance(found, str):
        await message.reply_text(found)
        return False
    evidence = await solicitudes_board.attach(services, request, found, role, context.person)
    kept = "solicitud.file_kept_named" if found.name else "solicitud.file_kept"
    await message.reply_text(t(language, kept, number=request.number, sha=evidence.sha256, name=found.name))
    return False


async def _file(message: Message, language: str, videos: bool) -> ReceivedFile | str:
    """The photo, PDF or (for a finding) video of the message, or what to say about it."""
    document = message.document
    video = message.video or (document if document and _is_video(document) else None)
    too_big = t(language, "solicitud.file_too_big")
    if video is not None and videos:
        chosen, suffix, name = video, _video_suffix(video.file_name, video.mime_type), video.file_name
        too_big = t(language, "solicitud.video_too_big")
    elif message.photo:
        chosen, suffix, name = message.photo[-1], ".jpg", None  # type: ignore[assignment]
    elif document is not None and (document.mime_type or "") in SUFFIXES:
        chosen, suffix, name = document, SUFFIXES[document.mime_type or ""], document.file_name  # type: ignore[assignment]
    else:
        return t(language, "solicitud.wrong_finding" if videos else "solicitud.wrong_file")
    if (chosen.file_size or 0) > MAX_FILE_BYTES:
        return too_big
    try:
        data = await (await chosen.get_file()).download_as_bytearray()
    except BadRequest as error:  # Telegram did not give its size: it refuses the download instead
        if "too big" not in error.message.casefold():
            raise
        return too_big
    return ReceivedFile(bytes(data), suffix, name)


def _is_video(document: Document) -> bool:
    """A recorder's export is known by its name as much as by the type Telegram reports."""
    suffix = PurePosixPath(document.file_name or "").suffix.casefold()
    return (document.mime_type or "").startswith("video/") or suffix in VIDEO_SUFFIXES


def _video_suffix(name: str | None, mime_type: str | None) -> str:
    """The export's own extension (.mp4, .avi, .dav...), else the MIME type's: how it is stored."""
    suffix = PurePosixPath(name or "").suffix.casefold()
    if 1 < len(suffix) <= 6 and suffix[1:].isalnum():
        return suffix
    return mimetypes.guess_extension(mime_type or "") or ".mp4"


async def lista(update: Update, context: VigiaContext) -> None:
    """`/solicitudes`: the open requests, most urgent first, with their state and days left."""
    message, services = update.effective_message, context.services
    assert message is not None
    open_ones = await solicitudes.open_list(services)
    await reply_in_pieces(message, listing(services, open_ones, context.language, solicitudes.today(services)))


def _attach_refusal(solicitud: Solicitud, person: Person, action: str) -> Outcome | None:
    """A finding is the search's, while it runs; the request's own papers (the letter, a written
    authorisation, the data asked for) are the supervisors', and are evidence in any state, a request
    refused at registration too (lineamiento c). Checked at the button and again at each file."""
    if action == "hallazgo" and solicitud.state != State.BUSQUEDA:
        return Outcome.STALE
    allowed = ACTORS[State.BUSQUEDA] if action == "hallazgo" else SUPERVISORS
    return None if person.role in allowed else Outcome.WRONG_ROLE


async def button(update: Update, context: VigiaContext) -> None:
    query, services, language, person = update.callback_query, context.services, context.language, context.person
    assert query is not None and query.data is not None and query.message is not None
    if not await check_role(update, context, EVERYONE, "solicitud"):
        return
    assert person is not None
    _, solicitud_id, action, *round_ = query.data.split(":")
    at_step = int(round_[0]) if round_ else None  # the Director's private buttons carry it
    case = await solicitudes.load(services, int(solicitud_id))
    if case is None:
        await query.answer(t(language, "solicitud.not_found"), show_alert=True)
        return
    if action in FILE_QUESTIONS:
        refused = _attach_refusal(case.solicitud, person, action)
        if refused is not None:
            await query.answer(t(language, OUTCOMES[refused], number=case.solicitud.number), show_alert=True)
            return
        await query.answer()
        question = t(language, FILE_QUESTIONS[action], number=case.solicitud.number)
        await _ask(context, query.message, question, f"solicitud.{action}", int(solicitud_id))  # type: ignore[arg-type]
        return
    refused = solicitudes.refusal(case, person, action, at_step)
    if refused is not None:  # before asking for any text: an old button, or not this person's step
        await query.answer(t(language, OUTCOMES[refused], number=case.solicitud.number), show_alert=True)
        return
    if action in NEEDS_TEXT:
        await query.answer()
        question = t(language, f"solicitud.ask.{action}", number=case.solicitud.number)
        pending = await _ask(context, query.message, question, "solicitud.texto", int(solicitud_id))  # type: ignore[arg-type]
        # The step waits for its text, in this round: an answer typed after the request went round and came
        # back (*Ampliar datos* then *Datos recibidos*, *Devolver* then *Informar*) was for the old one.
        step = f"{action}:{solicitudes.steps_taken(case.events)}"
        await prompts.remember_text(services, pending, step)
        return
    await _act(update, context, int(solicitud_id), action, None, at_step)


async def _ask(context: VigiaContext, about: Message, question: str, kind: str, solicitud_id: int) -> PendingPrompt:
    """A question answered by the person's next message (in the group: a reply to it), asked in reply
    to what it is about (the card, the command): in its topic, naming whom it asks."""
    assert context.person is not None
    text = t(context.language, "solicitud.question", name=mention(context.person), question=Html(question))
    asked = await ask_in_reply(context, about, text, kind, solicitud_id)
    pending = await prompts.waiting(context.services, context.person, asked.chat_id, asked.message_id, private=False)
    assert pending is not None
    return pending


async def answer_text(update: Update, context: VigiaContext, pending: PendingPrompt) -> bool:
    """The text a step needs (what is missing, why not, what was found, the answer)."""
    message, language = update.effective_message, context.language
    assert message is not None
    text = (message.text or "").strip()
    if len(text) < SHORTEST_TEXT:
        await message.reply_text(t(language, "solicitud.text_short"))
        return False
    action, *round_ = (pending.text or "").split(":")  # a question asked before rounds were kept has none
    await _act(update, context, pending.object_id, action, text, int(round_[0]) if round_ else None)
    return True


async def _act(
    update: Update, context: VigiaContext, solicitud_id: int, action: str, text: str | None, at_step: int | None = None
) -> None:
    services, language, person = context.services, context.language, context.person
    assert person is not None
    query, message = update.callback_query, update.effective_message
    if action in MAKES_MEMO and message is not None:
        await message.chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    chat_id = message.chat_id if message is not None else None
    outcome, changed = await solicitudes_board.act(services, solicitud_id, person, action, text, chat_id, at_step)
    number = changed.number if changed else ""
    if outcome is not Outcome.OK or changed is None:
        key = OUTCOMES.get(outcome, "solicitud.not_found")
        if query is not None:
            await query.answer(t(language, key, number=number), show_alert=True)
        elif message is not None and outcome is Outcome.STALE and text and changed is not None:
            # Someone moved it while this was being typed: say where it is now, and give the text back.
            state = t(language, f"solicitud.state.{changed.state}")
            await reply_in_pieces(  # whole, however long: it is stored nowhere else
                message, t(language, "solicitud.stale_text", number=number, state=state, text=Whole(text))
            )
        elif message is not None:
            await message.reply_text(t(language, key, number=number))
        return
    if changed.consigna_id is not None and action == "pertinente":
        await consignas_board.settle(context.bot, services)  # its post, owed with the step, then the board
    done = t(language, "solicitud.done", number=number, state=t(language, f"solicitud.state.{changed.state}"))
    if action in solicitudes.MAIL_SUBJECTS and not changed.requester_email:
        done += "\n" + t(language, "solicitud.no_email", requester=changed.requester)  # on paper, then
    if query is not None:
        await query.answer(done)
        if changed.state not in PRIVATE and query.message is not None and query.message.chat.type == "private":
            await query.edit_message_reply_markup(None)
    elif message is not None:
        await message.reply_text(done)


COMMANDS = (
    Command("solicitud", solicitud, roles=UNIT_STAFF),
    Command("solicitudes", lista, roles=UNIT_STAFF),
)
BUTTONS = (CallbackQueryHandler(button, pattern=r"^sol:\d+:[a-z_]+(:\d+)?$"),)
PROMPTS = {
    "solicitud.form": answer_form,
    "solicitud.documento": answer_file,
    "solicitud.hallazgo": answer_file,
    "solicitud.texto": answer_text,
}
OPEN_PROMPTS = ("solicitud.documento", "solicitud.hallazgo")  # a letter comes as several pages
