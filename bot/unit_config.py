"""The unit file (VIGIA_CONFIG): the operations group, people, sites, cameras, mail, shifts.

Validated as a whole at start-up. Every problem is reported as `file:line: path: message`, so
the operator fixes them all in one go, and nothing starts half-configured.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError
from bot.roles import Role
from bot.solicitudes_rules import DEFAULT_DIRECT_UNITS, DEFAULT_INTERNAL_DAYS, DEFAULT_UNITS
from bot.text import fold
from bot.yaml_source import ENV_REFERENCE, Loc, YamlDocument, expand_env, raw_value

Language = Literal["es", "en"]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")


def _padded_hour(value: object) -> object:
    """ "6:00" as well as "06:00": the hour as people write it (bot/yaml_source.py keeps both text)."""
    return f"0{value.strip()}" if isinstance(value, str) and re.fullmatch(r"\d:\d\d", value.strip()) else value


ClockTime = Annotated[time, BeforeValidator(_padded_hour)]  # a local time of day in the unit file


class Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently drop a setting."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_email(value: str | None) -> str | None:
    if value is not None and not EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _check_phone(value: str | None) -> str | None:
    if value is not None and not PHONE.match(value):
        raise ValueError(f"{value!r} is not a phone number (digits, spaces, +, - and parentheses)")
    return value


class Topics(Strict):
    """Forum topic (message_thread_id) per workflow; a missing one posts to the general topic."""

    consignas: int | None = None
    camaras: int | None = None
    anomalias: int | None = None
    fallas: int | None = None
    salud: int | None = None
    solicitudes: int | None = None
    informes: int | None = None


class Group(Strict):
    chat_id: int = Field(lt=0, description="Group ids are negative; supergroups start with -100")
    topics: Topics = Topics()


class Person(Strict):
    id: Code
    name: str = Field(min_length=2, max_length=120)
    role: Role
    email: str | None = None
    phone: str | None = None
    language: Language = "es"
    telegram_id: int | None = Field(default=None, gt=0)

    _email = field_validator("email")(_check_email)
    _phone = field_validator("phone")(_check_phone)


class SiteKind(StrEnum):
    FRONTERA_TERRESTRE = "frontera_terrestre"
    AEREA = "aerea"
    MARITIMA = "maritima"
    OTRA = "otra"


class Site(Strict):
    code: Code
    name: str = Field(min_length=2, max_length=120)
    kind: SiteKind
    administrators: list[str] = []
    security: list[str] = []
    retention_days: int | None = Field(default=None, ge=1, le=3650)  # the recorder's (solicitudes.retention_days)


class Camera(Strict):
    code: Code
    name: str = Field(min_length=1, max_length=120)
    site: str
    rtsp_url: str | None = Field(default=None, pattern=r"^rtsps?://")
    snapshot_url: str | None = Field(default=None, pattern=r"^https?://")
    username: str | None = None
    password: str | None = None
    has_audio: bool = False
    enabled: bool = True
    probe_every_s: int | None = Field(default=None, ge=15, le=3600, description="health probe interval (salud.every_s)")


class Capture(Strict):
    """How the bot reaches cameras: one bounded pool of threads, and deadlines nobody waits past."""

    workers: int = Field(default=4, ge=2, le=32, description="threads for OpenCV, PyAV and image work")
    open_timeout_s: float = Field(default=3.0, gt=0, le=30)
    read_timeout_s: float = Field(default=3.0, gt=0, le=30)
    share_window_s: float = Field(default=1.0, ge=0, le=10, description="requests this close share one capture")
    jpeg_quality: int = Field(default=85, ge=50, le=100)
    clip_default_s: int = Field(default=10, ge=1, le=60)
    clip_max_s: int = Field(default=60, ge=1, le=600)
    upload_limit_mb: float = Field(default=50, gt=0, le=2000, description="Bot API upload limit (self-hosted: 2000)")


class Evidence(Strict):
    retention_days: int = Field(default=90, ge=1, description="evidence linked to an open case is always kept")


class Contact(Strict):
    name: str
    emails: list[str] = []
    phone: str | None = None

    _phone = field_validator("phone")(_check_phone)

    @field_validator("emails")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        return [_check_email(v) or v for v in values]


class Mail(Strict):
    maintenance_vendor: Contact | None = None
    link_provider: Contact | None = None
    contract_administrators: list[str] = []
    direccion_general: list[str] = []
    stuck_after_minutes: int = Field(default=60, ge=5, le=1440)  # mail still unsent by then: tell the coordinator

    @field_validator("contract_administrators", "direccion_general")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        return [_check_email(v) or v for v in values]


class Shift(Strict):
    name: str = Field(min_length=1, max_length=30)
    start: ClockTime
    end: ClockTime
    technicians: list[str] = []  # the usual roster; a coordinator can change one day's with /rol


class Category(Strict):
    code: Code
    name: str = Field(min_length=2, max_length=60)
    ack_minutes: int = Field(default=10, ge=1, le=1440)  # no "Recibido" by then: backup and coordinator


class RoutingRule(Strict):
    """Who hears about an anomaly: the first rule whose site kinds and categories match (empty: any)."""

    site_kinds: list[SiteKind] = []
    categories: list[str] = []
    notify: list[Literal["administrador", "seguridad"]] = Field(min_length=1)


DEFAULT_CATEGORIES = [
    Category(code="persona_sospechosa", name="Persona sospechosa"),
    Category(code="vehiculo_sospechoso", name="Vehículo sospechoso"),
    Category(code="posible_contrabando", name="Posible contrabando"),
    Category(code="riesgo_seguridad", name="Riesgo de seguridad", ack_minutes=5),
    Category(code="otro", name="Otro"),
]
DEFAULT_ROUTING = [  # procedure I-2: land borders and the air customs call their administrator
    RoutingRule(categories=["riesgo_seguridad"], notify=["administrador", "seguridad"]),
    RoutingRule(site_kinds=[SiteKind.FRONTERA_TERRESTRE, SiteKind.AEREA], notify=["administrador"]),
    RoutingRule(notify=["seguridad"]),
]


class Anomalias(Strict):
    categories: list[Category] = Field(default=DEFAULT_CATEGORIES, min_length=1)
    routing: list[RoutingRule] = Field(default=DEFAULT_ROUTING, min_length=1)
    justification_hours: float = Field(default=24, gt=0, le=720)  # then a reminder; twice that: the chief

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    @property
    def default_category(self) -> str:
        """A report that names none (the urgent one-line form): `otro`, or the list's last if a unit has no `otro`."""
        return "otro" if self.category("otro") else self.categories[-1].code


class Fallas(Strict):
    vendor_reply_hours: float = Field(default=4, gt=0, le=720)  # no vendor reply by then: remind


WEEKDAYS = ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo")


class RecurringMaintenance(Strict):
    """Planned work that repeats (e.g. the recorder's weekly restart): no fault opens meanwhile."""

    target: str  # a camera or site code
    weekdays: list[Literal[WEEKDAYS]] = list(WEEKDAYS)  # type: ignore[valid-type]
    start: ClockTime
    minutes: int = Field(ge=1, le=1440)


class Salud(Strict):
    """The camera health monitor: how often it probes, how sure it must be, what it keeps quiet about."""

    enabled: bool = True
    every_s: int = Field(default=60, ge=15, le=3600)
    bad_to_open: int = Field(default=3, ge=1, le=60)  # bad probes in a row before a fault opens
    good_to_close: int = Field(default=2, ge=1, le=60)  # good probes in a row before it closes
    site_share: float = Field(default=0.6, gt=0, le=1)  # this share of a site's cameras down at once: one site fault
    flap_hold_minutes: int = Field(default=30, ge=0, le=1440)  # failing again this soon reopens the same fault
    round_budget_s: float = Field(default=50, ge=5, le=3600)
    day_starts: ClockTime = time(6, 0)  # which reference (day or night look) a probe is judged against
    night_starts: ClockTime = time(18, 0)
    maintenance: list[RecurringMaintenance] = []


class Siram(Strict):
    """SIRAM plate reads: the export's column names, and a folder whose new files are imported."""

    columns: dict[Literal["plate", "read_at", "site", "lane", "image"], str] = {
        "plate": "placa",
        "read_at": "fecha_hora",
        "site": "sitio",
        "lane": "carril",
        "image": "imagen",
    }
    datetime_format: str = "%Y-%m-%d %H:%M:%S"  # local time of the unit
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    import_folder: Path | None = None


class Informes(Strict):
    """When the chief's reports and digests go out (local time); null switches one off."""

    report_at: ClockTime | None = time(7, 0)  # the day after a period ends: the 15-day report to the chief
    daily_digest_at: ClockTime | None = time(7, 30)  # yesterday in figures, to the chief and the coordinators
    weekly_availability_at: ClockTime | None = time(8, 0)  # Mondays: last week's availability chart to the chief


class RequestingUnit(Strict):
    code: Code
    name: str = Field(min_length=2, max_length=120)
    kind: Literal["interna", "externa"]


class Solicitudes(Strict):
    """Information requests (procedure II): who may ask, how long they wait, what the recorder keeps."""

    units: list[RequestingUnit] = Field(
        default=[RequestingUnit(code=u.code, name=u.name, kind=u.kind.value) for u in DEFAULT_UNITS], min_length=1
    )
    direct_units: list[str] = sorted(DEFAULT_DIRECT_UNITS)  # lineamiento a: no authorisation needed
    internal_days: int = Field(default=DEFAULT_INTERNAL_DAYS, ge=1, le=60)  # working days to answer
    days_off: list[date] = []  # the unit's days off besides the national holidays (Semana Santa week...)
    retention_days: int = Field(default=30, ge=1, le=3650)  # how long recorders keep video (per site: sites[])

    def unit(self, code: str) -> RequestingUnit | None:
        return next((u for u in self.units if u.code.casefold() == code.casefold()), None)


class Relevo(Strict):
    """When the handover is prompted, reminded and escalated, how early the incoming shift may check
    in to it and how late the outgoing one may still check out of it, in minutes."""

    # /turno this early is for the coming shift; this late after a shift ends it still checks out of it
    # (whoever stays on to hand over leaves a little after the end): bot/shifts.py checked_out_of
    check_in_before_start: int = Field(default=30, ge=0, le=240)
    prompt_before_end: int = Field(default=15, ge=0, le=240)
    remind_after: int = Field(default=15, ge=1, le=720)
    escalate_after: int = Field(default=30, ge=1, le=1440)


class UnitConfig(Strict):
    language: Language = "es"
    group: Group
    people: list[Person] = Field(min_length=1)
    sites: list[Site] = []
    cameras: list[Camera] = []
    mail: Mail = Mail()
    shifts: list[Shift] = Field(min_length=1)
    relevo: Relevo = Relevo()
    anomalias: Anomalias = Anomalias()
    fallas: Fallas = Fallas()
    capture: Capture = Capture()
    evidence: Evidence = Evidence()
    salud: Salud = Salud()
    informes: Informes = Informes()
    solicitudes: Solicitudes = Solicitudes()
    siram: Siram = Siram()

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def site_name(self, code: str) -> str:
        return next((s.name for s in self.sites if s.code == code), code)

    def site(self, typed: str) -> Site | None:
        """The site a person typed by its code, forgiving case and accents."""
        return next((s for s in self.sites if fold(s.code) == fold(typed)), None)

    def camera(self, typed: str) -> Camera | None:
        """The camera a person typed by its code, forgiving case and accents."""
        return next((c for c in self.cameras if fold(c.code) == fold(typed)), None)

    def codes(self) -> dict[str, str]:
        """The codes a person may type, for a message that says what exists: `sites` and `cameras`."""
        return {"sites": ", ".join(s.code for s in self.sites), "cameras": ", ".join(c.code for c in self.cameras)}

    def category_name(self, code: str) -> str:
        category = self.anomalias.category(code)
        return category.name if category else code


def load_unit_config(path: Path, env: Mapping[str, str] | None = None) -> UnitConfig:
    """Parse, expand `${ENV}` references, validate, cross-check; raise ConfigError listing all problems."""
    if not path.is_file():
        raise ConfigError([f"{path}: no such file (set VIGIA_CONFIG; examples/vigia.yaml is a starting point)"])
    try:
        document = YamlDocument(path)
    except Exception as exc:  # yaml.YAMLError carries its own line; anything else is unreadable
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError([f"{path}{line}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if not isinstance(document.data, dict):
        raise ConfigError([f"{path}:1: the file must be a mapping with group, people, sites, cameras..."])
    if env is None:
        env = {**{k: v for k, v in dotenv_values(".env").items() if v is not None}, **os.environ}
    try:
        data, problems = expand_env(document.data, env)
    except RecursionError:
        line = document.cycle_line()
        raise ConfigError([f"{path}:{line}: a YAML alias contains itself (&name … *name inside it)"]) from None
    problems += _literal_secrets(document.data)
    config = None
    try:
        config = UnitConfig.model_validate(data)
    except ValidationError as exc:
        problems += [(tuple(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()]
    if config is not None:
        problems += cross_check(config)
    if problems:
        raise ConfigError([f"{path}:{document.line_of(loc)}: {_dotted(loc)}: {msg}" for loc, msg in problems])
    assert config is not None
    return config


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def _literal_secrets(raw: dict) -> list[tuple[Loc, str]]:
    """Passwords belong in the environment; the unit file is shared and versioned."""
    problems: list[tuple[Loc, str]] = []
    cameras = raw.get("cameras")
    for index, camera in enumerate(cameras if isinstance(cameras, list) else []):  # a scalar: validation says so
        if not isinstance(camera, dict):
            continue
        password = camera.get("password")
        if isinstance(password, str) and not ENV_REFERENCE.fullmatch(password.strip()):
            problems.append((("cameras", index, "password"), "write it as ${ENV_VAR}, never the password itself"))
        for key in ("rtsp_url", "snapshot_url"):
            url = raw_value(raw, ("cameras", index, key))
            if isinstance(url, str) and _has_literal_password(url):
                problems.append((("cameras", index, key), "carries a password: use username/password fields"))
    return problems


def _has_literal_password(url: str) -> bool:
    try:
        password = urlsplit(url).password
    except ValueError:
        return False
    return bool(password) and not ENV_REFERENCE.fullmatch(password)


def cross_check(config: UnitConfig) -> list[tuple[Loc, str]]:
    """Rules between sections: unique keys, references that resolve, roles that fit, shifts that tile."""
    problems = _duplicates("people", "id", [p.id for p in config.people])
    problems += _duplicates("people", "telegram_id", [p.telegram_id for p in config.people])
    problems += _duplicates("sites", "code", [s.code for s in config.sites])
    problems += _duplicates("cameras", "code", [c.code for c in config.cameras])
    roles = {p.id: p.role for p in config.people}
    for index, site in enumerate(config.sites):
        problems += _people_refs(roles, ("sites", index, "administrators"), site.administrators, Role.ADMINISTRADOR)
        problems += _people_refs(roles, ("sites", index, "security"), site.security, Role.SEGURIDAD)
    for index, shift in enumerate(config.shifts):
        problems += _people_refs(roles, ("shifts", index, "technicians"), shift.technicians, Role.TECNICO)
    site_codes = {s.code for s in config.sites}
    for index, camera in enumerate(config.cameras):
        if camera.site not in site_codes:
            problems.append((("cameras", index, "site"), f"{camera.site!r} is not in sites"))
        if not (camera.rtsp_url or camera.snapshot_url):
            problems.append((("cameras", index), "needs rtsp_url or snapshot_url"))
    problems += _duplicates("shifts", "name", [s.name.casefold() for s in config.shifts])
    problems += _duplicates(("anomalias", "categories"), "code", [c.code for c in config.anomalias.categories])
    codes = {c.code for c in config.anomalias.categories}
    for index, rule in enumerate(config.anomalias.routing):
        for position, code in enumerate(rule.categories):
            if code not in codes:
                problems.append(
                    (("anomalias", "routing", index, "categories", position), f"{code!r} is not a category")
                )
    if config.relevo.escalate_after <= config.relevo.remind_after:
        problems.append((("relevo", "escalate_after"), "must be later than remind_after"))
    shortest = min(_length(s) for s in config.shifts)
    if config.relevo.check_in_before_start * 2 > shortest:  # past that, nobody could check in to a shift itself
        problems.append(
            (("relevo", "check_in_before_start"), f"must be at most half the shortest shift ({shortest} min)")
        )
    units = {u.code for u in config.solicitudes.units}
    for position, code in enumerate(config.solicitudes.direct_units):
        if code not in units:
            problems.append((("solicitudes", "direct_units", position), f"{code!r} is not in solicitudes.units"))
    targets = site_codes | {c.code for c in config.cameras}
    for index, window in enumerate(config.salud.maintenance):
        if window.target not in targets:
            problems.append((("salud", "maintenance", index, "target"), f"{window.target!r} is not a camera or site"))
    return problems + _shift_gaps(config.shifts)


def _people_refs(roles: dict[str, Role], loc: Loc, person_ids: list[str], role: Role) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for position, person_id in enumerate(person_ids):
        if person_id not in roles:
            problems.append(((*loc, position), f"{person_id!r} is not in people"))
        elif roles[person_id] != role:
            problems.append(((*loc, position), f"{person_id!r} has role {roles[person_id]}, expected {role}"))
    return problems


def _duplicates(section: str | Loc, field: str, values: list) -> list[tuple[Loc, str]]:
    prefix = (section,) if isinstance(section, str) else section
    seen: set = set()
    problems: list[tuple[Loc, str]] = []
    for index, value in enumerate(values):
        if value is not None and value in seen:
            problems.append(((*prefix, index, field), f"{value!r} appears twice"))
        seen.add(value)
    return problems


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _length(shift: Shift) -> int:
    """In minutes; a shift that ends when it starts lasts the whole day."""
    return (_minutes(shift.end) - _minutes(shift.start)) % 1440 or 1440


def _shift_gaps(shifts: list[Shift]) -> list[tuple[Loc, str]]:
    """Shifts must cover the day exactly once: each one starts where the previous ended."""
    minutes = [(_minutes(s.start), _minutes(s.end)) for s in shifts]
    total = sum(_length(s) for s in shifts)
    ordered = sorted(range(len(shifts)), key=lambda i: minutes[i][0])
    problems: list[tuple[Loc, str]] = []
    for position, index in enumerate(ordered):
        following = ordered[(position + 1) % len(ordered)]
        if minutes[index][1] != minutes[following][0]:
            problems.append(
                (
                    ("shifts", index, "end"),
                    f"ends at {shifts[index].end:%H:%M} but the next shift "
                    f"({shifts[following].name}) starts at {shifts[following].start:%H:%M}",
                )
            )
    if not problems and total != 1440:
        problems.append((("shifts",), "shifts must cover 24 hours exactly once"))
    return problems
