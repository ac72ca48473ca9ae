"""Updates of one chat in order, different chats at once (bot/update_order.py), without Telegram."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.update_order import PerChatOrder, chat_of

ANA, KEVIN = 1001, 1002


def message(update_id: int, chat_id: int) -> Update:
    sender = {"id": chat_id, "is_bot": False, "first_name": "Persona"}
    chat = {"id": chat_id, "type": "private"}
    body = {"message_id": update_id, "date": 0, "chat": chat, "from": sender, "text": "/quien"}
    return Update.de_json({"update_id": update_id, "message": body}, None)  # type: ignore[arg-type]


def inline_query(update_id: int, user_id: int) -> Update:
    sender = {"id": user_id, "is_bot": False, "first_name": "Persona"}
    query = {"id": "1", "from": sender, "query": "", "offset": ""}
    return Update.de_json({"update_id": update_id, "inline_query": query}, None)  # type: ignore[arg-type]


def test_an_update_belongs_to_its_chat_or_else_to_its_person() -> None:
    assert chat_of(message(1, ANA)) == ANA
    assert chat_of(inline_query(2, KEVIN)) == KEVIN, "an inline query has no chat: its person's order"
    assert chat_of("not an update") is None


async def test_one_chat_waits_for_its_own_earlier_update_and_nobody_else_does() -> None:
    """Ana's first update hangs (a camera that does not answer). Expected: Kevin's update is handled
    meanwhile; Ana's second waits for her first; once all is done no lock is kept."""
    order = PerChatOrder()
    released, handled = asyncio.Event(), []

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        if wait is not None:
            await wait.wait()
        handled.append(name)

    first = asyncio.create_task(order.do_process_update(message(1, ANA), handle("ana 1", released)))
    second = asyncio.create_task(order.do_process_update(message(2, ANA), handle("ana 2")))
    await order.do_process_update(message(3, KEVIN), handle("kevin"))
    assert handled == ["kevin"] and not second.done()
    released.set()
    await asyncio.gather(first, second)
    assert handled == ["kevin", "ana 1", "ana 2"]
    assert order._locks == {} and not order._waiting, "a chat that went quiet keeps nothing"


async def test_an_update_that_fails_does_not_block_its_chat() -> None:
    order = PerChatOrder()

    async def broken() -> None:
        raise RuntimeError("a bug in a handler")

    async def fine() -> str:
        return "ok"

    failed = asyncio.create_task(order.do_process_update(message(1, ANA), broken()))
    await asyncio.wait_for(order.do_process_update(message(2, ANA), fine()), timeout=5)
    assert isinstance(failed.exception(), RuntimeError)
    assert order._locks == {}
