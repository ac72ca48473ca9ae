"""Imports every table module so SQLModel.metadata (and Alembic's autogenerate) sees them all."""

from storage import audit, people, sites

__all__ = ["audit", "people", "sites"]
