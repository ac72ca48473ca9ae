"""Forgiving camera names: the table of what people type and what they get."""

from __future__ import annotations

import pytest

from bot.cameras.directory import CameraRef, SiteRef
from bot.cameras.matching import match, normalize, split_seconds, suggest

SITES = {
    1: ("hachadura", "Aduana Frontera La Hachadura"),
    2: ("amatillo", "Aduana Frontera El Amatillo"),
    3: ("aerea", "Aduana Aérea"),
    4: ("sancristobal", "Aduana Frontera San Cristóbal"),
}
CAMERAS = [
    CameraRef(10, "hachadura-1", "La Hachadura 1 Carril de entrada", 1, *SITES[1]),
    CameraRef(11, "hachadura-2", "La Hachadura 2 Patio de carga", 1, *SITES[1]),
    CameraRef(20, "amatillo-1", "El Amatillo 1 Puente", 2, *SITES[2]),
    CameraRef(21, "amatillo-2", "El Amatillo 2 Bodega", 2, *SITES[2]),
    CameraRef(22, "amatillo-12", "El Amatillo 12 Cargador", 2, *SITES[2]),
    CameraRef(30, "aerea-1", "Aduana Aérea 1 Zona de carga", 3, *SITES[3]),
    CameraRef(31, "aerea-2", "Aduana Aérea 2 Salida de courier", 3, *SITES[3]),
    CameraRef(40, "sancristobal-1", "San Cristóbal 1 Garita", 4, *SITES[4]),
]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("amatillo 2", ["amatillo-2"]),  # the issue's own example
        ("Amatillo-2", ["amatillo-2"]),  # the code, any case
        ("AMATILLO 12", ["amatillo-12"]),  # "2" never matches "12" and vice versa
        ("amatillo", ["amatillo-1", "amatillo-2", "amatillo-12"]),  # a site's name: all its cameras
        ("bodega", ["amatillo-2"]),  # one word of the name
        ("aérea 1", ["aerea-1"]),  # accents typed
        ("aerea 2", ["aerea-2"]),  # accents not typed
        ("Aduana Aerea", ["aerea-1", "aerea-2"]),
        ("carga", ["hachadura-2", "aerea-1"]),  # exact word beats "Cargador"
        ("carg", ["hachadura-2", "amatillo-12", "aerea-1"]),  # a partial word: every start
        ("hacha 1", ["hachadura-1"]),  # partial site name and a number
        ("san cristobal", ["sancristobal-1"]),
        ("cristóbal garita", ["sancristobal-1"]),
        ("garita", ["sancristobal-1"]),
        ("courier", ["aerea-2"]),
        ("puente 2", []),  # every word must match: the bridge is camera 1
        ("", []),
    ],
)
def test_it_matches_forgivingly(typed: str, expected: list[str]) -> None:
    assert [c.code for c in match(typed, CAMERAS).matches] == expected


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("amatilo 2", "amatillo-2"),  # a typo: suggested, not guessed
        ("hachadra", "hachadura-1"),
        ("bodga", "amatillo-2"),
        ("crsitobal", "sancristobal-1"),
    ],
)
def test_when_nothing_matches_it_suggests_the_closest(typed: str, suggested: str) -> None:
    result = match(typed, CAMERAS)
    assert result.matches == []
    assert suggested in [c.code for c in result.suggestions]


def test_it_suggests_nothing_for_nonsense() -> None:
    assert suggest("zzzz qqqq", CAMERAS) == []


@pytest.mark.parametrize(
    ("args", "query", "seconds"),
    [
        (["amatillo", "2"], "amatillo 2", None),  # camera 2, default length
        (["amatillo", "2", "30"], "amatillo 2", 30),
        (["bodega", "20"], "bodega", 20),
        (["aerea", "2"], "aerea 2", None),  # "aerea 2" names a camera
        (["aerea", "2s"], "aerea", 2),  # a unit always means seconds
        (["aerea", "1", "15", "seg"], "aerea 1", 15),
        (["amatillo", "2", "10", "segundos"], "amatillo 2", 10),
        (["hachadura", "2", "2"], "hachadura 2", 2),  # the second 2 cannot be naming anything
        (["puente", "1"], "puente 1", None),  # the bridge *is* camera 1
        (["45"], "", 45),
        ([], "", None),
        (["puente"], "puente", None),
    ],
)
def test_it_splits_clip_seconds_from_the_camera(args: list[str], query: str, seconds: int | None) -> None:
    assert split_seconds(args, CAMERAS) == (query, seconds)


def test_sites_match_by_code_and_name() -> None:
    sites = [SiteRef(i, code, name, ()) for i, (code, name) in SITES.items()]
    assert [s.code for s in match("aerea", sites).matches] == ["aerea"]
    assert [s.code for s in match("frontera", sites).matches] == ["hachadura", "amatillo", "sancristobal"]
    assert [s.code for s in match("El Amatillo", sites).matches] == ["amatillo"]


def test_normalize_drops_case_and_accents() -> None:
    assert normalize("Aduana AÉREA San Cristóbal Ñ") == "aduana aerea san cristobal n"
