"""The rules of information requests (procedure II-1..3, lineamientos a-c) as pure functions.

Who may ask directly (lineamiento a), through which channel (lineamiento b), the life of a request
as a state machine (II-1: pertinence, II-2: search, II-3: verification and, for external requests,
the Director's signature), and the deadlines: the Ley de Acceso a la Información Pública, art. 71,
counts working days, so every date here is computed on the El Salvador holiday calendar of the
maintained `holidays` library plus the unit's own days off (`extra_days_off`: the public sector's
Semana Santa week, 24 and 31 December... which are not national holidays). Nothing here knows
Telegram, the database or the clock: `today` is always given.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

from bot.roles import Role


class Kind(StrEnum):
    INTERNA = "interna"
    EXTERNA = "externa"


class Channel(StrEnum):
    MEMORANDUM = "memorandum"
    CORREO = "correo"
    DIRECCION_GENERAL = "direccion_general"
    ASESORIA_LEGAL = "asesoria_legal"


class Decision(StrEnum):
    PROCEDE = "procede"
    REQUIERE_AUTORIZACION = "requiere_autorizacion"
    RECHAZADA = "rechazada"


class Reason(StrEnum):
    UNIDAD_DIRECTA = "unidad_directa"  # one of the units of lineamiento a
    DIRECCION_GENERAL = "direccion_general"  # the authority that authorises the others asks itself
    UNIDAD_NO_DIRECTA = "unidad_no_directa"  # any other internal unit: the Director/Subdirector authorises
    CANAL_INTERNO_NO_VALIDO = "canal_interno_no_valido"  # internal requests come by memo or e-mail
    CANAL_OFICIAL = "canal_oficial"  # external, in writing, through the Dirección General or Asesoría Legal
    EXTERNA_FUERA_DE_CANAL = "externa_fuera_de_canal"  # external, sent straight to the unit


@dataclass(frozen=True)
class RequestingUnit:
    code: str
    name: str
    kind: Kind


@dataclass(frozen=True)
class Authorisation:
    decision: Decision
    reason: Reason


DIRECCION_GENERAL_CODE = "DG"
DEFAULT_UNITS: tuple[RequestingUnit, ...] = (
    RequestingUnit("DOA", "División de Operaciones Aduaneras", Kind.INTERNA),
    RequestingUnit("UGR", "Unidad de Gestión de Riesgos", Kind.INTERNA),
    RequestingUnit("UCCD", "Unidad Contra el Contrabando y la Defraudación", Kind.INTERNA),
    RequestingUnit("USMH", "Unidad de Seguridad del Ministerio de Hacienda", Kind.INTERNA),
    RequestingUnit(DIRECCION_GENERAL_CODE, "Dirección General de Aduanas (Director / Subdirector)", Kind.INTERNA),
    RequestingUnit("ADUANA", "Administración de Aduana", Kind.INTERNA),
    RequestingUnit("AL", "Asesoría Legal", Kind.INTERNA),
    RequestingUnit("UJ", "Unidad Jurídica", Kind.INTERNA),
    RequestingUnit("AI", "Auditoría Interna", Kind.INTERNA),
    RequestingUnit("RRHH", "Recursos Humanos", Kind.INTERNA),
    RequestingUnit("PNC", "Policía Nacional Civil", Kind.EXTERNA),
    RequestingUnit("FGR", "Fiscalía General de la República", Kind.EXTERNA),
    RequestingUnit("OJ", "Órgano Judicial (juzgados y tribunales)", Kind.EXTERNA),
    RequestingUnit("LAIP", "Particular (Ley de Acceso a la Información Pública)", Kind.EXTERNA),
)
DEFAULT_DIRECT_UNITS = frozenset({"DOA", "UGR", "UCCD", "USMH"})
INTERNAL_CHANNELS = frozenset({Channel.MEMORANDUM, Channel.CORREO})
EXTERNAL_CHANNELS = frozenset({Channel.DIRECCION_GENERAL, Channel.ASESORIA_LEGAL})


def authorisation(kind: str, unit_code: str, channel: str, direct_units: Set[str]) -> Authorisation:
    """Whether a request may be worked on now, must wait for the Director/Subdirector, or is refused.

    The channel is checked first: a request that came the wrong way is refused whoever sent it,
    so the answer tells the requester how to ask again. An unknown `kind` is a programming error.
    """
    if Kind(kind) is Kind.EXTERNA:
        if channel in EXTERNAL_CHANNELS:
            return Authorisation(Decision.PROCEDE, Reason.CANAL_OFICIAL)
        return Authorisation(Decision.RECHAZADA, Reason.EXTERNA_FUERA_DE_CANAL)
    if channel not in INTERNAL_CHANNELS:
        return Authorisation(Decision.RECHAZADA, Reason.CANAL_INTERNO_NO_VALIDO)
    if unit_code in direct_units:
        return Authorisation(Decision.PROCEDE, Reason.UNIDAD_DIRECTA)
    if unit_code == DIRECCION_GENERAL_CODE:
        return Authorisation(Decision.PROCEDE, Reason.DIRECCION_GENERAL)
    return Authorisation(Decision.REQUIERE_AUTORIZACION, Reason.UNIDAD_NO_DIRECTA)


class State(StrEnum):
    REGISTRADA = "registrada"
    AUTORIZACION_PENDIENTE = "autorizacion_pendiente"
    PERTINENCIA = "pertinencia"
    AMPLIAR_DATOS = "ampliar_datos"
    BUSQUEDA = "busqueda"
    VERIFICACION = "verificacion"
    AUTORIZACION_FIRMA = "autorizacion_firma"
    RESPONDIDA = "respondida"
    NO_PERTINENTE = "no_pertinente"
    RECHAZADA = "rechazada"


class Action(StrEnum):
    ADMITIR = "admitir"  # the authorisation check said PROCEDE
    PEDIR_AUTORIZACION = "pedir_autorizacion"  # it said REQUIERE_AUTORIZACION
    AUTORIZAR = "autorizar"  # the Director/Subdirector authorises the unit's request
    RECHAZAR = "rechazar"
    PERTINENTE = "pertinente"  # II-1: becomes a consigna for the technicians
    AMPLIAR = "ampliar"  # II-1: the requester is asked for more data
    COMPLETAR = "completar"  # the requester's data arrived: pertinence is reviewed again
    NO_PERTINENTE = "no_pertinente"
    INFORMAR = "informar"  # II-2: the technician hands the result (found or not) to the chief
    DEVOLVER = "devolver"  # one step back: search again, or correct before signing
    RESPONDER = "responder"  # II-3 b: internal answer by memo or e-mail
    ENVIAR_A_FIRMA = "enviar_a_firma"  # II-3 a: external answer to the Director/Subdirector
    FIRMAR = "firmar"  # II-3 a: signed, and so answered


# Keyed by plain strings (the enums are str) so that stored or pressed values look up directly.
_COMMON: dict[str, dict[str, State]] = {
    State.PERTINENCIA: {
        Action.PERTINENTE: State.BUSQUEDA,
        Action.AMPLIAR: State.AMPLIAR_DATOS,
        Action.NO_PERTINENTE: State.NO_PERTINENTE,
    },
    State.AMPLIAR_DATOS: {Action.COMPLETAR: State.PERTINENCIA},
    State.BUSQUEDA: {Action.INFORMAR: State.VERIFICACION},
}
TRANSITIONS: dict[Kind, dict[str, dict[str, State]]] = {
    Kind.INTERNA: {
        **_COMMON,
        State.REGISTRADA: {
            Action.ADMITIR: State.PERTINENCIA,
            Action.PEDIR_AUTORIZACION: State.AUTORIZACION_PENDIENTE,
            Action.RECHAZAR: State.RECHAZADA,
        },
        State.AUTORIZACION_PENDIENTE: {Action.AUTORIZAR: State.PERTINENCIA, Action.RECHAZAR: State.RECHAZADA},
        State.VERIFICACION: {Action.RESPONDER: State.RESPONDIDA, Action.DEVOLVER: State.BUSQUEDA},
    },
    Kind.EXTERNA: {
        **_COMMON,
        State.REGISTRADA: {Action.ADMITIR: State.PERTINENCIA, Action.RECHAZAR: State.RECHAZADA},
        State.VERIFICACION: {Action.ENVIAR_A_FIRMA: State.AUTORIZACION_FIRMA, Action.DEVOLVER: State.BUSQUEDA},
        State.AUTORIZACION_FIRMA: {
            Action.FIRMAR: State.RESPONDIDA,
            Action.DEVOLVER: State.VERIFICACION,
            Action.RECHAZAR: State.RECHAZADA,
        },
    },
}
TERMINAL = frozenset({State.RESPONDIDA, State.NO_PERTINENTE, State.RECHAZADA})
# Who acts at each open state (II-1 and II-3: the chief or the coordinator; II-2: the technician;
# the Director/Subdirector authorises units and signs external answers).
ACTORS: dict[State, frozenset[Role]] = {
    State.REGISTRADA: frozenset({Role.JEFE, Role.COORDINADOR}),
    State.AUTORIZACION_PENDIENTE: frozenset({Role.DIRECCION}),
    State.PERTINENCIA: frozenset({Role.JEFE, Role.COORDINADOR}),
    State.AMPLIAR_DATOS: frozenset({Role.JEFE, Role.COORDINADOR}),
    State.BUSQUEDA: frozenset({Role.TECNICO, Role.COORDINADOR}),
    State.VERIFICACION: frozenset({Role.JEFE, Role.COORDINADOR}),
    State.AUTORIZACION_FIRMA: frozenset({Role.DIRECCION}),
}


def advance(state: str, kind: str, action: str) -> State | None:
    """The state after `action`, or None when the action does not apply there (a stale button, a
    step of the other kind of request, a finished request). An unknown `kind` is a programming error."""
    return TRANSITIONS[Kind(kind)].get(state, {}).get(action)


def actions(state: str, kind: str) -> tuple[Action, ...]:
    """The actions open at `state`, in the table's order: the buttons to offer."""
    return tuple(map(Action, TRANSITIONS[Kind(kind)].get(state, {})))


class Reminder(StrEnum):
    MITAD = "mitad"  # half the working days have gone
    VISPERA = "vispera"  # one working day before the deadline
    VENCIDA = "vencida"  # the day after the deadline


LAIP_DAYS = 10  # LAIP art. 71
LAIP_EXTENSION_DAYS = 10  # when the information is more than five years old
DEFAULT_INTERNAL_DAYS = 5
NO_DAYS_OFF: frozenset[date] = frozenset()


@lru_cache(maxsize=64)
def national_holidays(year: int) -> frozenset[date]:
    """The year's national holidays (Código de Trabajo art. 190 and later decrees), built once per year."""
    return frozenset(holidays.country_holidays("SV", years=year))


def is_working_day(day: date, extra_days_off: Set[date] = NO_DAYS_OFF) -> bool:
    return day.weekday() < 5 and day not in national_holidays(day.year) and day not in extra_days_off


def add_working_days(start: date, n: int, extra_days_off: Set[date] = NO_DAYS_OFF) -> date:
    """The n-th working day after `start`; `start` itself never counts (a request received on a
    Saturday has its first day on Monday). n = 0 gives `start`."""
    if n < 0:
        raise ValueError(f"n must not be negative: {n}")
    day = start
    while n:
        day += timedelta(days=1)
        n -= is_working_day(day, extra_days_off)
    return day


def working_days_between(a: date, b: date, extra_days_off: Set[date] = NO_DAYS_OFF) -> int:
    """Working days in (a, b], negative when b is before a: the inverse of `add_working_days`."""
    if b < a:
        return -working_days_between(b, a, extra_days_off)
    return sum(is_working_day(a + timedelta(days=i), extra_days_off) for i in range(1, (b - a).days + 1))


def deadline(
    received: date,
    kind: str,
    older_than_five_years: bool = False,
    internal_days: int = DEFAULT_INTERNAL_DAYS,
    extra_days_off: Set[date] = NO_DAYS_OFF,
) -> date:
    """The last day to answer: LAIP art. 71 for external requests (10 working days, 10 more when
    the information is over five years old), the unit's own term for internal ones."""
    if Kind(kind) is Kind.EXTERNA:
        days = LAIP_DAYS + (LAIP_EXTENSION_DAYS if older_than_five_years else 0)
    else:
        days = internal_days
    return add_working_days(received, days, extra_days_off)


def reminders(received: date, due: date, extra_days_off: Set[date] = NO_DAYS_OFF) -> list[tuple[date, Reminder]]:
    """When to remind, in date order: at half time, on the working day before the deadline, and
    the day after it. A reminder that would fall on the day of receipt or on the same day as a
    more urgent one is left out (a 1- or 2-day term gets no half-time reminder)."""
    total = working_days_between(received, due, extra_days_off)
    half = add_working_days(received, total // 2, extra_days_off)
    eve = add_working_days(received, max(total - 1, 0), extra_days_off)
    planned = {half: Reminder.MITAD}
    planned[eve] = Reminder.VISPERA  # the more urgent one wins a shared day
    planned[due + timedelta(days=1)] = Reminder.VENCIDA
    return sorted((day, kind) for day, kind in planned.items() if day > received)


def days_left(today: date, due: date, extra_days_off: Set[date] = NO_DAYS_OFF) -> int:
    """Working days still to come: 0 on the last day, negative once it has passed (-1 at least, even
    on the weekend right after a Friday deadline, so "overdue" never reads as "due today")."""
    if today <= due:
        return working_days_between(today, due, extra_days_off)
    return min(working_days_between(today, due, extra_days_off), -1)


def overwritten_on(window_start: date, retention_days: int) -> date:
    """The day the recorder overwrites the video of `window_start`: it keeps `retention_days` days.

    Calendar days: a recorder does not rest on holidays.
    """
    return window_start + timedelta(days=retention_days)


def retention_risk(today: date, window_start: date, retention_days: int, margin_days: int = 2) -> bool:
    """True when the video asked for is lost or will be within `margin_days`: export it first."""
    return today >= overwritten_on(window_start, retention_days) - timedelta(days=margin_days)
