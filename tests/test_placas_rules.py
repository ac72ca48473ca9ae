"""Plates as readers read them and as people type them: the tables of bot.placas."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.placas import (
    CONFUSIONS,
    QueryError,
    SiramFileError,
    SiteName,
    date_parser,
    fold,
    normalize,
    parse_query,
    parse_rows,
)
from bot.unit_config import Siram

TZ = ZoneInfo("America/El_Salvador")  # UTC-6, no daylight saving
NOW = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # Friday 4 December, 10:00 in El Salvador
SITES = [
    SiteName("hachadura", "Aduana Frontera La Hachadura"),
    SiteName("amatillo", "Aduana Frontera El Amatillo"),
    SiteName("aerea", "Aduana Aérea"),
]
HEADER = "placa,fecha_hora,sitio,carril,imagen\n"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("P123456", "P123456"),
        ("p 123-456", "P123456"),
        (" P-123.456 ", "P123456"),
        ("c123abc", "C123ABC"),
        ("MB 12_345", "MB12345"),
        ("", ""),
        ("--", ""),
    ],
)
def test_it_normalizes_what_people_and_readers_write(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


@pytest.mark.parametrize(
    ("letter", "digit"), [("O", "0"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2")], ids=lambda v: v
)
def test_it_folds_each_confusion_pair_to_the_digit(letter: str, digit: str) -> None:
    assert fold(letter) == fold(letter.lower()) == fold(digit) == digit
    assert fold(f"P12{letter}456") == fold(f"P12{digit}456") == f"P12{digit}456"


def test_it_knows_exactly_the_five_confusion_pairs() -> None:
    assert CONFUSIONS == {"O": "0", "I": "1", "B": "8", "S": "5", "Z": "2"}


@pytest.mark.parametrize(
    ("plate", "key"),
    [
        ("P12345B", "P123458"),
        ("PI2345B", "P123458"),
        ("p 123-458", "P123458"),
        ("C123ABC", "C123A8C"),  # A and C are never confused: they stay
        ("OSIZB", "05128"),
        ("P987676", "P987676"),  # no look-alike: the key is the plate
    ],
)
def test_it_folds_whole_plates(plate: str, key: str) -> None:
    assert fold(plate) == key


@pytest.mark.parametrize(
    ("args", "plate", "start", "end", "site"),
    [
        (["P123456"], "P123456", None, None, None),
        (["p-123-456"], "P123456", None, None, None),
        (["P", "123-456"], "P123456", None, None, None),
        (["P", "123", "456"], "P123456", None, None, None),
        (["P123", "456"], "P123456", None, None, None),  # the number's last three digits apart, as printed
        (["p12", "345", "hoy"], "P12345", utc(2026, 12, 4, 6), None, None),
        (["P", "12", "345", "hachadura"], "P12345", None, None, "hachadura"),
        (["123", "456"], "123456", None, None, None),
        (["P123456", "2026-12-01"], "P123456", utc(2026, 12, 1, 6), None, None),
        (["P123456", "01/12/2026", "02/12/2026"], "P123456", utc(2026, 12, 1, 6), utc(2026, 12, 3, 6), None),
        (["P123456", "01/12", "2/12"], "P123456", utc(2026, 12, 1, 6), utc(2026, 12, 3, 6), None),
        (
            ["P123456", "2026-12-01T08:00", "2026-12-01T17:30"],
            "P123456",
            utc(2026, 12, 1, 14),
            utc(2026, 12, 1, 23, 31),
            None,
        ),
        (
            ["P123456", "2026-12-01", "08:00", "02/12/2026", "18:00"],
            "P123456",
            utc(2026, 12, 1, 14),
            utc(2026, 12, 3, 0, 1),
            None,
        ),
        (["P123456", "hoy"], "P123456", utc(2026, 12, 4, 6), None, None),
        (["P123456", "ayer", "ayer"], "P123456", utc(2026, 12, 3, 6), utc(2026, 12, 4, 6), None),
        (["P123456", "AYER", "hoy"], "P123456", utc(2026, 12, 3, 6), utc(2026, 12, 5, 6), None),
        (["P123456", "07:30"], "P123456", utc(2026, 12, 4, 13, 30), None, None),
        (["P123456", "hachadura"], "P123456", None, None, "hachadura"),
        (
            ["P123456", "ayer", "hoy", "La", "Hachadura"],
            "P123456",
            utc(2026, 12, 3, 6),
            utc(2026, 12, 5, 6),
            "hachadura",
        ),
        (["P123456", "amatillo", "hoy"], "P123456", utc(2026, 12, 4, 6), None, "amatillo"),
        (["P", "123456", "aérea"], "P123456", None, None, "aerea"),
        (["C123ABC", "Aerea"], "C123ABC", None, None, "aerea"),
    ],
)
def test_it_reads_the_arguments_of_placa(
    args: list[str], plate: str, start: datetime | None, end: datetime | None, site: str | None
) -> None:
    query = parse_query(args, SITES, NOW, TZ)
    assert (query.plate, query.start, query.end, query.site) == (plate, start, end, site)


@pytest.mark.parametrize(
    ("args", "problem", "value"),
    [
        ([], "usage", ""),
        (["  "], "usage", ""),
        (["hoy"], "usage", ""),
        (["2026-12-01"], "usage", ""),
        (["X"], "bad_plate", "X"),
        (["P1234567890123"], "bad_plate", "P1234567890123"),
        (["¿?"], "bad_plate", "¿?"),
        (["P", "12345678901"], "bad_plate", "P 12345678901"),
        (["N", "1234", "2026"], "bad_date", "2026"),  # not a date, nor more plate
        (["N", "1234", "2026", "hoy"], "bad_date", "2026"),
        (["P", "123", "4567"], "bad_date", "4567"),
        (["P", "123", "456", "789"], "bad_date", "789"),
        (["P1234", "567"], "bad_date", "567"),  # a three-digit group follows one to three digits only
        (["P123", "4567"], "bad_date", "4567"),
        (["P123456", "2026-13-01"], "bad_date", "2026-13-01"),
        (["P123456", "32/12/2026"], "bad_date", "32/12/2026"),
        (["P123456", "1/2/3/4"], "bad_date", "1/2/3/4"),
        (["P123456", "25:00"], "bad_date", "25:00"),
        (["P123456", "2026-12-01T08:61"], "bad_date", "2026-12-01T08:61"),
        (["P123456", "hoy", "ayer"], "bad_range", "hoy – ayer"),
        (["P123456", "ayer", "hoy", "hoy"], "too_many_dates", "hoy"),
        (["P123456", "xyz"], "unknown_site", "xyz"),
        (["P123456", "hoy", "xyz"], "unknown_site", "xyz"),
        (["P123456", "aduana"], "unknown_site", "aduana"),  # every site: not one
    ],
)
def test_it_refuses_what_it_cannot_search(args: list[str], problem: str, value: str) -> None:
    with pytest.raises(QueryError) as raised:
        parse_query(args, SITES, NOW, TZ)
    assert (raised.value.problem, raised.value.value) == (problem, value)


@pytest.mark.parametrize(
    ("datetime_format", "text", "expected"),
    [
        ("%Y-%m-%d %H:%M:%S", "2026-12-01 08:00:00", utc(2026, 12, 1, 14)),
        ("%Y-%m-%d %H:%M:%S", "2026-12-1 8:05:09", utc(2026, 12, 1, 14, 5, 9)),  # strptime's single digits
        ("%d/%m/%Y %H:%M", "01/12/2026 23:59", utc(2026, 12, 2, 5, 59)),
        ("%Y%m%d%H%M%S", "20261201080000", utc(2026, 12, 1, 14)),
        ("%d/%m/%y %I:%M %p", "01/12/26 08:00 PM", utc(2026, 12, 2, 2)),  # no fast path: strptime
        ("%Y-%m-%dT%H:%M:%S%z", "2026-12-01T08:00:00-0600", utc(2026, 12, 1, 14)),  # an offset wins
    ],
)
def test_it_reads_export_times_in_the_units_zone(datetime_format: str, text: str, expected: datetime) -> None:
    assert date_parser(datetime_format, TZ)(text) == expected


@pytest.mark.parametrize("text", ["2026-13-01 08:00:00", "2026-12-01", "01/12/2026 08:00:00", "", "ayer"])
def test_it_refuses_export_times_off_the_format(text: str) -> None:
    with pytest.raises(ValueError):
        date_parser("%Y-%m-%d %H:%M:%S", TZ)(text)


def test_it_parses_an_export() -> None:
    text = (
        "\ufeffPlaca , FECHA_HORA,sitio,carril,imagen\n"  # names matched without case or spaces
        "P 123-458,2026-12-01 08:00:00,hachadura,2,https://siram.test/1.jpg\n"
        "\n"
        "p12345b,2026-12-01 08:00:05,HACHADURA,,\n"
    )
    rows = parse_rows(io.StringIO(text.removeprefix("\ufeff")), Siram(), TZ)
    assert [(r.plate, r.plate_key, r.read_at, r.site_code, r.lane, r.image) for r in rows] == [
        ("P123458", "P123458", utc(2026, 12, 1, 14), "hachadura", "2", "https://siram.test/1.jpg"),
        ("P12345B", "P123458", utc(2026, 12, 1, 14, 0, 5), "HACHADURA", None, None),
    ]


def test_it_follows_the_units_column_names_and_delimiter() -> None:
    mapping = Siram(
        columns={"plate": "Matricula", "read_at": "Fecha", "site": "Punto"},
        datetime_format="%d/%m/%Y %H:%M",
        delimiter=";",
    )
    rows = parse_rows(io.StringIO("Punto;Fecha;Matricula;Extra\namatillo;01/12/2026 08:00;O12;x\n"), mapping, TZ)
    assert [(r.plate, r.plate_key, r.read_at, r.site_code, r.lane) for r in rows] == [
        ("O12", "012", utc(2026, 12, 1, 14), "amatillo", None)
    ]


@pytest.mark.parametrize(
    ("text", "line", "problem", "message"),
    [
        ("", 1, "empty_file", "line 1: the file is empty"),
        ("placa,fecha_hora,carril,imagen\n", 1, "missing_column", "no column 'sitio' (siram.columns.site"),
        (HEADER + "P1,2026-12-01 08:00:00,hachadura,1,\nP2,2026-12-01 08:00:00,hachadura\n", 3, "field_count", ""),
        (HEADER + "P1,2026-12-01 08:00:00,hachadura,1,\n - ,2026-12-01 08:00:00,hachadura,1,\n", 3, "empty_plate", ""),
        (HEADER + "P1,2026-12-01 08:00:00, ,1,\n", 2, "empty_site", "empty site in column 'sitio'"),
        (HEADER + "P1,2026-12-01 08:00:00,hachadura,1,\nP2,01/12/2026 08:00,hachadura,1,\n", 3, "bad_date", ""),
        (HEADER + "P1,,hachadura,1,\n", 2, "bad_date", "'' in column 'fecha_hora' is not a date and time like"),
        (HEADER + "P" + "1" * 20 + ",2026-12-01 08:00:00,hachadura,1,\n", 2, "too_long", "longer than 20"),
        (HEADER + 'P1,2026-12-01 08:00:00,"hacha"dura,1,\n', 2, "csv", "not valid CSV"),
    ],
)
def test_it_names_the_line_and_the_problem(text: str, line: int, problem: str, message: str) -> None:
    with pytest.raises(SiramFileError) as raised:
        parse_rows(io.StringIO(text), Siram(), TZ)
    assert (raised.value.line, raised.value.problem) == (line, problem)
    assert str(raised.value).startswith(f"line {line}: ") and message in str(raised.value)
