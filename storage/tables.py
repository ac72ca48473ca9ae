"""Imports every table module so SQLModel.metadata (and Alembic's autogenerate) sees them all."""

from storage import audit, consignas, evidence, people, prompts, relevo, sites, turnos

__all__ = ["audit", "consignas", "evidence", "people", "prompts", "relevo", "sites", "turnos"]
