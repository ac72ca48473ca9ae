"""Forgiving name matching: `/foto amatillo 2` finds "El Amatillo 2 Bodega".

Case and accents never matter; every word typed must start a word of the camera's code, name, or
site (code or name); numbers must be whole ("2" never matches "12"). Exact words beat prefixes:
"carga" picks the cameras whose names say "carga", not also "cargador". An exact code always
wins. When nothing matches, the closest names by spelling are suggested instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Generic, Protocol, TypeVar

WORD = re.compile(r"[a-z]+|[0-9]+")
UNIT = r"s|seg|segundos?|sec|seconds?"
SECONDS = re.compile(rf"^([0-9]{{1,4}})({UNIT})?$", re.IGNORECASE)
SUGGESTION_CUTOFF = 0.6


class Named(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def words(self) -> str: ...  # everything this thing may be called by, in one string


T = TypeVar("T", bound=Named)


@dataclass(frozen=True)
class MatchResult(Generic[T]):
    matches: list[T]  # one: that one; several: let the person choose
    suggestions: list[T]  # only when nothing matched: the closest spellings


def normalize(text: str) -> str:
    """Lower case, accents removed: "Aérea" → "aerea", "Ñ" → "n"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return WORD.findall(normalize(text))


def _word_score(typed: str, candidates: set[str]) -> int:
    """2 for an exact word, 1 for the start of a word (letters only), 0 for no match."""
    if typed in candidates:
        return 2
    if typed.isalpha() and any(word.startswith(typed) for word in candidates):
        return 1
    return 0


def match(query: str, items: Sequence[T], limit: int = 3) -> MatchResult[T]:
    typed = words(query)
    if not typed:
        return MatchResult([], [])
    compact = "".join(typed)
    exact = [item for item in items if "".join(words(item.code)) == compact]
    if len(exact) == 1:
        return MatchResult(exact, [])
    scored: list[tuple[int, T]] = []
    for item in items:
        vocabulary = set(words(item.code)) | set(words(item.words))
        scores = [_word_score(word, vocabulary) for word in typed]
        if all(scores):
            scored.append((sum(scores), item))
    if scored:
        best = max(score for score, _ in scored)
        return MatchResult([item for score, item in scored if score == best], [])
    return MatchResult([], suggest(query, items, limit))


def suggest(query: str, items: Sequence[T], limit: int = 3) -> list[T]:
    """The closest names by spelling, for "¿Quiso decir…?"; typing errors, not meaning."""
    wanted = " ".join(words(query))
    ranked: list[tuple[float, str, T]] = []
    for item in items:
        vocabulary = words(item.code) + words(item.words)
        whole = SequenceMatcher(None, wanted, " ".join(words(item.words))).ratio()
        per_word = min(
            (max((SequenceMatcher(None, w, v).ratio() for v in vocabulary), default=0.0) for w in wanted.split()),
            default=0.0,
        )
        ranked.append((max(whole, per_word), item.code, item))
    ranked.sort(key=lambda entry: (-entry[0], entry[1]))
    return [item for score, _, item in ranked[:limit] if score >= SUGGESTION_CUTOFF]


def split_seconds(tokens: list[str], items: Sequence[T]) -> tuple[str, int | None]:
    """`/clip <cámara> [segundos]`: (camera query, seconds or None).

    Camera names hold numbers too. A trailing number is the length unless it is what names the
    camera: "amatillo 2" is camera 2, "amatillo 2 30" is 30 s of it, "hachadura 2 2" is 2 s of
    camera 2. A unit ("30s", "30 seg") always means seconds.
    """
    if len(tokens) >= 2 and tokens[-2].isdigit() and re.fullmatch(UNIT, tokens[-1], re.IGNORECASE):
        tokens = [*tokens[:-2], tokens[-2] + "s"]  # "15 seg" is "15s"
    found = SECONDS.match(tokens[-1]) if tokens else None
    if found is None:
        return " ".join(tokens), None
    whole, rest, number = " ".join(tokens), " ".join(tokens[:-1]), found.group(1)
    if found.group(2) or not rest:
        return rest, int(number)
    by_rest = match(rest, items).matches
    if len(by_rest) == 1:
        names_it = number in words(f"{by_rest[0].code} {by_rest[0].words}") and number not in words(rest)
        return (whole, None) if names_it else (rest, int(number))
    if len(match(whole, items).matches) == 1:
        return whole, None
    return rest, int(number)
