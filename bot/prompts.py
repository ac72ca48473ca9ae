"""Questions waiting for a person's next message: "write the result", "why cancel?".

One pending question per person and chat; a new one replaces the old. In the group only a reply
to the question counts (the bot must not swallow conversation); in private, the next message. A
reply to a question that no longer waits is told so (handlers/prompts.py): a result typed into the
old question must not vanish unseen.
"""

from __future__ import annotations

from bot.services import Services
from storage.people import Person
from storage.prompts import PendingPrompt, prompt_for


async def ask(
    services: Services, person: Person, chat_id: int, kind: str, object_id: int, prompt_message_id: int | None
) -> None:
    async with services.db.write() as session:
        pending = await prompt_for(session, person.id, chat_id)  # type: ignore[arg-type]
        if pending is None:
            pending = PendingPrompt(
                person_id=person.id, chat_id=chat_id, kind=kind, object_id=object_id, created_at=services.now()
            )  # type: ignore[arg-type]
        pending.kind, pending.object_id, pending.prompt_message_id = kind, object_id, prompt_message_id
        pending.text = None  # an answer kept for the old question (remember_text) must not complete the new one
        pending.created_at = services.now()
        session.add(pending)


async def waiting(
    services: Services, person: Person, chat_id: int, replied_to: int | None, private: bool
) -> PendingPrompt | None:
    async with services.db.read() as session:
        pending = await prompt_for(session, person.id, chat_id)  # type: ignore[arg-type]
    if pending is None or (not private and replied_to != pending.prompt_message_id):
        return None
    return pending


async def done(services: Services, pending: PendingPrompt) -> None:
    async with services.db.write() as session:
        stored = await session.get(PendingPrompt, pending.id)
        if stored is not None:
            await session.delete(stored)


async def forget(services: Services, person: Person, chat_id: int) -> None:
    """The flow that asked ended another way (a button): its question no longer waits."""
    async with services.db.write() as session:
        pending = await prompt_for(session, person.id, chat_id)  # type: ignore[arg-type]
        if pending is not None:
            await session.delete(pending)


async def renew(services: Services, pending: PendingPrompt) -> None:
    """Ask the question again, as it is: its time (`created_at`, when it was asked) starts over."""
    async with services.db.write() as session:
        stored = await session.get(PendingPrompt, pending.id)
        if stored is not None:
            stored.created_at = services.now()
            session.add(stored)


async def remember_text(services: Services, pending: PendingPrompt, text: str) -> None:
    """Keep an answer on the question while a second question (e.g. the cause) completes it."""
    async with services.db.write() as session:
        stored = await session.get(PendingPrompt, pending.id)
        if stored is not None:
            stored.text = text
            session.add(stored)
