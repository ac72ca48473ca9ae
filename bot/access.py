"""Who may talk to the bot: identifying people, one-time invitation codes, refusals.

A person exists because the unit file lists them; their Telegram account is bound once with a
code the coordinator hands over (`vigia invite`), as alerting tools do. Codes are random, short
lived, single use, and stored only as hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, update

from bot import audit
from bot.roles import Role
from storage.audit import was_refused
from storage.db import Database
from storage.people import (
    LinkCode,
    Person,
    all_people,
    link_code_by_hash,
    linked_with_role,
    person_by_key,
    person_by_telegram_id,
)

INVITE_VALIDITY = timedelta(hours=24)
REFUSED_PRIVATE = "access.refused_private"


class LinkOutcome(StrEnum):
    LINKED = "linked"
    UNKNOWN_CODE = "unknown_code"
    USED_CODE = "used_code"
    EXPIRED_CODE = "expired_code"
    ACCOUNT_TAKEN = "account_taken"


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def identify(db: Database, telegram_id: int) -> Person | None:
    async with db.read() as session:
        return await person_by_telegram_id(session, telegram_id)


async def create_invite(
    db: Database,
    person_key: str,
    *,
    now: datetime,
    valid_for: timedelta = INVITE_VALIDITY,
    invited_by: Person | None = None,
) -> tuple[str, Person]:
    """A fresh code for `person_key`; any earlier unused code of theirs stops working. PermissionError
    when `invited_by` may not move that person's linked account to another one (may_relink)."""
    code = secrets.token_urlsafe(12)
    async with db.write() as session:
        person = await person_by_key(session, person_key)
        if person is None or not person.active:
            raise LookupError(person_key)
        if not may_relink(invited_by, person):
            raise PermissionError(person.name)
        await session.exec(
            update(LinkCode)
            .where(
                col(LinkCode.person_id) == person.id, col(LinkCode.used_at).is_(None), col(LinkCode.expires_at) > now
            )
            .values(expires_at=now)
        )
        session.add(LinkCode(person_id=person.id, code_hash=_hash(code), created_at=now, expires_at=now + valid_for))
        await audit.record(
            session,
            "link.invited",
            now=now,
            actor=invited_by,
            object_type="person",
            object_id=person.key,
            detail={"valid_until": (now + valid_for).isoformat()},
        )
    return code, person


def may_relink(inviter: Person | None, person: Person) -> bool:
    """An invitation for someone already linked moves their access to whichever account opens it (a
    new phone). A coordinator may do that for technicians and the other roles they look after, but
    not for a coordinator, the chief or the Director: whoever opened that link would act with their
    role. The chief may for anyone; so may the server's administrator (`vigia invite`, no inviter)."""
    if person.telegram_id is None or inviter is None or inviter.role == Role.JEFE:
        return True
    return person.role not in (Role.COORDINADOR, Role.JEFE, Role.DIRECCION)


async def unlinked_people(db: Database) -> list[Person]:
    async with db.read() as session:
        return [p for p in await all_people(session) if p.active and p.telegram_id is None]


async def linked(db: Database, role: str) -> list[Person]:
    """The people with `role` who opened the bot: whom a private notice can reach."""
    async with db.read() as session:
        return await linked_with_role(session, role)


async def redeem_invite(
    db: Database, code: str, telegram_id: int, *, now: datetime
) -> tuple[LinkOutcome, Person | None]:
    async with db.write() as session:
        link = await link_code_by_hash(session, _hash(code))
        person = await session.get(Person, link.person_id) if link else None
        holder = await person_by_telegram_id(session, telegram_id)
        if link is None or person is None or not person.active:
            outcome = LinkOutcome.UNKNOWN_CODE
        elif link.used_at is not None:
            outcome = LinkOutcome.USED_CODE
        elif link.expires_at <= now:
            outcome = LinkOutcome.EXPIRED_CODE
        elif holder is not None and holder.id != person.id:
            outcome = LinkOutcome.ACCOUNT_TAKEN
        else:
            outcome = LinkOutcome.LINKED
        if outcome is not LinkOutcome.LINKED:
            await audit.record(
                session,
                "link.refused",
                now=now,
                actor_telegram_id=telegram_id,
                object_type="person",
                object_id=person.key if person else None,
                detail={"reason": outcome.value},
            )
            return outcome, holder if outcome is LinkOutcome.ACCOUNT_TAKEN else None
        assert link is not None and person is not None
        link.used_at, link.used_by_telegram_id = now, telegram_id
        previous, person.telegram_id = person.telegram_id, telegram_id
        session.add_all([link, person])
        await audit.record(
            session,
            "link.linked",
            now=now,
            actor=person,
            object_type="person",
            object_id=person.key,
            detail={"replaced_telegram_id": previous},
        )
        return outcome, person


async def withdraw_exposed_invite(
    db: Database, code: str, *, now: datetime, actor: Person | None, telegram_id: int, detail: dict
) -> bool:
    """Audit an invitation sent in the group, where everyone could read it and whoever redeemed it
    first would act as its person: it stops working now, as one a new invitation replaces does.
    True when it still worked, so its person has to ask for a new one."""
    async with db.write() as session:
        link = await link_code_by_hash(session, _hash(code))
        withdrawn = False
        if link is not None and link.used_at is None and link.expires_at > now:
            link.expires_at, withdrawn = now, True
            session.add(link)
        person = await session.get(Person, link.person_id) if link else None
        await audit.record(
            session,
            "access.invitation_in_group",
            now=now,
            actor=actor,
            actor_telegram_id=telegram_id,
            object_type="person",
            object_id=person.key if person else None,
            detail={**detail, "withdrawn": withdrawn},
        )
    return withdrawn


async def refuse_private(db: Database, telegram_id: int, *, now: datetime, detail: dict) -> bool:
    """Audit a refusal in a private chat; True only the first time, so a stranger is answered once."""
    async with db.write() as session:
        first = not await was_refused(session, REFUSED_PRIVATE, telegram_id)
        await audit.record(session, REFUSED_PRIVATE, now=now, actor_telegram_id=telegram_id, detail=detail)
    return first


async def record_refusal(
    db: Database,
    action: str,
    *,
    now: datetime,
    actor: Person | None = None,
    telegram_id: int | None = None,
    detail: dict,
) -> None:
    """Audit a refusal that the user is told about every time (wrong role, foreign group)."""
    async with db.write() as session:
        await audit.record(session, action, now=now, actor=actor, actor_telegram_id=telegram_id, detail=detail)
