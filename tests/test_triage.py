"""The fault triage of procedure III-1 and the elapsed-time split, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.triage import ADUANA, ENLACE, PROVEEDOR, RESUELTA, Step, advance, split


@pytest.mark.parametrize(
    ("stage", "finding", "answer", "expected"),
    [
        (ADUANA, None, "fallo_electrico", Step(ADUANA, "fallo_electrico")),
        (ADUANA, None, "visualizacion", Step(ADUANA, "visualizacion")),
        (ADUANA, None, "todo_normal", Step(ENLACE, None)),
        (ENLACE, None, "falla_enlace", Step(ENLACE, "falla_enlace")),
        (ENLACE, None, "enlace_correcto", Step(PROVEEDOR, None)),
        (ADUANA, "fallo_electrico", "todo_normal", None),  # a finding stops the triage there
        (ENLACE, None, "todo_normal", None),  # a button of a step already passed
        (PROVEEDOR, None, "enlace_correcto", None),
        (RESUELTA, None, "todo_normal", None),
    ],
)
def test_the_triage_follows_the_procedures_order(
    stage: str, finding: str | None, answer: str, expected: Step | None
) -> None:
    assert advance(stage, finding, answer) == expected


def test_only_the_last_step_emails_the_vendor() -> None:
    assert [Step(s, None).email_vendor for s in (ADUANA, ENLACE, PROVEEDOR)] == [False, False, True]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_the_wait_is_split_by_party_across_midnight() -> None:
    stages = [(at(5, 5, 50), ENLACE), (at(5, 6, 10), PROVEEDOR)]
    waited = split(stages, opened_at=at(5, 5, 30), end=at(5, 7, 0))
    assert waited == {
        ADUANA: timedelta(minutes=20),
        ENLACE: timedelta(minutes=20),
        PROVEEDOR: timedelta(minutes=50),
        RESUELTA: timedelta(),
    }


def test_a_fault_reopened_counts_the_time_it_was_back_so_the_parts_add_up() -> None:
    """Opened 10:00, resolved 10:20, the monitor reopens it at 10:50 (at the customs post), resolved 11:00."""
    stages = [(at(5, 10, 20), RESUELTA), (at(5, 10, 50), ADUANA), (at(5, 11, 0), RESUELTA)]
    waited = split(stages, opened_at=at(5, 10), end=at(5, 11))
    assert waited[ADUANA] == timedelta(minutes=30) and waited[RESUELTA] == timedelta(minutes=30)
    assert sum(waited.values(), timedelta()) == timedelta(hours=1)


def test_an_open_fault_counts_until_the_end_given() -> None:
    waited = split([], opened_at=at(31, 23, 0), end=at(31, 23, 45))
    assert waited[ADUANA] == timedelta(minutes=45) and waited[ENLACE] == waited[PROVEEDOR] == timedelta()
