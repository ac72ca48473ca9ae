"""/estado, /referencia and /mantenimiento: what the health monitor sees, and telling it about
planned work or a camera re-aimed on purpose."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatAction

from bot.cameras.capture import CameraUnavailable
from bot.context import VigiaContext
from bot.health import maintenance, references, status
from bot.health.probe import thumbnail
from bot.health.render import conditions_text, status_caption
from bot.i18n import plain, t
from bot.roles import UNIT_STAFF
from bot.shifts import local_time
from bot.text import fold
from handlers.commands import Command, reply_photo_in_pieces

CHART_LABELS = ("up", "degraded", "down", "cameras", "now", "timeline", "daily", "availability")


async def estado(update: Update, context: VigiaContext) -> None:
    """`/estado [sitio|cámara]`: a chart of every site, of one site camera by camera, or of one
    camera, now, over the last 24 hours and the last 7 days, with a caption of the figures."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None
    unit, args = services.unit, list(context.args or ())
    if not unit.cameras:
        await message.reply_text(t(language, "salud.status.no_cameras"))
        return
    target = maintenance.parse_target(services, args[0]) if args else None
    if args and target is None:
        await message.reply_text(t(language, "salud.status.unknown", value=args[0], **services.unit.codes()))
        return
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    from bot.health.chart import render_status  # matplotlib on first use: ~50 MB held only once asked

    found = await status.estado(services, target)
    hours = [h.astimezone(services.tz) for h in found.hours]
    labels = {k: plain(language, f"salud.chart.{k}") for k in CHART_LABELS}
    *pictures, last = await services.cameras.run(render_status, found.rows, hours, found.days, labels)
    for picture in pictures:  # a big site's cameras: the caption goes under the last, as under an album
        await message.reply_photo(picture, filename="estado.png")
    caption = status_caption(language, found, services.tz, services.now())
    await reply_photo_in_pieces(message, last, caption, "estado.png")


async def referencia(update: Update, context: VigiaContext) -> None:
    """`/referencia <cámara>`: the camera's normal look for this period is the picture of now."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None and context.person is not None
    period = t(language, f"salud.period.{references.period_now(services)}")
    args = list(context.args or ())
    if not args:
        await message.reply_text(t(language, "salud.referencia.usage", period=period, **services.unit.codes()))
        return
    camera = services.unit.camera(args[0])
    if camera is None or not camera.enabled:
        await message.reply_text(t(language, "salud.referencia.unknown", value=args[0], **services.unit.codes()))
        return
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    try:
        frame, found = await references.set_from_now(services, services.health, camera.code, context.person)
    except CameraUnavailable as exc:
        await message.reply_text(t(language, "salud.referencia.unavailable", camera=camera.name, reason=exc.reason))
        return
    if found:
        text = t(
            language, "salud.referencia.refused", camera=camera.name, found=conditions_text(language, ",".join(found))
        )
        await message.reply_text(text)
        return
    picture = await services.cameras.run(thumbnail, frame.image)
    await message.reply_photo(picture, caption=t(language, "salud.referencia.set", period=period, camera=camera.name))


async def mantenimiento(update: Update, context: VigiaContext) -> None:
    """`/mantenimiento` lists; `<cámara|sitio> <duración> [motivo]` starts; `<cámara|sitio> fin` ends."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None and context.person is not None
    args = list(context.args or ())
    if not args:
        await message.reply_text(await _running(context))
        return
    if len(args) < 2:
        await message.reply_text(t(language, "salud.mantenimiento.usage"))
        return
    target = maintenance.parse_target(services, args[0])
    if target is None:
        await message.reply_text(t(language, "salud.mantenimiento.unknown", value=args[0], **services.unit.codes()))
        return
    if fold(args[1]) == "fin":
        ended = await maintenance.finish(services, target, context.person)
        key = "salud.mantenimiento.ended" if ended else "salud.mantenimiento.none_running"
        await message.reply_text(t(language, key, target=target.name))
        return
    worded = maintenance.parse_duration(" ".join(args[1:3])) if len(args) > 2 else None  # "2 horas"
    span, reason = (worded, args[3:]) if worded else (maintenance.parse_duration(args[1]), args[2:])
    if span is None:
        await message.reply_text(t(language, "salud.mantenimiento.bad_duration", value=args[1]))
        return
    window = await maintenance.start(services, target, span, " ".join(reason), context.person)
    until = local_time(window.ends_at, services.tz, services.now())
    await message.reply_text(t(language, "salud.mantenimiento.started", target=target.name, until=until))


async def _running(context: VigiaContext) -> str:
    services, language = context.services, context.language
    started, recurring = await maintenance.current(services)
    if not started and not recurring:
        return t(language, "salud.mantenimiento.none")
    lines = [t(language, "salud.mantenimiento.list_title")]
    for window in started:
        target = maintenance.parse_target(services, window.code)
        lines.append(
            t(
                language,
                "salud.mantenimiento.line",
                target=target.name if target else window.code,
                until=local_time(window.ends_at, services.tz, services.now()),
                reason=f": {window.reason}" if window.reason else "",
            )
        )
    for planned in recurring:
        target = maintenance.parse_target(services, planned.target)
        lines.append(
            t(
                language,
                "salud.mantenimiento.recurring",
                target=target.name if target else planned.target,
                minutes=planned.minutes,
                start=f"{planned.start:%H:%M}",
            )
        )
    return "\n".join(lines)


COMMANDS = (
    Command("estado", estado, roles=UNIT_STAFF),
    Command("referencia", referencia, roles=UNIT_STAFF),
    Command("mantenimiento", mantenimiento, roles=UNIT_STAFF),
)
