"""Render catalogue messages in a person's language, escaping every value for Telegram HTML.

Values are user-supplied more often than not (names, descriptions), so escaping is the default
and trusted markup must say so by being wrapped in `Html`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Literal

from bot.catalog import MODULES

Language = Literal["es", "en"]
DEFAULT_LANGUAGE: Language = "es"
CATALOGS: dict[str, dict[str, str]] = {
    "es": {key: text for module in MODULES for key, text in module.ES.items()},
    "en": {key: text for module in MODULES for key, text in module.EN.items()},
}


MAX_VALUE = 1000


class Html(str):
    """Markup we built ourselves; inserted into messages as is."""


class Whole(str):
    """A value shown whole however long (escaped still): the message it goes into is sent in as many
    pieces as it takes (bot.text.pieces), as a case's timeline or a justification's post is."""


def t(language: str, key: str, /, **values: object) -> str:
    """Values are escaped, and cut at MAX_VALUE characters unless `Whole`: a message quotes what a
    person typed (a 10,000-character description, a name that matched nothing), and Telegram refuses
    a message over 4,096 characters; the full text stays in the database, the mail and the reports."""
    catalog = CATALOGS.get(language, CATALOGS[DEFAULT_LANGUAGE])
    template = catalog.get(key) or CATALOGS[DEFAULT_LANGUAGE][key]
    return template.format(**{k: v if isinstance(v, Html) else _escaped(v) for k, v in values.items()})


def phrase(key: str, /, **values: object) -> Callable[[str], str]:
    """The catalogue text `t` makes, in a language chosen later: each reader's own, where one message
    goes to several people."""
    return lambda language: t(language, key, **values)


def _escaped(value: object) -> str:
    text = str(value)
    if not isinstance(value, Whole) and len(text) > MAX_VALUE:
        text = text[: MAX_VALUE - 1].rstrip() + "…"
    return html.escape(text)


def plain(language: str, key: str, /, **values: object) -> str:
    """A catalogue text that is not Telegram HTML (burnt into a picture, stored as a description):
    nothing is escaped."""
    catalog = CATALOGS.get(language, CATALOGS[DEFAULT_LANGUAGE])
    return (catalog.get(key) or CATALOGS[DEFAULT_LANGUAGE][key]).format(**values)


def language_for(person_language: str | None, telegram_language: str | None = None) -> Language:
    """A linked person's configured language; for strangers, English if their Telegram is in English."""
    if person_language in CATALOGS:
        return person_language  # type: ignore[return-value]
    if telegram_language and telegram_language.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE
