"""The fault triage of procedure III-1 as a pure state machine, and the elapsed-time split.

Order: (1) the customs post (power failure? visibility problem?), (2) the data-centre link
provider, (3) the maintenance vendor by e-mail. A finding at a step stops the triage there: the
fault then waits on that party until someone resolves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

ADUANA, ENLACE, PROVEEDOR, RESUELTA = "aduana", "enlace", "proveedor", "resuelta"
ANSWERS: dict[str, dict[str, tuple[str, str | None]]] = {  # stage -> answer -> (next stage, finding)
    ADUANA: {
        "fallo_electrico": (ADUANA, "fallo_electrico"),
        "visualizacion": (ADUANA, "visualizacion"),
        "todo_normal": (ENLACE, None),
    },
    ENLACE: {"falla_enlace": (ENLACE, "falla_enlace"), "enlace_correcto": (PROVEEDOR, None)},
}
CAUSES = ("energia", "enlace", "camara", "grabador", "siram", "visualizacion", "otro")
SUGGESTED_CAUSE = {"fallo_electrico": "energia", "visualizacion": "visualizacion", "falla_enlace": "enlace"}


@dataclass(frozen=True)
class Step:
    stage: str
    finding: str | None

    @property
    def email_vendor(self) -> bool:
        return self.stage == PROVEEDOR


def advance(stage: str, finding: str | None, answer: str) -> Step | None:
    """The next step, or None when `answer` is not a question of the current step (a stale button)."""
    if finding is not None or answer not in ANSWERS.get(stage, {}):
        return None
    return Step(*ANSWERS[stage][answer])


def split(stages: Iterable[tuple[datetime, str]], opened_at: datetime, end: datetime) -> dict[str, timedelta]:
    """How long the fault waited on each party: each period belongs to the stage it was in. A fault
    the monitor reopened also spent time RESUELTA in between, so the parts add up to the whole.

    `stages` are (when, stage entered) in order; the fault starts at the customs post.
    """
    marks = [(opened_at, ADUANA), *sorted(stages)]
    waited = {ADUANA: timedelta(), ENLACE: timedelta(), PROVEEDOR: timedelta(), RESUELTA: timedelta()}
    for (start, stage), (following, _) in zip(marks, [*marks[1:], (end, RESUELTA)], strict=True):
        if stage in waited and following > start:
            waited[stage] += min(following, end) - start
    return waited
