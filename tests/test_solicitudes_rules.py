"""The rules of information requests (procedure II, lineamientos a-c), as tables.

Dates are worked out by hand on the 2026-2027 calendar, so a change in the holiday data or in the
counting shows up as a failing row: Semana Santa 2026 is Thursday 2 and Friday 3 April, 15 de
septiembre 2026 a Tuesday, 25 December 2026 and 1 January 2027 Fridays.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.roles import Role
from bot.solicitudes_rules import (
    ACTORS,
    DEFAULT_DIRECT_UNITS,
    DEFAULT_UNITS,
    TERMINAL,
    TRANSITIONS,
    Action,
    Authorisation,
    Decision,
    Kind,
    Reason,
    Reminder,
    State,
    actions,
    add_working_days,
    advance,
    authorisation,
    days_left,
    deadline,
    is_working_day,
    national_holidays,
    overwritten_on,
    reminders,
    retention_risk,
    working_days_between,
)

INT, EXT = Kind.INTERNA, Kind.EXTERNA
S, A = State, Action
SEMANA_SANTA_PUBLIC = frozenset({date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1)})  # Mon-Wed
YEAR_END_HALF_DAYS = frozenset({date(2026, 12, 24), date(2026, 12, 31)})


@pytest.mark.parametrize(
    ("kind", "unit", "channel", "expected"),
    [
        (INT, "DOA", "memorandum", Authorisation(Decision.PROCEDE, Reason.UNIDAD_DIRECTA)),
        (INT, "UGR", "correo", Authorisation(Decision.PROCEDE, Reason.UNIDAD_DIRECTA)),
        (INT, "UCCD", "memorandum", Authorisation(Decision.PROCEDE, Reason.UNIDAD_DIRECTA)),
        (INT, "USMH", "correo", Authorisation(Decision.PROCEDE, Reason.UNIDAD_DIRECTA)),
        (INT, "AI", "memorandum", Authorisation(Decision.REQUIERE_AUTORIZACION, Reason.UNIDAD_NO_DIRECTA)),
        (INT, "RRHH", "correo", Authorisation(Decision.REQUIERE_AUTORIZACION, Reason.UNIDAD_NO_DIRECTA)),
        (INT, "NUEVA", "correo", Authorisation(Decision.REQUIERE_AUTORIZACION, Reason.UNIDAD_NO_DIRECTA)),
        (INT, "DG", "memorandum", Authorisation(Decision.PROCEDE, Reason.DIRECCION_GENERAL)),
        (INT, "DOA", "telefono", Authorisation(Decision.RECHAZADA, Reason.CANAL_INTERNO_NO_VALIDO)),
        (INT, "AI", "asesoria_legal", Authorisation(Decision.RECHAZADA, Reason.CANAL_INTERNO_NO_VALIDO)),
        (EXT, "PNC", "direccion_general", Authorisation(Decision.PROCEDE, Reason.CANAL_OFICIAL)),
        (EXT, "FGR", "asesoria_legal", Authorisation(Decision.PROCEDE, Reason.CANAL_OFICIAL)),
        (EXT, "PNC", "correo", Authorisation(Decision.RECHAZADA, Reason.EXTERNA_FUERA_DE_CANAL)),
        (EXT, "LAIP", "memorandum", Authorisation(Decision.RECHAZADA, Reason.EXTERNA_FUERA_DE_CANAL)),
        (EXT, "DOA", "correo", Authorisation(Decision.RECHAZADA, Reason.EXTERNA_FUERA_DE_CANAL)),  # kind decides
    ],
)
def test_it_authorises_by_unit_and_channel(kind: Kind, unit: str, channel: str, expected: Authorisation) -> None:
    assert authorisation(kind, unit, channel, DEFAULT_DIRECT_UNITS) == expected


def test_it_takes_the_direct_units_from_configuration() -> None:
    direct = {"AI"}
    assert authorisation("interna", "AI", "correo", direct).decision == Decision.PROCEDE
    assert authorisation("interna", "DOA", "correo", direct).decision == Decision.REQUIERE_AUTORIZACION


def test_it_refuses_an_unknown_kind_loudly() -> None:
    with pytest.raises(ValueError):
        authorisation("mixta", "DOA", "correo", DEFAULT_DIRECT_UNITS)


def test_it_defaults_to_the_four_units_of_lineamiento_a() -> None:
    names = {unit.code: unit.name for unit in DEFAULT_UNITS if unit.kind is Kind.INTERNA}
    assert {names[code] for code in DEFAULT_DIRECT_UNITS} == {
        "División de Operaciones Aduaneras",
        "Unidad de Gestión de Riesgos",
        "Unidad Contra el Contrabando y la Defraudación",
        "Unidad de Seguridad del Ministerio de Hacienda",
    }
    assert len({unit.code for unit in DEFAULT_UNITS}) == len(DEFAULT_UNITS)


@pytest.mark.parametrize(
    ("state", "kind", "action", "expected"),
    [
        (S.REGISTRADA, INT, A.ADMITIR, S.PERTINENCIA),
        (S.REGISTRADA, INT, A.PEDIR_AUTORIZACION, S.AUTORIZACION_PENDIENTE),
        (S.REGISTRADA, INT, A.RECHAZAR, S.RECHAZADA),
        (S.AUTORIZACION_PENDIENTE, INT, A.AUTORIZAR, S.PERTINENCIA),
        (S.AUTORIZACION_PENDIENTE, INT, A.RECHAZAR, S.RECHAZADA),
        (S.PERTINENCIA, INT, A.PERTINENTE, S.BUSQUEDA),
        (S.PERTINENCIA, INT, A.AMPLIAR, S.AMPLIAR_DATOS),
        (S.AMPLIAR_DATOS, INT, A.COMPLETAR, S.PERTINENCIA),
        (S.PERTINENCIA, INT, A.NO_PERTINENTE, S.NO_PERTINENTE),
        (S.BUSQUEDA, INT, A.INFORMAR, S.VERIFICACION),
        (S.VERIFICACION, INT, A.DEVOLVER, S.BUSQUEDA),
        (S.VERIFICACION, INT, A.RESPONDER, S.RESPONDIDA),
        (S.REGISTRADA, EXT, A.ADMITIR, S.PERTINENCIA),
        (S.REGISTRADA, EXT, A.RECHAZAR, S.RECHAZADA),
        (S.PERTINENCIA, EXT, A.AMPLIAR, S.AMPLIAR_DATOS),
        (S.BUSQUEDA, EXT, A.INFORMAR, S.VERIFICACION),
        (S.VERIFICACION, EXT, A.ENVIAR_A_FIRMA, S.AUTORIZACION_FIRMA),
        (S.AUTORIZACION_FIRMA, EXT, A.FIRMAR, S.RESPONDIDA),
        (S.AUTORIZACION_FIRMA, EXT, A.DEVOLVER, S.VERIFICACION),
        (S.AUTORIZACION_FIRMA, EXT, A.RECHAZAR, S.RECHAZADA),
        # The other kind's steps: external requests need no unit authorisation, internal ones no signature.
        (S.REGISTRADA, EXT, A.PEDIR_AUTORIZACION, None),
        (S.VERIFICACION, EXT, A.RESPONDER, None),
        (S.VERIFICACION, INT, A.ENVIAR_A_FIRMA, None),
        (S.AUTORIZACION_FIRMA, INT, A.FIRMAR, None),
        # Stale buttons: pressed twice, or after the request moved on or finished.
        (S.PERTINENCIA, INT, A.AUTORIZAR, None),
        (S.BUSQUEDA, INT, A.PERTINENTE, None),
        (S.AMPLIAR_DATOS, EXT, A.AMPLIAR, None),
        (S.RESPONDIDA, INT, A.RESPONDER, None),
        (S.RESPONDIDA, EXT, A.FIRMAR, None),
        (S.NO_PERTINENTE, INT, A.COMPLETAR, None),
        (S.RECHAZADA, INT, A.AUTORIZAR, None),
        ("borrada", INT, A.ADMITIR, None),  # a state an older version stored
        (S.PERTINENCIA, INT, "reabrir", None),
    ],
)
def test_it_moves_a_request_through_the_procedure(state: str, kind: Kind, action: str, expected: State | None) -> None:
    assert advance(state, kind, action) == expected


def test_it_accepts_plain_strings_as_stored_and_pressed() -> None:
    assert advance("verificacion", "externa", "enviar_a_firma") is State.AUTORIZACION_FIRMA


def test_it_offers_the_buttons_of_the_current_step() -> None:
    assert actions(S.VERIFICACION, INT) == (A.RESPONDER, A.DEVOLVER)
    assert actions(S.VERIFICACION, EXT) == (A.ENVIAR_A_FIRMA, A.DEVOLVER)
    assert actions(S.RESPONDIDA, EXT) == ()


@pytest.mark.parametrize("kind", list(Kind))
def test_it_reaches_an_end_from_every_step_and_someone_acts_at_each(kind: Kind) -> None:
    reached, frontier = {S.REGISTRADA}, [S.REGISTRADA]
    while frontier:
        for following in TRANSITIONS[kind].get(frontier.pop(), {}).values():
            if following not in reached:
                reached.add(following)
                frontier.append(following)
    assert reached >= TERMINAL
    for state in reached - TERMINAL:
        assert actions(state, kind), state
        assert ACTORS[state], state
    assert ACTORS[S.AUTORIZACION_FIRMA] == {Role.DIRECCION} and Role.TECNICO in ACTORS[S.BUSQUEDA]


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 1, 1),
        date(2026, 4, 2),  # Jueves Santo
        date(2026, 4, 3),  # Viernes Santo
        date(2026, 5, 1),
        date(2026, 5, 10),
        date(2026, 6, 17),
        date(2026, 8, 6),
        date(2026, 9, 15),
        date(2026, 11, 2),
        date(2026, 12, 25),
        date(2027, 3, 25),  # Jueves Santo 2027
    ],
)
def test_it_knows_the_national_holidays(holiday: date) -> None:
    assert holiday in national_holidays(holiday.year)


@pytest.mark.parametrize(
    "day", [date(2026, 3, 30), date(2026, 4, 1), date(2026, 8, 3), date(2026, 12, 24), date(2026, 12, 31)]
)
def test_it_leaves_public_sector_days_off_to_configuration(day: date) -> None:
    assert is_working_day(day)
    assert not is_working_day(day, SEMANA_SANTA_PUBLIC | YEAR_END_HALF_DAYS | {date(2026, 8, 3)})


@pytest.mark.parametrize(
    ("start", "n", "extra", "expected"),
    [
        (date(2026, 3, 30), 10, frozenset(), date(2026, 4, 15)),  # across Jueves and Viernes Santo
        (date(2026, 3, 30), 10, SEMANA_SANTA_PUBLIC, date(2026, 4, 17)),  # and the public-sector week
        (date(2026, 9, 11), 5, frozenset(), date(2026, 9, 21)),  # across 15 de septiembre
        (date(2026, 12, 21), 10, frozenset(), date(2027, 1, 6)),  # across 25 Dec and 1 Jan
        (date(2026, 12, 21), 10, YEAR_END_HALF_DAYS, date(2027, 1, 8)),
        (date(2026, 9, 12), 1, frozenset(), date(2026, 9, 14)),  # received on a Saturday
        (date(2026, 4, 2), 1, frozenset(), date(2026, 4, 6)),  # received on Jueves Santo
        (date(2026, 9, 14), 0, frozenset(), date(2026, 9, 14)),
    ],
)
def test_it_adds_working_days_after_the_day_received(
    start: date, n: int, extra: frozenset[date], expected: date
) -> None:
    assert add_working_days(start, n, extra) == expected
    assert working_days_between(start, expected, extra) == n
    assert working_days_between(expected, start, extra) == -n


def test_it_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 9, 14), -1)


@pytest.mark.parametrize(
    ("received", "kind", "older", "internal_days", "expected"),
    [
        (date(2026, 3, 30), EXT, False, 5, date(2026, 4, 15)),  # LAIP art. 71: 10 working days
        (date(2026, 12, 21), EXT, False, 5, date(2027, 1, 6)),
        (date(2026, 12, 21), EXT, True, 5, date(2027, 1, 20)),  # plus 10 for information over five years old
        (date(2026, 9, 11), INT, False, 5, date(2026, 9, 21)),
        (date(2026, 9, 11), INT, True, 5, date(2026, 9, 21)),  # the extension is the LAIP's, not the unit's
        (date(2026, 9, 11), INT, False, 3, date(2026, 9, 17)),
    ],
)
def test_it_sets_the_deadline_by_kind(
    received: date, kind: Kind, older: bool, internal_days: int, expected: date
) -> None:
    assert deadline(received, kind, older, internal_days) == expected


def test_it_counts_the_configured_days_off_in_the_deadline() -> None:
    assert deadline(date(2026, 12, 21), "externa", extra_days_off=YEAR_END_HALF_DAYS) == date(2027, 1, 8)


@pytest.mark.parametrize(
    ("received", "due", "expected"),
    [
        (
            date(2026, 3, 30),
            date(2026, 4, 15),
            [
                (date(2026, 4, 8), Reminder.MITAD),
                (date(2026, 4, 14), Reminder.VISPERA),
                (date(2026, 4, 16), Reminder.VENCIDA),
            ],
        ),
        (
            date(2026, 9, 11),
            date(2026, 9, 21),
            [
                (date(2026, 9, 16), Reminder.MITAD),  # 15 de septiembre skipped
                (date(2026, 9, 18), Reminder.VISPERA),  # the Friday before a Monday deadline
                (date(2026, 9, 22), Reminder.VENCIDA),
            ],
        ),
        (
            date(2026, 12, 7),
            date(2026, 12, 9),
            [(date(2026, 12, 8), Reminder.VISPERA), (date(2026, 12, 10), Reminder.VENCIDA)],  # half = eve
        ),
        (date(2026, 12, 7), date(2026, 12, 8), [(date(2026, 12, 9), Reminder.VENCIDA)]),  # nothing before
        (date(2026, 12, 24), date(2026, 12, 28), [(date(2026, 12, 29), Reminder.VENCIDA)]),
    ],
)
def test_it_plans_reminders(received: date, due: date, expected: list[tuple[date, Reminder]]) -> None:
    assert reminders(received, due) == expected


def test_it_plans_reminders_around_the_configured_days_off() -> None:
    assert reminders(date(2026, 12, 22), date(2026, 12, 30), YEAR_END_HALF_DAYS) == [
        (date(2026, 12, 28), Reminder.MITAD),
        (date(2026, 12, 29), Reminder.VISPERA),
        (date(2026, 12, 31), Reminder.VENCIDA),
    ]


@pytest.mark.parametrize(
    ("today", "due", "expected"),
    [
        (date(2026, 9, 14), date(2026, 9, 16), 1),  # 15 de septiembre is not a day to work on it
        (date(2026, 9, 14), date(2026, 9, 25), 8),
        (date(2026, 9, 24), date(2026, 9, 25), 1),
        (date(2026, 9, 25), date(2026, 9, 25), 0),  # due today
        (date(2026, 9, 26), date(2026, 9, 25), -1),  # the Saturday after: overdue, not "due today"
        (date(2026, 9, 28), date(2026, 9, 25), -1),
        (date(2026, 9, 29), date(2026, 9, 25), -2),
        (date(2026, 12, 23), date(2027, 1, 6), 8),  # 25 Dec and 1 Jan do not count
    ],
)
def test_it_tells_the_working_days_left(today: date, due: date, expected: int) -> None:
    assert days_left(today, due) == expected


def test_it_counts_the_configured_days_off_in_the_days_left() -> None:
    assert days_left(date(2026, 12, 23), date(2027, 1, 6), YEAR_END_HALF_DAYS) == 6


def test_it_knows_when_the_recorder_overwrites_a_day() -> None:
    assert overwritten_on(date(2026, 12, 1), 30) == date(2026, 12, 31)
    assert overwritten_on(date(2026, 12, 20), 15) == date(2027, 1, 4)  # calendar days, holidays or not


@pytest.mark.parametrize(
    ("today", "margin", "expected"),
    [
        (date(2026, 12, 28), 2, False),
        (date(2026, 12, 29), 2, True),  # two days before the overwrite
        (date(2026, 12, 31), 2, True),
        (date(2027, 1, 5), 2, True),  # already overwritten: still flagged
        (date(2026, 12, 30), 0, False),
        (date(2026, 12, 31), 0, True),
    ],
)
def test_it_warns_before_the_video_is_overwritten(today: date, margin: int, expected: bool) -> None:
    assert retention_risk(today, date(2026, 12, 1), 30, margin) is expected
