"""The registration form of an information request, as a person types it on a phone: one
`campo: valor` per line, in any order, accents and case forgiven. Every problem is reported at
once, with its line, so the form is fixed in one go.

    tipo: interna                 unidad: UGR (code or name)      canal: memorándum
    referencia: MEM-UGR-114       recibida: 03/12/2026            solicitante: Ana Pérez <ana@mh.gob.sv>
    sitio: hachadura              cámaras: hachadura-1, hachadura-2
    desde: 01/12/2026 08:00       hasta: 01/12/2026 10:00        placas: P123456
    antigua: no                   pide: the request in the requester's words
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.mail.compose import addresses
from bot.placas import normalize, parse_moment
from bot.solicitudes_rules import Channel, Kind
from bot.text import fold
from bot.unit_config import UnitConfig

KEYS = {
    "tipo": "kind",
    "unidad": "unit",
    "canal": "channel",
    "referencia": "reference",
    "recibida": "received",
    "solicitante": "requester",
    "sitio": "site",
    "camaras": "cameras",
    "desde": "start",
    "hasta": "end",
    "placas": "plates",
    "antigua": "older",
    "pide": "asked",
}
REQUIRED = ("kind", "unit", "channel", "requester", "asked")
KINDS = {"interna": Kind.INTERNA, "interno": Kind.INTERNA, "externa": Kind.EXTERNA, "externo": Kind.EXTERNA}
CHANNELS = {
    "memorandum": Channel.MEMORANDUM,
    "memo": Channel.MEMORANDUM,
    "correo": Channel.CORREO,
    "email": Channel.CORREO,
    "e-mail": Channel.CORREO,
    "direccion general": Channel.DIRECCION_GENERAL,
    "dg": Channel.DIRECCION_GENERAL,
    "asesoria legal": Channel.ASESORIA_LEGAL,
    "al": Channel.ASESORIA_LEGAL,
}
YES = {"si", "sí", "yes", "s"}
# Whatever has an "@" in it is meant as the address, with the brackets around it if any.
EMAIL = re.compile(r"[<(]?\s*([^\s<>(),;]*@[^\s<>(),;]*)\s*[>)]?")


@dataclass(frozen=True)
class Form:
    kind: Kind
    unit_code: str
    channel: Channel
    reference: str
    received_on: date
    requester: str
    requester_email: str | None
    asked: str
    site_code: str | None
    cameras: tuple[str, ...]
    window_start: datetime | None
    window_end: datetime | None
    plates: tuple[str, ...]
    older_than_five_years: bool


@dataclass(frozen=True)
class Problem:
    line: int  # 0: the form as a whole (a missing field)
    key: str  # catalogue key under solicitud.form.*
    value: str = ""


def _fields(text: str) -> tuple[dict[str, tuple[int, str]], list[Problem]]:
    fields: dict[str, tuple[int, str]] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        key = KEYS.get(fold(name))
        if not colon or key is None:
            if "asked" in fields:  # a long request may run over several lines
                first, before = fields["asked"]
                fields["asked"] = (first, f"{before}\n{line.strip()}")
                continue
            problems.append(Problem(number, "unknown_field", name.strip()[:40]))
            continue
        fields[key] = (number, value.strip())
    return fields, problems


def _moment(value: str, today: date, tz: ZoneInfo) -> datetime:
    """ "01/12/2026 08:00", "2026-12-01T08:00", "ayer 22:30": a local moment (ValueError if not)."""
    day, *rest = value.split()
    found = parse_moment(day, today)
    at = found.at or (parse_moment(rest[0], today).at if rest else None) or time()
    return datetime.combine(found.day, at, tz)


def _requester(value: str) -> tuple[str, str | None, list[tuple[str, str]]]:
    """The name and address of `solicitante`, and what is wrong with the address. The address is
    checked by the outbox's own rule: every step that e-mails the requester queues the mail with the
    step, so an address the outbox refuses would fail each of them, and the request could never
    move. The dot that ends a sentence is not part of it."""
    found = [match.group(1).rstrip(".") for match in EMAIL.finditer(value)]
    name = " ".join(EMAIL.sub(" ", value).split()).strip(" ,;")
    if not found:
        return name, None, []
    try:
        (email,) = addresses(found[0], "solicitante")
    except ValueError:  # MailError: refused; or read as no address, or as several
        return name, None, [("bad_email", found[0])]
    if len(found) > 1:  # one requester, one address: the others would be dropped unseen
        return name, email, [("two_emails", found[1])]
    return name, email, []


def parse_form(text: str, unit: UnitConfig, today: date, tz: ZoneInfo) -> Form | list[Problem]:
    fields, problems = _fields(text)
    problems += [Problem(0, "missing", key) for key in REQUIRED if not fields.get(key, (0, ""))[1]]
    value = {key: v for key, (_, v) in fields.items()}
    line = {key: n for key, (n, _) in fields.items()}

    def bad(key: str, problem: str) -> None:
        problems.append(Problem(line[key], problem, value[key][:60]))

    kind = KINDS.get(fold(value.get("kind", "")))
    if "kind" in value and value["kind"] and kind is None:
        bad("kind", "bad_kind")
    requesting = unit.solicitudes.unit(value.get("unit", "")) or next(
        (u for u in unit.solicitudes.units if fold(u.name) == fold(value.get("unit", "-"))), None
    )
    if value.get("unit") and requesting is None:
        bad("unit", "bad_unit")
    elif kind is not None and requesting is not None and requesting.kind != kind:  # decides channel and deadline
        problems.append(Problem(line["kind"], "kind_mismatch", requesting.kind))
    channel = CHANNELS.get(fold(value.get("channel", "")))
    if value.get("channel") and channel is None:
        bad("channel", "bad_channel")
    received = today
    if value.get("received"):
        try:
            received = parse_moment(value["received"].split()[0], today).day
        except ValueError:
            bad("received", "bad_date")
    requester, email, email_problems = _requester(value.get("requester", ""))
    if value.get("requester") and not requester:
        bad("requester", "bad_requester")
    problems += [Problem(line["requester"], key, address[:60]) for key, address in email_problems]
    named = unit.site(value.get("site", "-"))
    site = named.code if named else None
    if value.get("site") and site is None:
        bad("site", "unknown_site")
    cameras = []
    for word in (w.strip() for w in value.get("cameras", "").split(",") if w.strip()):
        camera = unit.camera(word)
        if camera is None:
            problems.append(Problem(line["cameras"], "unknown_camera", word[:40]))
        else:
            cameras.append(camera.code)
            site = site or camera.site
    window: dict[str, datetime | None] = {"start": None, "end": None}
    for key in window:
        if value.get(key):
            try:
                window[key] = _moment(value[key], today, tz)
            except ValueError:
                bad(key, "bad_date")
    if window["start"] and window["end"] and window["end"] <= window["start"]:
        bad("end", "window_order")
    if problems:
        return problems
    assert kind is not None and requesting is not None and channel is not None
    return Form(
        kind=kind,
        unit_code=requesting.code,
        channel=channel,
        reference=value.get("reference", "")[:80],
        received_on=received,
        requester=requester[:120],
        requester_email=email,
        asked=value["asked"],
        site_code=site,
        cameras=tuple(cameras),
        window_start=window["start"],
        window_end=window["end"],
        plates=tuple(normalize(p) for p in re.split(r"[,;]", value.get("plates", "")) if p.strip()),
        older_than_five_years=fold(value.get("older", "no")) in YES,
    )
