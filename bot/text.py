"""Text rules shared by every workflow: matching what people type (accents, case numbers, enough
words) and fitting what the bot writes into Telegram's 4,096-character messages."""

from __future__ import annotations

import re
import unicodedata

from telegram.constants import MessageLimit

TELEGRAM_MAX = MessageLimit.MAX_TEXT_LENGTH  # 4,096, in UTF-16 code units
CAPTION_MAX = MessageLimit.CAPTION_LENGTH  # 1,024: a photo's or document's caption
LONGEST_ENTITY = "&quot;"  # of those html.escape writes (&amp; &lt; &gt; &quot; &#x27;)
YEARS = range(2000, 3000)  # of a date people type: beyond them nothing was recorded, and dates overflow


def fold(text: str) -> str:
    """Case- and accent-insensitive form: technicians type on phones, often without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def case_number(text: str, letter: str, year: int) -> tuple[int, int] | None:
    """(year, sequence) from "A-2026-0042", "2026-42" or "42" (this year); None when it is not one."""
    match = re.match(rf"^(?:{letter}-?)?(?:(\d{{4}})-)?(\d{{1,6}})$", text.strip(), re.IGNORECASE)
    return (int(match.group(1) or year), int(match.group(2))) if match else None


MIN_WORDS = 3  # a description, a closing note, a treatment: "ok" or "listo" says nothing


def enough_words(text: str) -> bool:
    return len(text.split()) >= MIN_WORDS


def telegram_length(text: str) -> int:
    """A text's length as Telegram counts it, in UTF-16 code units: an emoji is two."""
    return len(text.encode("utf-16-le")) // 2


def shortened(text: str, limit: int) -> str:
    """`text`, or its first words up to `limit` characters and "…": where the whole of it is elsewhere
    (a case's report shows the start of a justification that is posted in full)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    words = cut.rsplit(maxsplit=1)  # the last word may be cut in half: it goes
    return (words[0] if len(words) == 2 else cut).rstrip() + "…"


def pieces(text: str, limit: int = TELEGRAM_MAX) -> list[str]:
    """`text` as messages Telegram accepts, cut between lines (a case's timeline grows without bound);
    a line too long on its own is cut where it must be."""
    parts: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        for chunk in _chunks(line, limit):
            joined = chunk if current is None else f"{current}\n{chunk}"
            if current is not None and telegram_length(joined) > limit:
                parts.append(current)
                joined = chunk
            current = joined
    return [*parts, current or ""]


def _chunks(line: str, limit: int) -> list[str]:
    chunks = []
    while telegram_length(line) > limit:
        cut = limit
        while telegram_length(line[:cut]) > limit:  # characters outside the BMP count twice
            cut -= 1
        entity = line.rfind("&", max(cut - len(LONGEST_ENTITY) + 1, 0), cut)
        if entity > 0 and ";" not in line[entity:cut]:  # Telegram refuses a message ending in "&am"
            cut = entity
        chunks.append(line[:cut])
        line = line[cut:]
    return [*chunks, line]
