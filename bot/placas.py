"""Plates, as SIRAM reads them and as people type them: pure rules, no Telegram, no database.

- `normalize`: the plate as written, without separators: "p 123-456" → "P123456".
- `fold`: the plate's search key. Plate readers confuse a few letters and digits that look alike;
  the key maps each such letter to its digit (O→0, I→1, B→8, S→5, Z→2), so "P12345B", "P123458"
  and "PI2345B" share the key "P123458". Letters go to digits, not the other way round, because
  plates are mostly digits: the key is then most often the plate itself.
- `parse_query`: the arguments of `/placa <matrícula> [desde] [hasta] [sitio]`.
- `iter_rows` / `parse_rows`: a SIRAM CSV export, row by row, each error naming its line.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple, TextIO

from bot.cameras.matching import match
from bot.unit_config import Siram
from storage.siram import LANE_MAX, PLATE_MAX, SITE_MAX

CONFUSIONS = {"O": "0", "I": "1", "B": "8", "S": "5", "Z": "2"}  # what a reader may read → its key
_FOLD = str.maketrans(CONFUSIONS)
_SEPARATORS = re.compile(r"[\W_]+")  # anything but letters and digits: spaces, dashes, dots
PLATE_MIN = 2
PLATE_TYPED_MAX = 10  # what a person may type as one plate; a longer "plate" is a typing error

# ---------------------------------------------------------------------------------------------
# Plates


def normalize(plate: str) -> str:
    """Upper case, without spaces, dashes or any other separator: "p 123-456" → "P123456"."""
    return _SEPARATORS.sub("", plate.upper())  # upper first: some letters upper-case into two characters


def fold(plate: str) -> str:
    """The search key: `normalize`, then each look-alike letter replaced by its digit (see CONFUSIONS)."""
    return normalize(plate).translate(_FOLD)


# ---------------------------------------------------------------------------------------------
# /placa <matrícula> [desde] [hasta] [sitio]


class QueryError(ValueError):
    """Arguments that cannot be searched; `problem` names a catalogue message (placa.error.<problem>)."""

    def __init__(self, problem: str, value: str = "") -> None:
        super().__init__(f"{problem}: {value}")
        self.problem = problem
        self.value = value


@dataclass(frozen=True)
class PlateQuery:
    plate: str  # normalized
    start: datetime | None  # UTC, inclusive
    end: datetime | None  # UTC, exclusive
    site: str | None  # a site code of the unit file


@dataclass(frozen=True)
class SiteName:
    """A site as `bot.cameras.matching` wants it: a code and every word it may be called by."""

    code: str
    words: str


class Moment(NamedTuple):
    day: date
    at: time | None  # None: the whole day


TODAY = {"hoy", "today"}
YESTERDAY = {"ayer", "yesterday"}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{4}))?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_PREFIX = re.compile(r"^[A-Za-z]{1,3}$")  # "P" of "P 123-456": a plate's class letters, typed apart
_NUMBER = re.compile(r"^[0-9][0-9-]*$")  # "123-456" of "P 123-456": the number after those letters
_LAST_GROUP = re.compile(r"^[0-9]{3}$")  # "456" of "P123 456": the number's last three digits, typed apart
_BEFORE_GROUP = re.compile(r"(?<![0-9])[0-9]{1,3}$")  # what it follows: "P123", "P12", as printed "P 123-456"


def _looks_like_date(token: str) -> bool:
    return token.casefold() in TODAY | YESTERDAY or token[:1].isdigit() or "/" in token or ":" in token


def parse_moment(token: str, today: date) -> Moment:
    """One date token; raises ValueError when it is not one of the accepted forms."""
    word = token.casefold()
    if word in TODAY:
        return Moment(today, None)
    if word in YESTERDAY:
        return Moment(today - timedelta(days=1), None)
    if found := _ISO.match(token):
        year, month, day, hour, minute, second = found.groups()
        at = time(int(hour), int(minute), int(second or 0)) if hour is not None else None
        return Moment(date(int(year), int(month), int(day)), at)
    if found := _DMY.match(token):
        day, month, year = found.groups()
        return Moment(date(int(year) if year else today.year, int(month), int(day)), None)
    if found := _TIME.match(token):
        return Moment(today, time(int(found.group(1)), int(found.group(2))))
    raise ValueError(token)


def _is_date(token: str, today: date) -> bool:
    try:
        parse_moment(token, today)
    except ValueError:
        return False
    return True


def _split_plate(args: list[str], today: date) -> tuple[list[str], list[str]]:
    """The words of the plate, and the words after it (dates, site).

    A plate is printed "P 123-456": class letters, then a number whose last three digits stand
    apart. People type it so, or with spaces ("P 123 456", "P123 456", "P 12 345"), so only those
    words join: the letters and the number after them, and three digits after one to three. Any
    other word is a date or the site: a lone number ("N 1234 2026") is refused as a date rather
    than searched as a longer plate that nobody typed.
    """
    taken = 1
    if _PREFIX.match(args[0]) and len(args) > 1 and _NUMBER.match(args[1]) and not _is_date(args[1], today):
        taken = 2
    if taken < len(args) and _LAST_GROUP.match(args[taken]) and _BEFORE_GROUP.search(normalize("".join(args[:taken]))):
        taken += 1
    return args[:taken], args[taken:]


def _dates(tokens: list[str], today: date) -> tuple[list[tuple[Moment, str]], list[str]]:
    """The date tokens in order (a time right after a day joins it), and the other tokens (the site)."""
    moments: list[tuple[Moment, str]] = []
    rest: list[str] = []
    after_day = False  # the previous token was a day without a time
    for token in tokens:
        if not _looks_like_date(token):
            rest.append(token)
            after_day = False
            continue
        try:
            moment = parse_moment(token, today)
        except ValueError:
            raise QueryError("bad_date", token) from None
        if after_day and _TIME.match(token):
            day, typed = moments[-1]
            moments[-1] = (Moment(day.day, moment.at), f"{typed} {token}")
            after_day = False
            continue
        moments.append((moment, token))
        after_day = moment.at is None
    return moments, rest


def _local(day: date, at: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _bounds(moments: list[tuple[Moment, str]], tz: tzinfo) -> tuple[datetime | None, datetime | None]:
    start = end = None
    if moments:
        first = moments[0][0]
        start = _local(first.day, first.at or time(0), tz)
    if len(moments) == 2:
        last = moments[1][0]
        if last.at is None:
            end = _local(last.day + timedelta(days=1), time(0), tz)
        else:
            end = _local(last.day, last.at, tz) + timedelta(minutes=1)
        if end <= start:  # type: ignore[operator]
            raise QueryError("bad_range", f"{moments[0][1]} – {moments[1][1]}")
    return start, end


def parse_query(args: Sequence[str], sites: Iterable[SiteName], now: datetime, tz: tzinfo) -> PlateQuery:
    """`/placa <matrícula> [desde] [hasta] [sitio]`, in the unit's time zone.

    The plate is one word, or the few words of a plate typed with spaces (see `_split_plate`).
    Dates: 2026-12-01, 01/12/2026, 01/12 (this year), 2026-12-01T08:00, "2026-12-01 08:00", hoy,
    ayer (today, yesterday), or a lone 08:00 (today). `desde` alone runs until now. A `hasta`
    without a time includes that whole day; with a time, that whole minute. The site is the code
    or words of the site's name, anywhere after the plate.
    """
    args = [arg for arg in args if arg.strip()]
    today = now.astimezone(tz).date()
    if not args or _is_date(args[0], today):
        raise QueryError("usage")
    words, tokens = _split_plate(args, today)
    plate = normalize("".join(words))
    if not PLATE_MIN <= len(plate) <= PLATE_TYPED_MAX:
        raise QueryError("bad_plate", " ".join(words))
    moments, rest = _dates(tokens, today)
    if len(moments) > 2:
        raise QueryError("too_many_dates", moments[2][1])
    try:  # the calendar's ends (31/12/9999 and the day after it) are bad dates too
        start, end = _bounds(moments, tz)
    except OverflowError:
        raise QueryError("bad_date", moments[-1][1]) from None
    site = None
    if rest:
        found = match(" ".join(rest), list(sites))
        if len(found.matches) != 1:
            raise QueryError("unknown_site", " ".join(rest))
        site = found.matches[0].code
    return PlateQuery(plate, start, end, site)


# ---------------------------------------------------------------------------------------------
# SIRAM CSV exports

REQUIRED = ("plate", "read_at", "site")
FIELDS = ("plate", "read_at", "site", "lane", "image")

PROBLEMS = {  # English, for the CLI, the log and the .error.txt beside a rejected file
    "empty_file": "the file is empty: no header line",
    "not_mapped": "siram.columns in the unit file names no column for {field!r}",
    "missing_column": "the header has no column {column!r} (siram.columns.{field} in the unit file); it has: {header}",
    "field_count": "{found} fields where the header has {expected}",
    "empty_plate": "empty plate in column {column!r}",
    "empty_site": "empty site in column {column!r}",
    "too_long": "{value!r} in column {column!r} is longer than {limit} characters",
    "bad_date": "{value!r} in column {column!r} is not a date and time like {example} ({format})",
    "csv": "not valid CSV: {detail}",
}


class SiramFileError(ValueError):
    """A file that cannot be imported, and where: `line` (the header is line 1) and `problem`."""

    def __init__(self, line: int, problem: str, **details: object) -> None:
        self.line = line
        self.problem = problem
        self.details = details
        super().__init__(f"line {line}: {PROBLEMS[problem].format(**details)}")


class Read(NamedTuple):
    plate: str
    plate_key: str
    read_at: datetime  # aware, UTC
    site_code: str
    lane: str | None
    image: str | None


_DIRECTIVES = {
    "%Y": r"(?P<Y>\d{4})",
    "%m": r"(?P<m>\d{2})",
    "%d": r"(?P<d>\d{2})",
    "%H": r"(?P<H>\d{2})",
    "%M": r"(?P<M>\d{2})",
    "%S": r"(?P<S>\d{2})",
}


def date_parser(datetime_format: str, tz: tzinfo) -> Callable[[str], datetime]:
    """A function reading one local date and time in `datetime_format` into an aware UTC datetime.

    strptime costs ~8 s per million rows; a format made only of %Y %m %d %H %M %S and separators
    is read by a regular expression instead (~1 s), falling back to strptime (single digits, other
    directives) so both accept the same text.
    """
    pieces = re.split(r"(%.)", datetime_format)
    directives = [piece for piece in pieces if piece.startswith("%")]
    fast = None
    simple = all(piece in _DIRECTIVES for piece in directives) and len(directives) == len(set(directives))
    if simple and {"%Y", "%m", "%d"} <= set(directives):
        fast = re.compile("".join(_DIRECTIVES.get(piece, re.escape(piece)) for piece in pieces) + "$")

    def parse(value: str) -> datetime:
        found = fast.match(value) if fast else None
        if found:
            parts = found.groupdict()
            local = datetime(
                int(parts["Y"]),
                int(parts["m"]),
                int(parts["d"]),
                int(parts.get("H") or 0),
                int(parts.get("M") or 0),
                int(parts.get("S") or 0),
            )
        else:
            local = datetime.strptime(value, datetime_format)
        try:
            return local.astimezone(UTC) if local.tzinfo else local.replace(tzinfo=tz).astimezone(UTC)
        except OverflowError:
            raise ValueError(f"{value} is out of range") from None

    return parse


def _example(datetime_format: str) -> str:
    return datetime(2026, 12, 1, 8, 30, 0).strftime(datetime_format)


def _columns(header: list[str], mapping: Siram) -> dict[str, int]:
    """Where each field is in the header (names compared without case or surrounding spaces)."""
    positions = {name.strip().casefold(): index for index, name in reversed(list(enumerate(header)))}
    found: dict[str, int] = {}
    for field in FIELDS:
        column = mapping.columns.get(field)  # type: ignore[call-overload]
        if column is None:
            if field in REQUIRED:
                raise SiramFileError(1, "not_mapped", field=field)
            continue
        if column.strip().casefold() not in positions:
            shown = ", ".join(name.strip() for name in header)
            raise SiramFileError(1, "missing_column", column=column, field=field, header=shown)
        found[field] = positions[column.strip().casefold()]
    return found


def _text(value: str, column: str, limit: int, line: int) -> str:
    if len(value) > limit:
        raise SiramFileError(line, "too_long", value=value, column=column, limit=limit)
    return value


def iter_rows(text_stream: TextIO, mapping: Siram, tz: tzinfo) -> Iterator[Read]:
    """Each read of a SIRAM export, in file order; blank lines are skipped.

    Raises SiramFileError at the first problem, naming the line (the header is line 1): a missing
    column, a row with the wrong number of fields, an empty plate or site, a date not in
    `mapping.datetime_format` (the unit's local time), a value too long to store.
    """
    reader = csv.reader(text_stream, delimiter=mapping.delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise SiramFileError(1, "empty_file")
        columns = _columns(header, mapping)
        names = {field: mapping.columns[field] for field in columns}  # type: ignore[index]
        plate_at, date_at, site_at = columns["plate"], columns["read_at"], columns["site"]
        lane_at, image_at = columns.get("lane"), columns.get("image")
        parse_date = date_parser(mapping.datetime_format, tz)
        expected = len(header)
        for row in reader:
            line = reader.line_num
            if not any(field.strip() for field in row):
                continue  # a blank line, often the last one
            if len(row) != expected:
                raise SiramFileError(line, "field_count", found=len(row), expected=expected)
            plate = normalize(row[plate_at])
            if not plate:
                raise SiramFileError(line, "empty_plate", column=names["plate"])
            _text(plate, names["plate"], PLATE_MAX, line)
            site = row[site_at].strip()
            if not site:
                raise SiramFileError(line, "empty_site", column=names["site"])
            _text(site, names["site"], SITE_MAX, line)
            value = row[date_at].strip()
            try:
                read_at = parse_date(value)
            except ValueError:
                raise SiramFileError(
                    line,
                    "bad_date",
                    value=value,
                    column=names["read_at"],
                    format=mapping.datetime_format,
                    example=_example(mapping.datetime_format),
                ) from None
            lane = (row[lane_at].strip() or None) if lane_at is not None else None
            if lane is not None:
                _text(lane, names["lane"], LANE_MAX, line)
            image = (row[image_at].strip() or None) if image_at is not None else None
            yield Read(plate, plate.translate(_FOLD), read_at, site, lane, image)
    except csv.Error as exc:
        raise SiramFileError(reader.line_num, "csv", detail=str(exc)) from None


def parse_rows(text_stream: TextIO, mapping: Siram, tz: tzinfo) -> list[Read]:
    """Every read of a SIRAM export, or SiramFileError naming the first bad line."""
    return list(iter_rows(text_stream, mapping, tz))
