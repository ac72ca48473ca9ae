"""Button presses a real client cannot make but a modified one can: any callback_data, on any message.

Telegram does not check that a callback's data belongs to a button of the message (python-telegram-bot's
own documentation warns about it), so the bot must treat callback data as untrusted input.
"""

from __future__ import annotations

import copy

from tests.fake_telegram.state import CallbackQueryState
from tests.harness import PERSONAS, BotHarness


def forge(bot: BotHarness, who: str, message: dict, data: str) -> int:
    """Push a callback query with `data` on `message` as `who`; returns the call mark to wait after."""
    fake = bot.fake
    mark = fake.mark()
    current = fake.message(message["chat"]["id"], message["message_id"]) or message
    query_id = str(5_000_000_000_000 + fake.next_number())
    query = {
        "id": query_id,
        "from": copy.deepcopy(fake.users[PERSONAS[who][0]]),
        "chat_instance": "424242",
        "message": current,
        "data": data,
    }
    fake.queries[query_id] = CallbackQueryState(query=query, created_at=fake.clock())
    fake.updates.push("callback_query", query)
    return mark
