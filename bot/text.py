"""Text normalisation shared by everything that matches what people type."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Case- and accent-insensitive form: technicians type on phones, often without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def case_number(text: str, letter: str, year: int) -> tuple[int, int] | None:
    """(year, sequence) from "A-2026-0042", "2026-42" or "42" (this year); None when it is not one."""
    match = re.match(rf"^(?:{letter}-?)?(?:(\d{{4}})-)?(\d{{1,6}})$", text.strip(), re.IGNORECASE)
    return (int(match.group(1) or year), int(match.group(2))) if match else None
