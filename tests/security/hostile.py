"""Text a person may type that must come back exactly as typed: never as the bot's own markup."""

from __future__ import annotations

from tests.fake_telegram import MESSAGE_NOT_MODIFIED, Call
from tests.harness import BotHarness

# Tags Telegram's HTML accepts, one left open, a link to a foreign site, and an entity already escaped
# (it must come back as "&amp;", not as "&"): every way user text could turn into the bot's markup.
HOSTILE = '<b>negrita</b> <a href="https://evil.example/x">clic</a> &amp; <i>sin cerrar <tg-spoiler>'
ECHO = "<b>zzq</b>"  # one word, for arguments the bot echoes back


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible(call: Call) -> tuple[str, list[dict]]:
    """What the person sees: the text (or caption) as Telegram parsed it, and its formatting entities."""
    result = call.result if isinstance(call.result, dict) else {}
    if "text" in result:
        return result["text"], result.get("entities", [])
    return result.get("caption", ""), result.get("caption_entities", [])


def shows_literally(call: Call, typed: str = HOSTILE) -> bool:
    """`typed` appears in the message character for character, and no formatting or link covers any of it."""
    text, entities = visible(call)
    start = text.find(typed)
    if start < 0:
        return False
    begin, end = utf16(text[:start]), utf16(text[:start]) + utf16(typed)
    return not [e for e in entities if e["offset"] < end and e["offset"] + e["length"] > begin]


def refused_calls(bot: BotHarness, after: int, before: int | None = None) -> list[str]:
    """Requests Telegram refused (a 400 for bad HTML, a text too long...), as readable lines. An edit
    that changes nothing is left out: boards are refreshed in place and expect that answer."""
    return [
        c.summary()
        for c in bot.fake.calls[after:before]
        if not c.ok and c.method != "getUpdates" and c.error != MESSAGE_NOT_MODIFIED
    ]
