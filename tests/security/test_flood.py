"""The per-person flood limit: the token bucket alone, then end to end through the access gate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.flood import BURST, REFILL, FloodLimit, Verdict
from storage.audit import AuditEntry
from tests.harness import GROUP_ID, BotHarness

T0 = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
FLOOD_ES = "Demasiados mensajes seguidos; espere unos segundos."
FLOOD_EN = "Too many messages in a row; please wait a few seconds."


def verdicts(limit: FloodLimit, user: int, count: int, now: datetime) -> list[Verdict]:
    return [limit.check(user, now) for _ in range(count)]


def test_it_allows_a_burst_then_warns_once_then_drops() -> None:
    limit = FloodLimit(burst=5, refill=timedelta(seconds=10))
    assert verdicts(limit, 1, 8, T0) == [Verdict.ALLOW] * 5 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]


def test_it_refills_steadily_and_a_new_flood_is_warned_again() -> None:
    limit = FloodLimit(burst=5, refill=timedelta(seconds=10))  # one token every 2 s
    verdicts(limit, 1, 7, T0)
    assert limit.check(1, T0 + timedelta(seconds=1.9)) is Verdict.DROP
    assert limit.check(1, T0 + timedelta(seconds=2)) is Verdict.ALLOW
    assert verdicts(limit, 1, 2, T0 + timedelta(seconds=2)) == [Verdict.WARN, Verdict.DROP]
    assert verdicts(limit, 1, 6, T0 + timedelta(seconds=60)) == [Verdict.ALLOW] * 5 + [Verdict.WARN]


def test_it_keeps_each_person_apart() -> None:
    limit = FloodLimit(burst=3, refill=timedelta(seconds=30))
    verdicts(limit, 1, 10, T0)
    assert verdicts(limit, 2, 4, T0) == [Verdict.ALLOW] * 3 + [Verdict.WARN]


def test_it_never_mints_tokens_when_the_clock_goes_back() -> None:
    limit = FloodLimit(burst=2, refill=timedelta(seconds=10))
    verdicts(limit, 1, 3, T0)
    assert limit.check(1, T0 - timedelta(hours=1)) is Verdict.DROP
    assert limit.check(1, T0 + timedelta(seconds=4.9)) is Verdict.DROP  # one token every 5 s, counted from T0
    assert limit.check(1, T0 + timedelta(seconds=5)) is Verdict.ALLOW


def test_it_forgets_people_whose_bucket_is_full_again() -> None:
    limit = FloodLimit(burst=2, refill=timedelta(seconds=10))
    limit.check(1, T0)
    limit.check(2, T0 + timedelta(seconds=9))
    limit.forget_idle(T0 + timedelta(seconds=4))  # one token back every 5 s
    assert set(limit.buckets) == {1, 2}
    limit.forget_idle(T0 + timedelta(seconds=10))
    assert set(limit.buckets) == {2}


def test_it_refuses_a_limit_that_cannot_work() -> None:
    with pytest.raises(ValueError):
        FloodLimit(burst=0)
    with pytest.raises(ValueError):
        FloodLimit(refill=timedelta(0))


def test_it_defaults_to_twenty_updates_per_thirty_seconds() -> None:
    assert (20, timedelta(seconds=30)) == (BURST, REFILL)


class FrozenClock:
    """The bot's clock standing still, so a flood is all at one instant whatever the machine's speed."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def frozen(bot: BotHarness) -> Iterator[FrozenClock]:
    clock = FrozenClock(bot.services.now())
    running, bot.services.clock = bot.services.clock, clock
    yield clock
    bot.services.clock = running


def replies_to(bot: BotHarness, chat_id: int, after: int, before: int | None = None) -> list[str]:
    return [
        c.params.get("text", "")
        for c in bot.fake.calls[after:before]
        if c.method == "sendMessage" and c.params.get("chat_id") == chat_id
    ]


async def test_it_answers_a_flood_once_and_drops_the_rest_without_queueing(
    bot: BotHarness, frozen: FrozenClock
) -> None:
    mark = bot.fake.mark()
    for _ in range(BURST + 10):
        await bot.send("tec.ana", "/ayuda")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=1001, text=FLOOD_ES)
    after = await bot.settle()  # every update sent so far is handled
    answers = replies_to(bot, 1001, mark, after)
    assert answers.count(FLOOD_ES) == 1
    assert len([a for a in answers if a != FLOOD_ES]) == BURST

    frozen.moment += REFILL  # the bucket is full again; nothing dropped comes back
    reply = await bot.ask("tec.ana", "/ayuda")
    assert "/ayuda" in reply.params["text"] and replies_to(bot, 1001, after, reply.index) == []
    async with bot.services.db.read() as session:
        floods = (await session.exec(select(AuditEntry).where(AuditEntry.action == "access.flood"))).all()
    assert [e.actor_telegram_id for e in floods] == [1001]


async def test_it_does_not_slow_down_anybody_else(bot: BotHarness, frozen: FrozenClock) -> None:
    mark = bot.fake.mark()
    for _ in range(BURST + 5):
        await bot.send("tec.ana", "/ayuda")
    kevin = await bot.ask("tec.kevin", "/ayuda")  # sent after the whole flood, answered all the same
    assert "what you can do" in kevin.params["text"]
    await bot.settle()  # Ana's flood, handled in her own chat's order
    assert FLOOD_ES in replies_to(bot, 1001, mark)
    assert not any(text in (FLOOD_ES, FLOOD_EN) for text in replies_to(bot, 1002, mark))


async def test_it_tells_each_person_in_their_language_and_in_the_group(bot: BotHarness, frozen: FrozenClock) -> None:
    mark = bot.fake.mark()
    for _ in range(BURST + 2):
        await bot.send("tec.kevin", "/ayuda", where="group")
    told = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text=FLOOD_EN)
    assert told.params["reply_parameters"]["message_id"] > 0  # an answer to the message, not a broadcast


async def test_it_counts_button_presses_and_answers_the_first_refused_one(bot: BotHarness, frozen: FrozenClock) -> None:
    consigna = await bot.ask("tec.ana", "/consigna Revisar el audio de la garita", text_contains="#1")
    posted = await bot.fake.wait_for("sendMessage", chat_id=GROUP_ID, text_contains="Revisar el audio")
    mark = bot.fake.mark()
    for _ in range(BURST + 3):
        await bot.press("tec.kevin", posted.result, "cns:take:1")
    alert = await bot.fake.wait_for("answerCallbackQuery", after=mark, text=FLOOD_EN)
    assert alert.params["show_alert"] is True and consigna.ok


async def test_it_leaves_group_conversation_alone(bot: BotHarness, frozen: FrozenClock) -> None:
    mark = bot.fake.mark()
    for n in range(BURST * 2):
        await bot.send("tec.ana", f"buenos días, mensaje {n}", where="group")
    help_reply = await bot.ask("tec.ana", "/ayuda", where="group")  # people talking is not a flood
    assert "/ayuda" in help_reply.params["text"]
    assert FLOOD_ES not in replies_to(bot, GROUP_ID, mark)


async def test_it_drops_a_strangers_flood_without_an_answer(bot: BotHarness, frozen: FrozenClock) -> None:
    mark = bot.fake.mark()
    for _ in range(BURST + 10):
        await bot.send("stranger", "/ayuda")
    after = await bot.settle()
    assert len(replies_to(bot, 6666, mark, after)) == 1  # the one refusal strangers get, nothing more
    async with bot.services.db.read() as session:
        refused = (await session.exec(select(AuditEntry).where(AuditEntry.action == "access.refused_private"))).all()
    assert len(refused) == BURST  # the rest never reached the database
