"""The 15-day reports (procedure I-4): each version of a period's report, its documents (kept as
evidence, so their hashes are on record), who approved which version and when.

One row per version. (period, version) is unique, so two schedulers can never both produce the
first version; only one version of a period can ever be approved, and approval is a claim.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UTCDateTime


class Report(SQLModel, table=True):
    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("period", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=12, index=True)  # 2026-12-Q1
    version: int
    generated_at: datetime = Field(sa_type=UTCDateTime)
    generated_by_id: int | None = Field(default=None, foreign_key="person.id")  # None: the schedule
    observations: str = "[]"  # the chief's, a JSON list (one may run to several lines), carried into later versions
    pdf_evidence_id: int = Field(foreign_key="evidence.id")
    xlsx_evidence_id: int = Field(foreign_key="evidence.id")
    pdf_sha256: str = Field(max_length=64)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # handed to the chief (claim)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by_id: int | None = Field(default=None, foreign_key="person.id")

    @property
    def number(self) -> str:
        return f"R-{self.period}"


async def versions_of(session: AsyncSession, period: str) -> list[Report]:
    statement = select(Report).where(Report.period == period).order_by(col(Report.version))
    return list((await session.exec(statement)).all())


async def approved_version(session: AsyncSession, period: str) -> Report | None:
    statement = select(Report).where(Report.period == period, col(Report.approved_at).is_not(None))
    return (await session.exec(statement)).first()
