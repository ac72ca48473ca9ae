"""/foto, /mosaico, /clip and /evidencia: pictures from named cameras, and the evidence they leave.

A command is parsed and matched at once; the capture then runs as its own task, so the next
update (someone else's /foto) is handled while this camera is still answering.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler

from bot.cameras.capture import CameraUnavailable
from bot.cameras.deliveries import last_seen, local_time, take_clip, take_mosaic, take_photo
from bot.cameras.directory import CameraRef, Directory, SiteRef, load_directory
from bot.cameras.evidence import EvidenceMissing, fetch_for_resend
from bot.cameras.matching import MatchResult, match, split_seconds
from bot.context import VigiaContext
from bot.i18n import t
from bot.roles import UNIT_STAFF
from handlers.commands import Command, check_role, reply_photo_in_pieces

MAX_BUTTONS = 12
COLUMNS = 2
ACTION_REPEAT_S = 4.5  # Telegram shows a chat action for 5 s
CLIP_UPLOAD_TIMEOUT_S = 180
MAX_ID_DIGITS = 18  # a record number longer than this cannot exist (64-bit integers)


# ---------------------------------------------------------------- commands


async def foto(update: Update, context: VigiaContext) -> None:
    """A fresh frame from the camera named in the arguments; buttons when the name is not enough."""
    message = update.effective_message
    assert message is not None
    directory = await _directory(context)
    query = " ".join(context.args or ())
    if await _nothing_to_show(message, context, directory):
        return
    if not query:
        await _pick_site(message, context, directory, "foto")
        return
    await _resolve_camera(update, context, directory, query, match(query, directory.cameras), "foto")


async def clip(update: Update, context: VigiaContext) -> None:
    """A short clip; `/clip <cámara> [segundos]`."""
    message, options = update.effective_message, context.services.unit.capture
    assert message is not None
    directory = await _directory(context)
    if await _nothing_to_show(message, context, directory):
        return
    query, seconds = split_seconds(list(context.args or ()), directory.cameras)
    if seconds is not None and seconds < 1:
        await message.reply_text(
            t(context.language, "camaras.clip_usage", max=options.clip_max_s, default=options.clip_default_s)
        )
        return
    if not query:
        await _pick_site(message, context, directory, "clip", seconds)
        return
    await _resolve_camera(update, context, directory, query, match(query, directory.cameras), "clip", seconds)


async def mosaico(update: Update, context: VigiaContext) -> None:
    """Every camera of a site in one picture."""
    message = update.effective_message
    assert message is not None
    directory = await _directory(context)
    if await _nothing_to_show(message, context, directory):
        return
    query = " ".join(context.args or ())
    if not query:
        await _pick_site(message, context, directory, "mosaico")
        return
    result = match(query, directory.sites)
    if len(result.matches) == 1:
        _start(context, update, _send_mosaic(message, context, result.matches[0]))
        return
    await _offer(message, context, query, result, "mosaico", "site", "camaras.several_sites", "camaras.none_site")


async def evidencia(update: Update, context: VigiaContext) -> None:
    """The stored file again, byte for byte (a document, so Telegram does not recompress it), with its hash."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None
    number = (context.args or [""])[0].lstrip("#")
    if len(context.args or ()) != 1 or not (number.isascii() and number.isdigit()):
        await message.reply_text(t(language, "camaras.evidence_usage"))
        return
    if len(number) > MAX_ID_DIGITS:  # no such record, and more than the database's integers hold
        await message.reply_text(t(language, "camaras.evidence_unknown", id=number))
        return
    try:
        found = await fetch_for_resend(services, int(number), context.person)
    except LookupError:
        await message.reply_text(t(language, "camaras.evidence_unknown", id=number))
        return
    except EvidenceMissing as exc:
        when = local_time(services, exc.evidence.purged_at) if exc.evidence.purged_at else ""
        await message.reply_text(t(language, f"camaras.evidence_{exc.reason}", id=number, date=when))
        return
    row = found.evidence
    caption = t(
        language,
        "camaras.evidence_caption",
        id=row.id,
        kind=t(language, f"camaras.kind.{row.kind}"),
        camera=found.camera or "-",
        site=found.site or "-",
        time=local_time(services, row.captured_at),
        person=found.requester or "-",
        sha=row.sha256,
    )
    data = await services.cameras.run(found.path.read_bytes)
    filename = f"evidencia-{row.id}-{row.sha256[:12]}{Path(row.path).suffix}"
    async with _chat_action(context, message, ChatAction.UPLOAD_DOCUMENT):
        await message.reply_document(data, filename=filename, caption=caption, write_timeout=CLIP_UPLOAD_TIMEOUT_S)


# ---------------------------------------------------------------- buttons


async def button(update: Update, context: VigiaContext) -> None:
    """`<kind>:site:<id>` or `<kind>:cam:<id>[:<seconds>]`; ids are checked again, the presser's role too."""
    query = update.callback_query
    assert query is not None and query.data is not None and isinstance(query.message, Message)
    kind, what, ident, *rest = query.data.split(":")
    if not await check_role(update, context, UNIT_STAFF, kind):
        return
    language, directory = context.language, await _directory(context)
    seconds = int(rest[0]) if rest else None
    if what == "site":
        site = directory.site(int(ident))
        if site is None:
            await query.answer(t(language, "camaras.button_gone"), show_alert=True)
            return
        await query.answer()
        if kind == "mosaico":
            _start(context, update, _send_mosaic(query.message, context, site))
            return
        markup = _keyboard(_camera_buttons(site.cameras, kind, seconds) + _mosaic_button(site, kind, language))
        await query.edit_message_text(t(language, "camaras.pick_camera", site=site.name), reply_markup=markup)
        return
    camera = directory.camera(int(ident))
    if camera is None:
        await query.answer(t(language, "camaras.button_gone"), show_alert=True)
        return
    await query.answer()
    _start(context, update, _deliver(kind, query.message, context, camera, seconds))


BUTTONS = (CallbackQueryHandler(button, pattern=r"^(foto|clip|mosaico):(site|cam):\d+(:\d+)?$"),)


# ---------------------------------------------------------------- deliveries


def _deliver(
    kind: str, message: Message, context: VigiaContext, camera: CameraRef, seconds: int | None
) -> Coroutine[Any, Any, None]:
    return _send_clip(message, context, camera, seconds) if kind == "clip" else _send_photo(message, context, camera)


async def _send_photo(message: Message, context: VigiaContext, camera: CameraRef) -> None:
    services, language, person = context.services, context.language, context.person
    assert person is not None
    async with _chat_action(context, message, ChatAction.UPLOAD_PHOTO):
        try:
            photo = await take_photo(services, camera, person)
        except CameraUnavailable as exc:
            await message.reply_text(await _failure(context, camera, exc))
            return
        caption = t(
            language,
            "camaras.photo_caption",
            camera=camera.name,
            site=camera.site_name,
            time=local_time(services, photo.captured_at),
            person=person.name,
            id=photo.evidence.id,
        )
        await message.reply_photo(photo.jpeg, caption=caption, filename=f"{camera.code}.jpg")


async def _send_mosaic(message: Message, context: VigiaContext, site: SiteRef) -> None:
    services, language, person = context.services, context.language, context.person
    assert person is not None
    async with _chat_action(context, message, ChatAction.UPLOAD_PHOTO):
        mosaic = await take_mosaic(services, site, person)
        lines = [
            t(
                language,
                "camaras.mosaic_caption",
                site=site.name,
                ok=len(site.cameras) - len(mosaic.failed),
                total=len(site.cameras),
                time=local_time(services, mosaic.captured_at),
                person=person.name,
                id=mosaic.evidence.id,
            )
        ]
        if mosaic.failed:
            names = ", ".join(camera.name for camera, _ in mosaic.failed)
            lines.append(t(language, "camaras.mosaic_failed", cameras=names))
        await reply_photo_in_pieces(message, mosaic.jpeg, "\n".join(lines), f"{site.code}.jpg")


async def _send_clip(message: Message, context: VigiaContext, camera: CameraRef, seconds: int | None) -> None:
    services, language, person = context.services, context.language, context.person
    options = services.unit.capture
    assert person is not None
    if not services.cameras.source(camera.code).stream_url:  # an HTTP snapshot camera has no video
        await message.reply_text(await _failure(context, camera, CameraUnavailable("no_stream")))
        return
    asked = seconds or options.clip_default_s
    seconds = min(asked, options.clip_max_s)
    notice = await message.reply_text(t(language, "camaras.recording", camera=camera.name, seconds=seconds))
    async with _chat_action(context, message, ChatAction.RECORD_VIDEO):
        try:
            result = await take_clip(services, camera, seconds, person)
        except CameraUnavailable as exc:
            await notice.edit_text(await _failure(context, camera, exc))
            return
    info, limit = result.info, f"{options.upload_limit_mb:g}"
    lines = [
        t(
            language,
            "camaras.clip_caption",
            camera=camera.name,
            site=camera.site_name,
            seconds=round(info.duration_s),
            time=local_time(services, result.captured_at),
            person=person.name,
            id=result.evidence.id,
        )
    ]
    if asked > seconds:
        lines.append(t(language, "camaras.clip_clamped", max=options.clip_max_s))
    if info.note:
        lines.append(t(language, f"camaras.clip_{info.note}", limit=limit, seconds=round(info.duration_s)))
    if not info.has_audio and services.cameras.source(camera.code).has_audio:
        lines.append(t(language, "camaras.clip_no_audio"))
    data = await services.cameras.run(result.path.read_bytes)
    async with _chat_action(context, message, ChatAction.UPLOAD_VIDEO):
        await message.reply_video(
            data,
            caption="\n".join(lines),
            filename=f"{camera.code}.mp4",
            duration=round(info.duration_s),
            width=info.width,
            height=info.height,
            supports_streaming=True,
            write_timeout=CLIP_UPLOAD_TIMEOUT_S,
        )
    await _delete_quietly(notice)


async def _failure(context: VigiaContext, camera: CameraRef, exc: CameraUnavailable) -> str:
    """What went wrong, where (URL without credentials), and when the camera last worked."""
    services, language = context.services, context.language
    reason = t(language, f"camaras.reason.{exc.reason}", seconds=f"{services.cameras.deadline_s:g}")
    text = t(
        language,
        "camaras.failed",
        camera=camera.name,
        site=camera.site_name,
        reason=reason,
        url=services.cameras.source(camera.code).safe_url,
    )
    if exc.reason == "no_stream":
        return text
    seen = await last_seen(services, camera)
    tail = t(language, "camaras.last_ok", time=local_time(services, seen)) if seen else t(language, "camaras.never_ok")
    return f"{text}\n{tail}"


# ---------------------------------------------------------------- choosing


async def _resolve_camera(
    update: Update,
    context: VigiaContext,
    directory: Directory,
    query: str,
    result: MatchResult[CameraRef],
    kind: str,
    seconds: int | None = None,
) -> None:
    message = update.effective_message
    assert message is not None
    if len(result.matches) == 1:
        _start(context, update, _deliver(kind, message, context, result.matches[0], seconds))
        return
    await _offer(message, context, query, result, kind, "cam", "camaras.several", "camaras.none", seconds)


async def _offer(
    message: Message,
    context: VigiaContext,
    query: str,
    result: MatchResult[Any],
    kind: str,
    what: str,
    several_key: str,
    none_key: str,
    seconds: int | None = None,
) -> None:
    """Buttons for several matches; for none, the closest spellings as buttons, or the way to the list."""
    language = context.language
    choices = result.matches or result.suggestions
    if result.matches:
        text = t(language, several_key, query=query)
        if len(choices) > MAX_BUTTONS:
            text += "\n" + t(language, "camaras.too_many", shown=MAX_BUTTONS, count=len(choices))
    else:
        text = t(language, none_key, query=query) + "\n"
        text += t(language, "camaras.did_you_mean" if choices else "camaras.see_sites")
    buttons = [
        InlineKeyboardButton(item.name, callback_data=_data(kind, what, item.id, seconds))
        for item in choices[:MAX_BUTTONS]
    ]
    await message.reply_text(text, reply_markup=_keyboard(buttons) if buttons else None)


async def _pick_site(
    message: Message, context: VigiaContext, directory: Directory, kind: str, seconds: int | None = None
) -> None:
    key = "camaras.pick_mosaic" if kind == "mosaico" else "camaras.pick_site"
    buttons = [InlineKeyboardButton(s.name, callback_data=_data(kind, "site", s.id, seconds)) for s in directory.sites]
    await message.reply_text(t(context.language, key), reply_markup=_keyboard(buttons))


def _camera_buttons(cameras: Sequence[CameraRef], kind: str, seconds: int | None) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(c.name, callback_data=_data(kind, "cam", c.id, seconds)) for c in cameras]


def _mosaic_button(site: SiteRef, kind: str, language: str) -> list[InlineKeyboardButton]:
    if kind != "foto" or len(site.cameras) < 2:
        return []
    return [InlineKeyboardButton(t(language, "camaras.mosaic_button"), callback_data=f"mosaico:site:{site.id}")]


def _data(kind: str, what: str, ident: int, seconds: int | None) -> str:
    return f"{kind}:{what}:{ident}" + (f":{seconds}" if seconds and kind == "clip" else "")


def _keyboard(buttons: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([buttons[i : i + COLUMNS] for i in range(0, len(buttons), COLUMNS)])


# ---------------------------------------------------------------- plumbing


async def _directory(context: VigiaContext) -> Directory:
    services = context.services
    return await load_directory(services.db, set(services.cameras.sources))


async def _nothing_to_show(message: Message, context: VigiaContext, directory: Directory) -> bool:
    if directory.cameras:
        return False
    await message.reply_text(t(context.language, "camaras.none_configured"))
    return True


def _start(context: VigiaContext, update: Update, work: Coroutine[Any, Any, None]) -> None:
    """Run the capture beside the update queue; errors still reach the error handler with the update."""
    context.application.create_task(work, update=update)


@asynccontextmanager
async def _chat_action(context: VigiaContext, message: Message, action: str) -> AsyncIterator[None]:
    """Show "sending photo…" (or the like) in the chat for as long as the block runs."""
    thread = message.message_thread_id if message.is_topic_message else None

    async def keep_showing() -> None:
        while True:
            try:
                await context.bot.send_chat_action(message.chat_id, action, message_thread_id=thread)
            except TelegramError:
                return
            await asyncio.sleep(ACTION_REPEAT_S)

    task = asyncio.create_task(keep_showing())
    try:
        yield
    finally:
        task.cancel()


async def _delete_quietly(message: Message) -> None:
    with suppress(TelegramError):
        await message.delete()


COMMANDS = (
    Command("foto", foto, roles=UNIT_STAFF),
    Command("mosaico", mosaico, roles=UNIT_STAFF),
    Command("clip", clip, roles=UNIT_STAFF),
    Command("evidencia", evidencia, roles=UNIT_STAFF),
)
