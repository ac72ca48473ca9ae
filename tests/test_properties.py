"""Property-based tests of every parser of what people type or files bring: plates, /placa's
arguments, report periods, durations, case numbers, the unit file, SIRAM exports, camera names and
working days. Each property runs ~150 generated inputs (derandomized: the same ones on every run,
so CI is stable), with no deadline, and without a .hypothesis database in the working tree.

Where a property found a real bug, a strict expected-failure test pins the smallest input.
"""

from __future__ import annotations

import csv
import html
import io
import re
import string
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bot.cameras.matching import match, split_seconds
from bot.errors import ConfigError
from bot.health.maintenance import LONGEST, parse_duration
from bot.placas import (
    CONFUSIONS,
    PLATE_TYPED_MAX,
    PlateQuery,
    QueryError,
    SiramFileError,
    SiteName,
    normalize,
    parse_query,
    parse_rows,
)
from bot.placas import fold as plate_key
from bot.reporte.model import Period
from bot.solicitudes_rules import add_working_days, is_working_day, working_days_between
from bot.text import YEARS, case_number, pieces, shortened, telegram_length
from bot.unit_config import Siram, load_unit_config
from tests.conftest import UNIT_YAML

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TZ = ZoneInfo("America/El_Salvador")
NOW = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # 10:00 in El Salvador
SITES = [
    SiteName("hachadura", "hachadura Aduana Frontera La Hachadura"),
    SiteName("amatillo", "amatillo Aduana Frontera El Amatillo"),
    SiteName("aerea", "aerea Aduana Aérea"),
]

# ------------------------------------------------------------------------------------------- plates

LOOK_ALIKES = {letter: {letter, letter.lower(), digit} for letter, digit in CONFUSIONS.items()}
# What a person or a reader may write in a plate: letters (accented too), digits, separators.
PLATE_ALPHABET = string.ascii_letters + string.digits + " -._/·ÁÉÍÓÚÑáéíóúñ"
plates = st.text(alphabet=PLATE_ALPHABET, max_size=16)


@PROPERTY
@given(plates)
def test_it_normalizes_and_folds_plates_idempotently(typed: str) -> None:
    assert normalize(normalize(typed)) == normalize(typed)
    assert plate_key(plate_key(typed)) == plate_key(typed)
    assert plate_key(normalize(typed)) == plate_key(typed)
    assert plate_key(typed.lower()) == plate_key(typed.upper()) == plate_key(typed)
    assert not set(plate_key(typed)) & set(CONFUSIONS)  # no look-alike letter survives in a key


@PROPERTY
@given(st.text(alphabet="OIBSZ0123456789P", min_size=1, max_size=10), st.randoms(use_true_random=False))
def test_it_gives_every_reader_confusion_of_a_plate_one_key(plate: str, random: object) -> None:
    """Any mix of O/0, I/1, B/8, S/5, Z/2 (and their lower case) reads as the same plate."""
    misread = "".join(random.choice(sorted(LOOK_ALIKES.get(c, {c}))) for c in plate)  # type: ignore[attr-defined]
    assert plate_key(misread) == plate_key(plate)


@PROPERTY
@given(st.text(max_size=12))
@example("ǰ")  # upper-cases into J + a combining caron: once not stable under a second normalize
@example("ΐ")
@example("P12ǰ")
def test_it_normalizes_any_unicode_plate_idempotently(typed: str) -> None:
    assert normalize(normalize(typed)) == normalize(typed)
    assert plate_key(plate_key(typed)) == plate_key(typed)


# ------------------------------------------------------------------------------ /placa arguments

tokens = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["hoy", "ayer", "HOY", "today", "08:00", "25:61", "31/02", "01/12/2026", "2026-12-01T08:00"]),
    st.sampled_from(["hachadura", "La", "Hachadura", "aerea", "P", "123-456", "p", "123", "456", "#", "/"]),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(lambda d: f"{d:%d/%m/%Y}"),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
        lambda d: f"{d:%Y-%m-%dT%H:%M}"
    ),
    st.integers(min_value=0, max_value=99).map(lambda n: f"{n:02d}:{n % 60:02d}"),
)


@PROPERTY
@given(st.lists(tokens, max_size=6))
def test_it_parses_placa_arguments_or_raises_only_its_own_error(args: list[str]) -> None:
    try:
        query = parse_query(args, SITES, NOW, TZ)
    except QueryError as error:
        assert error.problem in ("usage", "bad_plate", "bad_date", "too_many_dates", "bad_range", "unknown_site")
        return
    assert isinstance(query, PlateQuery) and 2 <= len(query.plate) <= PLATE_TYPED_MAX
    assert query.plate == normalize(query.plate)
    if query.start is not None and query.end is not None:
        assert query.start < query.end
    assert query.site is None or query.site in {site.code for site in SITES}


@PROPERTY
@given(
    st.text(alphabet=string.ascii_uppercase + string.digits, min_size=2, max_size=PLATE_TYPED_MAX),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 30)),
    st.integers(min_value=0, max_value=400),
)
def test_it_reads_a_period_of_whole_days_in_local_time(plate: str, first: date, days: int) -> None:
    assume(not plate[0].isdigit() and plate.casefold() not in ("hoy", "ayer", "today", "yesterday"))
    last = first + timedelta(days=days)
    query = parse_query([plate, f"{first:%d/%m/%Y}", f"{last:%Y-%m-%d}"], SITES, NOW, TZ)
    assert query.plate == plate
    assert query.start == datetime.combine(first, time(), TZ).astimezone(UTC)
    assert query.end == datetime.combine(last + timedelta(days=1), time(), TZ).astimezone(UTC)


@pytest.mark.parametrize("args", [["P123456", "01/01/2026", "31/12/9999"], ["P123456", "9999-12-31T23:59"]])
def test_it_refuses_dates_at_the_end_of_the_calendar_with_its_own_error(args: list[str]) -> None:
    with pytest.raises(QueryError):
        parse_query(args, SITES, NOW, TZ)


# ------------------------------------------------------------------------------- report periods

periods = st.builds(
    Period,
    st.integers(min_value=YEARS.start, max_value=YEARS.stop - 1),
    st.integers(min_value=1, max_value=12),
    st.sampled_from([1, 2]),
)


@PROPERTY
@given(periods)
def test_it_round_trips_a_period_through_its_code(period: Period) -> None:
    assert Period.parse(period.code) == period
    assert Period.parse(f"  {period.code.lower()} ") == period
    assert period.start <= period.end and Period.containing(period.end) == period
    assert period.code == f"{YEARS.start}-01-Q1" or period.previous() < period


@pytest.mark.parametrize("code", ["0999-01-Q1", "9999-12-Q2", "3000-01-Q1"])
def test_a_period_of_a_year_nothing_was_recorded_in_is_refused(code: str) -> None:
    """9999-12-Q2 once crashed /reporte: the day after its end is past the calendar."""
    with pytest.raises(ValueError, match="fuera de rango"):
        Period.parse(code)


@PROPERTY
@given(st.one_of(st.text(max_size=20), st.from_regex(r"\A\d{1,5}-\d{1,3}-[qQ]\d{1,2}\Z")))
def test_it_parses_a_period_or_says_what_is_wrong_with_a_value_error(text: str) -> None:
    try:
        period = Period.parse(text)
    except ValueError as error:
        assert "no válido" in str(error)
        return
    assert Period.parse(period.code) == period and re.fullmatch(r"\d{4}-\d{2}-Q[12]", period.code)


# ------------------------------------------------------------------------------------- durations


@PROPERTY
@given(st.text(max_size=12))
def test_it_reads_a_duration_or_none_and_never_more_than_a_week(text: str) -> None:
    span = parse_duration(text)
    assert span is None or timedelta(0) < span <= LONGEST


@PROPERTY
@given(
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=999),
    st.integers(min_value=0, max_value=9999),
    st.sampled_from(["m", "min", ""]),
    st.booleans(),
)
def test_it_reads_days_hours_and_minutes_in_any_combination(
    days: int, hours: int, minutes: int, unit: str, up: bool
) -> None:
    text = f"{days}d{hours}h{minutes}{unit}"
    text = text.upper() if up else text
    expected = timedelta(days=days, hours=hours, minutes=minutes)
    assert parse_duration(text) == (expected if timedelta(0) < expected <= LONGEST else None)
    assert parse_duration(f" {days}d {hours}h ") == parse_duration(f"{days}d{hours}h")


# ---------------------------------------------------------------------------------- case numbers


@PROPERTY
@given(st.text(max_size=20), st.sampled_from("AFS"), st.integers(min_value=2000, max_value=2100))
def test_it_reads_a_case_number_or_none(text: str, letter: str, year: int) -> None:
    found = case_number(text, letter, year)
    assert found is None or (isinstance(found[0], int) and isinstance(found[1], int) and found[1] >= 0)


@PROPERTY
@given(
    st.sampled_from("AFS"),
    st.integers(min_value=1000, max_value=9999),
    st.integers(min_value=0, max_value=999_999),
    st.integers(min_value=2000, max_value=2100),
)
def test_it_round_trips_every_way_of_writing_a_case_number(letter: str, year: int, sequence: int, now: int) -> None:
    assert case_number(f"{letter}-{year}-{sequence:04d}", letter, now) == (year, sequence)
    assert case_number(f"{letter.lower()}{year}-{sequence}", letter, now) == (year, sequence)
    assert case_number(f" {year}-{sequence} ", letter, now) == (year, sequence)
    assert case_number(str(sequence), letter, now) == (now, sequence)


# ------------------------------------------------------------------------------------- unit file

SECTIONS = ["language", "group", "people", "sites", "cameras", "mail", "shifts", "relevo", "anomalias", "salud"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8), st.just("${CAM}")
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["id", "code", "name", "x"]), inner, max_size=3)
    ),
    max_leaves=8,
)
LOCATED = re.compile(r"^(?P<path>.+\.yaml):(?P<line>\d+): ")


def _located(error: ConfigError, path: Path, text: str) -> None:
    """Every problem names the file and a line that exists in it."""
    lines = text.count("\n") + 1
    for problem in error.problems:
        found = LOCATED.match(problem)
        assert found, problem
        assert found["path"] == str(path) and 1 <= int(found["line"]) <= lines, problem


@contextmanager
def _written(text: str) -> Iterator[Path]:
    """The text as a unit file, removed afterwards (hypothesis calls a test once per example)."""
    with tempfile.TemporaryDirectory(prefix="vigia-prop-") as folder:
        path = Path(folder) / "vigia.yaml"
        path.write_text(text, encoding="utf-8")
        yield path


@PROPERTY
@given(st.dictionaries(st.one_of(st.sampled_from(SECTIONS), st.text(max_size=6)), values, max_size=6))
def test_it_loads_a_unit_file_or_names_file_and_line_of_each_problem(mapping: dict) -> None:
    text = yaml.safe_dump(mapping, allow_unicode=True)
    with _written(text) as path:
        try:
            load_unit_config(path, env={"CAM": "secret"})
        except ConfigError as error:
            _located(error, path, text)


@PROPERTY
@given(st.sampled_from(sorted(yaml.safe_load(UNIT_YAML))), values)
def test_it_names_file_and_line_when_one_section_of_a_good_file_goes_wrong(section: str, value: object) -> None:
    unit = yaml.safe_load(UNIT_YAML)
    unit[section] = value
    text = yaml.safe_dump(unit, allow_unicode=True, sort_keys=False)
    with _written(text) as path:
        try:
            load_unit_config(path, env={"CAM_PASSWORD": "secret"})
        except ConfigError as error:
            _located(error, path, text)


@pytest.mark.parametrize("text", ["cameras: 5\n", "cameras: true\n"])
def test_it_reports_a_scalar_cameras_section_as_a_config_error(text: str) -> None:
    with _written(text) as path, pytest.raises(ConfigError) as raised:
        load_unit_config(path, env={})
    _located(raised.value, path, text)


def test_it_reports_a_self_referencing_alias_as_a_config_error() -> None:
    with _written("x: &a [*a]\n") as path, pytest.raises(ConfigError):
        load_unit_config(path, env={})


def test_it_names_the_line_of_a_self_referencing_alias() -> None:
    text = "language: es\nx: &a [*a]\n"
    with _written(text) as path, pytest.raises(ConfigError) as raised:
        load_unit_config(path, env={})
    _located(raised.value, path, text)


# ---------------------------------------------------------------------------------- SIRAM exports

MAPPING = Siram()  # the defaults: placa, fecha_hora, sitio, carril, imagen; "%Y-%m-%d %H:%M:%S"; ","
HEADER = ["placa", "fecha_hora", "sitio", "carril", "imagen"]
cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "P123456", "hachadura", '"', ",", "\n", "\r\n"]),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)).map(
        lambda d: f"{d:%Y-%m-%d %H:%M:%S}"
    ),
)
rows = st.lists(st.lists(cells, min_size=3, max_size=6), max_size=6)


@dataclass(frozen=True)
class Export:
    text: str
    lines: int


def _export(table: list[list[str]], raw: bool) -> Export:
    """A CSV export: written by the csv module (quoted as SIRAM would), or joined by hand (anything goes)."""
    if raw:
        text = "\n".join([",".join(HEADER), *(",".join(row) for row in table)]) + "\n"
    else:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *table])
        text = buffer.getvalue()
    return Export(text, len(text.splitlines()) + 1)


@PROPERTY
@given(rows, st.booleans())
def test_it_imports_an_export_or_names_the_line_of_its_first_problem(table: list[list[str]], raw: bool) -> None:
    export = _export(table, raw)
    try:
        reads = parse_rows(io.StringIO(export.text, newline=""), MAPPING, TZ)
    except SiramFileError as error:
        assert 1 <= error.line <= export.lines, (error.line, export.lines)
        assert str(error).startswith(f"line {error.line}: ")
        return
    for read in reads:
        assert read.plate and read.plate == normalize(read.plate) and read.plate_key == plate_key(read.plate)
        assert read.site_code.strip() and read.read_at.tzinfo is UTC


@PROPERTY
@given(
    st.lists(
        st.tuples(plates, st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 1, 1))), max_size=5
    )
)
def test_it_reads_back_the_local_time_of_every_well_formed_row(written: list[tuple[str, datetime]]) -> None:
    table = [[plate, f"{moment:%Y-%m-%d %H:%M:%S}", "hachadura", "", ""] for plate, moment in written]
    assume(all(normalize(plate) for plate, _ in written))
    reads = parse_rows(io.StringIO(_export(table, raw=False).text, newline=""), MAPPING, TZ)
    assert [r.read_at for r in reads] == [m.replace(microsecond=0, tzinfo=TZ).astimezone(UTC) for _, m in written]


def test_it_names_the_line_of_a_date_at_the_end_of_the_calendar() -> None:
    text = "placa,fecha_hora,sitio,carril,imagen\nP123456,9999-12-31 23:00:00,hachadura,,\n"
    with pytest.raises(SiramFileError) as raised:
        parse_rows(io.StringIO(text, newline=""), MAPPING, TZ)
    assert raised.value.line == 2


# --------------------------------------------------------------------------------- camera names


@dataclass(frozen=True)
class Thing:
    code: str
    words: str


CAMERAS = [
    Thing("hachadura-1", "La Hachadura 1 Carril de entrada hachadura Aduana Frontera La Hachadura"),
    Thing("hachadura-2", "La Hachadura 2 Patio de carga hachadura"),
    Thing("amatillo-12", "El Amatillo 12 Bodega amatillo"),
    Thing("aerea-1", "Aduana Aérea 1 Zona de carga aerea"),
]


@PROPERTY
@given(st.text(max_size=30))
@example("hachadura 1")
@example("")
def test_it_matches_names_only_among_the_cameras_it_has(query: str) -> None:
    result = match(query, CAMERAS)
    assert set(result.matches) <= set(CAMERAS) and set(result.suggestions) <= set(CAMERAS)
    assert not (result.matches and result.suggestions)


@PROPERTY
@given(st.sampled_from(CAMERAS), st.booleans())
def test_it_finds_a_camera_by_its_exact_code_in_any_case(camera: Thing, upper: bool) -> None:
    assert match(camera.code.upper() if upper else camera.code, CAMERAS).matches == [camera]


@PROPERTY
@given(st.lists(st.text(max_size=8), max_size=5))
def test_it_splits_clip_arguments_without_failing(tokens: list[str]) -> None:
    query, seconds = split_seconds(tokens, CAMERAS)
    assert isinstance(query, str) and (seconds is None or 0 <= seconds <= 9999)


# ---------------------------------------------------------------------------------- working days

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@PROPERTY
@given(days, st.integers(min_value=0, max_value=60), st.sets(days, max_size=10))
def test_it_counts_back_the_working_days_it_added(start: date, n: int, off: set[date]) -> None:
    due = add_working_days(start, n, frozenset(off))
    assert working_days_between(start, due, frozenset(off)) == n
    assert working_days_between(due, start, frozenset(off)) == -n
    assert due == start if n == 0 else (due > start and is_working_day(due, frozenset(off)))


@PROPERTY
@given(days, st.integers(min_value=0, max_value=120), st.sets(days, max_size=10))
def test_it_lands_on_every_working_day_by_counting_to_it(start: date, ahead: int, off: set[date]) -> None:
    day = start + timedelta(days=ahead)
    count = working_days_between(start, day, frozenset(off))
    landed = add_working_days(start, count, frozenset(off))
    assert landed <= day and working_days_between(landed, day, frozenset(off)) == 0
    if ahead and is_working_day(day, frozenset(off)):
        assert landed == day


def test_it_refuses_a_negative_number_of_working_days() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 12, 4), -1)


# ------------------------------------------------------------------------------------ long messages


@PROPERTY
@given(st.lists(st.text(alphabet="ab 🚨\n", max_size=60), max_size=30), st.integers(min_value=8, max_value=80))
def test_a_long_text_goes_as_messages_telegram_takes_cut_only_between_lines(lines: list[str], limit: int) -> None:
    text = "\n".join(lines)
    parts = pieces(text, limit)
    assert all(telegram_length(part) <= limit for part in parts), "an emoji counts two"
    assert "".join(parts).replace("\n", "") == text.replace("\n", ""), "nothing lost"
    if all(telegram_length(line) <= limit for line in text.split("\n")):
        assert "\n".join(parts) == text, "whole lines: the cuts are where the lines break"


@PROPERTY
@given(st.text(alphabet="a&<>\"' ", max_size=200), st.integers(min_value=8, max_value=40))
def test_a_long_line_is_never_cut_inside_an_escaped_character(line: str, limit: int) -> None:
    """Telegram reads "&amp;" as one character: a message ending in "&am" is refused."""
    parts = pieces(html.escape(line), limit)
    assert "".join(parts) == html.escape(line) and not [part for part in parts if re.search(r"&[^;]*$", part)]


@PROPERTY
@given(st.text(alphabet="abc ", max_size=80), st.integers(min_value=1, max_value=40))
def test_a_shortened_text_is_its_start_and_says_so(text: str, limit: int) -> None:
    short = shortened(text, limit)
    assert short == text if len(text) <= limit else (short.endswith("…") and text.startswith(short[:-1]))
    assert len(short) <= limit + 1
