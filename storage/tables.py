"""Imports every table module so SQLModel.metadata (and Alembic's autogenerate) sees them all."""

from storage import (
    anomalias,
    audit,
    consignas,
    evidence,
    fallas,
    health,
    informes,
    mail,
    notices,
    people,
    prompts,
    relevo,
    siram,
    sites,
    solicitudes,
    turnos,
)

__all__ = [
    "anomalias",
    "audit",
    "consignas",
    "evidence",
    "fallas",
    "health",
    "informes",
    "mail",
    "notices",
    "people",
    "prompts",
    "relevo",
    "siram",
    "sites",
    "solicitudes",
    "turnos",
]
