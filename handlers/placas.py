"""/placa <matrícula> [desde] [hasta] [sitio]: the SIRAM reads of a plate, look-alike plates after."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import LinkPreviewOptions, Update
from telegram.constants import MessageLimit

from bot import siram
from bot.context import VigiaContext
from bot.i18n import Html, t
from bot.placas import PlateQuery, QueryError, SiteName, parse_query
from bot.roles import UNIT_STAFF
from bot.services import Services
from bot.unit_config import UnitConfig
from handlers.commands import Command
from storage.siram import PlateRead

TIME = "%d/%m/%Y %H:%M:%S"
PERIOD = "%d/%m/%Y %H:%M"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # a list of reads, not one picture


async def placa(update: Update, context: VigiaContext) -> None:
    """Exact reads first, then "posibles confusiones de lectura"; a usage message on bad input."""
    message, services, language = update.effective_message, context.services, context.language
    assert message is not None
    sites = [SiteName(site.code, site.name) for site in services.unit.sites]
    try:
        query = parse_query(list(context.args or ()), sites, services.now(), services.tz)
    except QueryError as exc:
        await message.reply_text(_usage(services, language, exc))
        return
    result = await siram.search(services, query.plate, query.start, query.end, query.site, by=context.person)
    text = render(result, query, services.unit, services.tz, language)
    await message.reply_text(text, link_preview_options=NO_PREVIEW)


def _usage(services: Services, language: str, error: QueryError) -> str:
    sites = ", ".join(site.code for site in services.unit.sites) or "-"
    usage = t(language, "placa.usage", sites=sites)
    if error.problem == "usage":
        return usage
    return t(language, f"placa.error.{error.problem}", value=error.value) + "\n\n" + usage


def _filters(query: PlateQuery, unit: UnitConfig, tz: ZoneInfo, language: str) -> Html:
    parts = []
    if query.start is not None:
        parts.append(t(language, "placa.from", time=f"{query.start.astimezone(tz):{PERIOD}}"))
    if query.end is not None:  # exclusive: shown as the last minute it includes
        parts.append(t(language, "placa.until", time=f"{(query.end - timedelta(minutes=1)).astimezone(tz):{PERIOD}}"))
    if query.site is not None:
        parts.append(t(language, "placa.at_site", site=unit.site_name(query.site)))
    return Html("".join(parts))


def _line(read: PlateRead, unit: UnitConfig, tz: ZoneInfo, language: str, *, confusion: bool) -> str:
    lane = t(language, "placa.lane", lane=read.lane) if read.lane else ""
    image = ""
    if read.image and read.image.startswith(("http://", "https://")):
        image = t(language, "placa.image_link", url=read.image)
    elif read.image:
        image = t(language, "placa.image_path", path=read.image)
    values = {"time": _local(read.read_at, tz), "site": unit.site_name(read.site_code)}
    key = "placa.confusion_line" if confusion else "placa.line"
    return t(language, key, plate=read.plate, lane=Html(lane), image=Html(image), **values)


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):{TIME}}"


def render(result: siram.SearchResult, query: PlateQuery, unit: UnitConfig, tz: ZoneInfo, language: str) -> str:
    """The answer, within Telegram's message length: lines that do not fit are counted as "y N más"."""
    filters = _filters(query, unit, tz, language)
    if not result.exact_total and not result.confusion_total:
        return t(language, "placa.none", plate=result.plate, filters=filters)
    sections: list[tuple[list[str], int]] = []  # (lines, reads not listed)
    if result.exact_total:
        lines = [t(language, "placa.exact_header", plate=result.plate, count=result.exact_total)]
        lines += [_line(read, unit, tz, language, confusion=False) for read in result.exact]
        sections.append((lines, result.exact_total - len(result.exact)))
    else:
        sections.append(([t(language, "placa.no_exact", plate=result.plate)], 0))
    if result.confusion_total:
        lines = [t(language, "placa.confusions_header", count=result.confusion_total)]
        lines += [_line(read, unit, tz, language, confusion=True) for read in result.confusions]
        sections.append((lines, result.confusion_total - len(result.confusions)))
    return _fit(t(language, "placa.title", plate=result.plate, filters=filters), sections, language)


def _fit(title: str, sections: list[tuple[list[str], int]], language: str) -> str:
    """Drop the last read lines of the longest section until the whole message fits."""
    limit = MessageLimit.MAX_TEXT_LENGTH - 100  # room for the "y N más" lines; markup counts too

    def text() -> str:
        blocks = [title]
        for lines, hidden in sections:
            more = [t(language, "placa.more", count=hidden)] if hidden else []
            blocks.append("\n".join(lines + more))
        return "\n\n".join(blocks)

    while len(text()) > limit:
        index = max(range(len(sections)), key=lambda i: len(sections[i][0]))
        lines, hidden = sections[index]
        if len(lines) <= 1:  # only headers left
            break
        sections[index] = (lines[:-1], hidden + 1)
    return text()


COMMANDS = (Command("placa", placa, roles=UNIT_STAFF),)
