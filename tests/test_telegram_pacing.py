"""Keeping to Telegram's flood limits by waiting our turn (bot/telegram_pacing.py): the per-chat
allowance the outbox's couriers wait for, and the rate limiter every request goes through."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.telegram_pacing import FORGET_AFTER, URGENT, ChatPace, Pacing

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # inside RetryAfter

LUIS, GROUP = 1005, -100123


def test_a_private_chat_gets_a_short_burst_spread_over_its_first_second_then_one_message_a_second() -> None:
    now = [100.0]
    pace = ChatPace(per_second=1.0, burst=3, clock=lambda: now[0])
    assert pace.wait_s(LUIS) == 0, "a first message goes at once"
    pace.take(LUIS)
    for _ in range(2):
        assert pace.wait_s(LUIS) == pytest.approx(1 / 3), "the burst's next message a third of a second later"
        now[0] += 1 / 3
        pace.take(LUIS)
    assert pace.wait_s(LUIS) == pytest.approx(1 / 3), "the burst is spent: a second after the first"
    assert pace.wait_s(1001) == 0, "another chat has its own allowance"
    now[0] += 1 / 3
    pace.take(LUIS)
    now[0] += 0.4
    assert pace.wait_s(LUIS) == pytest.approx(0.6), "then one a second"
    now[0] += 0.6
    pace.take(LUIS)
    assert pace.wait_s(LUIS) == pytest.approx(1.0)
    now[0] += 60
    assert pace.wait_s(LUIS) == 0, "a quiet minute gives the burst back…"
    pace.take(LUIS, messages=3)  # an album of three counts three
    assert pace.wait_s(LUIS) == pytest.approx(1.0), "…and no more than the burst"
    pace.take(GROUP, messages=50)
    assert pace.wait_s(GROUP) == 0, "a group's turns are the rate limiter's (handlers' replies count there)"


def test_a_broadcast_past_the_chats_remembered_forgets_only_chats_with_their_whole_burst_back() -> None:
    now = [100.0]
    pace = ChatPace(per_second=1.0, burst=3, clock=lambda: now[0])
    readers = range(2000, 2000 + FORGET_AFTER + 1)
    for reader in readers:  # a digest to everyone over a minute: the last take is past the chats remembered
        pace.take(reader, messages=3)
        now[0] += 60 / len(readers)
    assert pace.wait_s(readers[-1]) > 0, "a chat still spending its burst is remembered"
    assert len(pace._buckets) < FORGET_AFTER, "those with their whole burst back are dropped"


class Recorder:
    """A stand-in for PTB's post: records the order requests reach Telegram, failing as told."""

    def __init__(self, fail_first: int = 0) -> None:
        self.order: list[str] = []
        self.fail_first = fail_first

    async def post(self, name: str) -> dict[str, Any]:
        self.order.append(name)
        if len(self.order) <= self.fail_first:
            raise RetryAfter(0)
        return {"ok": name}


async def request(
    pacing: Pacing,
    recorder: Recorder,
    name: str,
    chat_id: int | str | None,
    urgent: bool = False,
    endpoint: str = "sendMessage",
    **data: Any,
) -> Any:
    data |= {"chat_id": chat_id} if chat_id is not None else {}
    return await pacing.process_request(recorder.post, (name,), {}, endpoint, data, URGENT if urgent else None)


async def test_an_urgent_message_takes_the_next_turn_before_the_ordinary_ones_waiting() -> None:
    """Four call lists, then an administrator's alert: the first call list has the free turn, the alert
    the next one, before the three call lists that were waiting."""
    pacing, recorder = Pacing(interval_s=0.01), Recorder()
    ordinary = [asyncio.create_task(request(pacing, recorder, f"lista {n}", 2000 + n)) for n in range(4)]
    urgent = asyncio.create_task(request(pacing, recorder, "alerta", LUIS, urgent=True))
    await asyncio.wait_for(asyncio.gather(*ordinary, urgent), timeout=5)
    assert recorder.order == ["lista 0", "alerta", "lista 1", "lista 2", "lista 3"]


async def test_a_waiting_request_that_is_cancelled_gives_its_turn_to_the_next() -> None:
    pacing, recorder = Pacing(interval_s=0.01), Recorder()
    first = asyncio.create_task(request(pacing, recorder, "primero", LUIS))
    gone = asyncio.create_task(request(pacing, recorder, "cancelado", 1001))
    last = asyncio.create_task(request(pacing, recorder, "último", 1002))
    await first
    gone.cancel()
    await asyncio.wait_for(last, timeout=5)
    assert recorder.order == ["primero", "último"]


async def test_a_groups_messages_go_in_order_one_group_turn_apart() -> None:
    interval = 0.05
    pacing, recorder = Pacing(interval_s=0.001, group_interval_s=interval), Recorder()
    loop = asyncio.get_running_loop()
    start = loop.time()
    chats = (GROUP, GROUP, str(GROUP))  # PTB may pass the id as text: the same group
    await asyncio.wait_for(asyncio.gather(*(request(pacing, recorder, f"aviso {n}", chats[n]) for n in range(3))), 5)
    assert recorder.order == ["aviso 0", "aviso 1", "aviso 2"]
    assert loop.time() - start >= 2 * interval * 0.9, "the third waited two group turns"


async def test_flood_control_is_waited_out_and_tried_again_up_to_the_retries() -> None:
    pacing, recorder = Pacing(interval_s=0.001, max_retries=2), Recorder(fail_first=2)
    assert await request(pacing, recorder, "alerta", LUIS) == {"ok": "alerta"}
    assert recorder.order == ["alerta"] * 3
    pacing, recorder = Pacing(interval_s=0.001, max_retries=1), Recorder(fail_first=2)
    with pytest.raises(RetryAfter):
        await request(pacing, recorder, "alerta", LUIS)
    assert await request(pacing, recorder, "después", LUIS) == {"ok": "después"}, "the pause is over"


async def test_what_is_not_a_message_is_not_held() -> None:
    """A button's answer or a file download names no chat: Telegram does not count it."""
    pacing, recorder = Pacing(interval_s=60), Recorder()
    await request(pacing, recorder, "mensaje", LUIS)
    assert await asyncio.wait_for(request(pacing, recorder, "respuesta", None), timeout=5) == {"ok": "respuesta"}


async def test_every_message_into_a_private_chat_counts_in_its_allowance_whoever_sends_it() -> None:
    """A handler's answer does not wait for the chat's turn, but the outbox's next message does wait
    for it: an answer, an album of two, then nothing left of the burst of 3."""
    now = [100.0]
    pace = ChatPace(burst=3, clock=lambda: now[0])
    pacing, recorder = Pacing(interval_s=0.001, chat_pace=pace), Recorder()
    await request(pacing, recorder, "acción", LUIS, endpoint="sendChatAction")
    assert pace.wait_s(LUIS) == 0, "the chat action did not count"
    await request(pacing, recorder, "respuesta", LUIS)
    assert pace.wait_s(LUIS) == pytest.approx(1 / 3), "the answer counted"
    await request(pacing, recorder, "álbum", LUIS, endpoint="sendMediaGroup", media=[{}, {}])
    await request(pacing, recorder, "aviso", GROUP)
    assert pace.wait_s(LUIS) == pytest.approx(1.0), "the answer and both pictures counted; the chat action not"
