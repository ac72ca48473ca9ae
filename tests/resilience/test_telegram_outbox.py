"""The Telegram outbox itself (bot/notices.py, bot/notices_delivery.py) against `FlakyTelegram`:
notices queued straight into the database, delivered by the `telegram.deliver` round.

The workflows' own tests (test_telegram_jobs, test_telegram_handlers, test_kill) show the same
guarantees end to end; these pin down each rule of delivery once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot import notices
from bot.cameras.evidence import keep
from bot.notices_delivery import MAX_REFUSALS, is_outage, start
from storage.consignas import Consigna
from storage.evidence import Evidence, EvidenceKind
from storage.notices import NoticeKind, Record, TelegramNotice
from storage.people import person_by_telegram_id
from tests.fake_telegram import png_bytes
from tests.harness import GROUP_ID, BotHarness
from tests.resilience.faults import delivered, texts_to, with_rate_limiter

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ANA, CARLOS, LUIS = 1001, 1003, 1005
INTERNAL_ERROR = {"error_code": 500, "description": "Internal Server Error"}


async def owe(bot: BotHarness, *messages: tuple[int, str]) -> None:
    """Queue private messages, each under its own key, in one unit of work, once every update so far is
    handled (an update's end delivers too: the rounds here are the test's)."""
    await bot.settle()
    async with bot.services.db.write() as session:
        for chat_id, text in messages:
            await notices.queue(session, bot.services, key=f"test:{chat_id}:{text}", chat_id=chat_id, text=text)


async def a_consigna(bot: BotHarness) -> Record:
    """A stored consigna with no message yet: a record for `notices.show`."""
    async with bot.services.db.write() as session:
        consigna = Consigna(text="Vigilar portón", origin="test", created_at=bot.services.now())
        session.add(consigna)
        await session.flush()
        return Record.of(Consigna, consigna.id)


async def rows(bot: BotHarness) -> list[TelegramNotice]:
    async with bot.services.db.read() as session:
        return list((await session.exec(select(TelegramNotice).order_by(TelegramNotice.id))).all())  # type: ignore[arg-type]


async def test_a_500_holds_back_only_its_own_chat_and_order_is_kept(bot: BotHarness) -> None:
    """Fault: a 500 on Luis's first notice. Expected: Carlos gets both of his at once; Luis gets his two on
    the next round, in the order they were owed, each once."""
    bot.fake.fail("sendMessage", chat_id=LUIS, **INTERNAL_ERROR)
    await owe(bot, (LUIS, "uno"), (CARLOS, "A"), (LUIS, "dos"), (CARLOS, "B"))
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, CARLOS) == ["A", "B"] and texts_to(bot.fake, LUIS) == []
    await bot.run_job("telegram.deliver")
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS) == ["uno", "dos"]
    first = (await rows(bot))[0]
    assert first.attempts == 2 and "Internal Server Error" in (first.last_error or "")
    assert bot.take_errors() == []


async def test_a_fresh_notice_keeps_its_place_among_those_queued_with_it(bot: BotHarness) -> None:
    """A notice queued fresh (no look-up: a new case's alert) and ordinary ones in the same unit of work
    reach the chat in the order they were queued (the backup's alert before the coordinator's notice
    when both are for one person)."""
    await bot.settle()
    async with bot.services.db.write() as session:
        await notices.queue(session, bot.services, key="test:uno", chat_id=LUIS, text="uno")
        await notices.queue(session, bot.services, key="test:dos", chat_id=LUIS, text="dos", fresh=True)
        await notices.queue(session, bot.services, key="test:tres", chat_id=LUIS, text="tres")
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS) == ["uno", "dos", "tres"]


async def test_a_notice_refused_for_good_is_kept_with_its_reason_and_the_next_one_goes(bot: BotHarness) -> None:
    """Fault: 403 (Ana blocked the bot) on one notice. Expected: it is marked failed with Telegram's words,
    never retried, and her next notice is still tried (she may have unblocked the bot)."""
    bot.fake.fail("sendMessage", chat_id=ANA, error_code=403, description="Forbidden: bot was blocked by the user")
    await owe(bot, (ANA, "primero"), (ANA, "segundo"))
    await bot.run_job("telegram.deliver")
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, ANA) == ["segundo"]
    refused, sent = await rows(bot)
    assert refused.failed_at is not None and "blocked" in (refused.last_error or "") and refused.attempts == 1
    assert sent.sent_at is not None and sent.message_id is not None


async def test_a_key_is_owed_once(bot: BotHarness) -> None:
    """A job that runs twice, or catches up after a restart, queues the same key: one message."""
    async with bot.services.db.write() as session:
        first = await notices.queue(session, bot.services, key="test:once", chat_id=CARLOS, text="una vez")
        again = await notices.queue(session, bot.services, key="test:once", chat_id=CARLOS, text="una vez")
    await bot.run_job("telegram.deliver")
    assert (first, again) == (True, False) and texts_to(bot.fake, CARLOS) == ["una vez"]


async def test_flood_control_holds_every_chat_for_telegrams_retry_after_then_order_is_kept(bot: BotHarness) -> None:
    """Fault: 429 (retry_after 1) with the rate limiter off. Expected: no notice goes before the second
    is over (on the bot's clock), in any chat; then all four go, in order per chat, once."""
    await owe(bot, (CARLOS, "1"), (CARLOS, "2"), (CARLOS, "3"))
    after = bot.fake.mark()
    bot.fake.fail("sendMessage", error_code=429, description="Too Many Requests: retry after 1", retry_after=1)
    await bot.run_job("telegram.deliver")
    async with bot.services.db.write() as session:  # no settle(): its /ayuda would be answered meanwhile
        await notices.queue(session, bot.services, key="test:other", chat_id=LUIS, text="otro chat")
    await bot.run_job("telegram.deliver")
    assert delivered(bot.fake, after) == []
    bot.clock.advance(timedelta(seconds=1))  # Telegram's retry_after is over
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, CARLOS, after) == ["1", "2", "3"] and texts_to(bot.fake, LUIS, after) == ["otro chat"]


async def test_a_record_is_posted_once_then_edited_and_a_waiting_post_takes_the_newest_text(bot: BotHarness) -> None:
    """`show`: while Telegram is down the consigna's message changes twice; when it is back, one post
    with the newest text and keyboard, its message id kept in the consigna's row; a later change edits
    that message in place."""
    services = bot.services
    record = await a_consigna(bot)
    await bot.fake.go_down()
    for text in ("versión 1", "versión 2"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data="x")]])
        async with services.db.write() as session:
            await notices.show(session, services, record, "consignas", text, markup)
        await bot.run_job("telegram.deliver")
    await bot.fake.come_back()
    await bot.run_job("telegram.deliver")
    (post,) = delivered(bot.fake, chat_id=GROUP_ID)
    assert (
        post.params["text"] == "versión 2"
        and post.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "versión 2"
    )
    async with services.db.read() as session:
        stored = await session.get(Consigna, record.row_id)
    assert stored is not None and (stored.chat_id, stored.message_id) == (GROUP_ID, post.result["message_id"])
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "versión 3")
    mark = bot.fake.mark()
    await bot.run_job("telegram.deliver")
    (edit,) = [c for c in bot.fake.calls[mark:] if c.method == "editMessageText"]
    assert edit.params["message_id"] == stored.message_id
    assert bot.fake.message(GROUP_ID, stored.message_id)["text"] == "versión 3"  # type: ignore[index]
    assert bot.take_errors() == []


async def test_a_late_answer_is_waited_for_not_sent_twice(bot: BotHarness) -> None:
    """Fault: Telegram answers 6 s late, past PTB's default 5 s read timeout. Expected: the outbox waits
    longer, so the message exists once and its id is known."""
    bot.fake.slow("sendMessage", 6.0, chat_id=CARLOS)
    await owe(bot, (CARLOS, "tarde"))
    await bot.run_job("telegram.deliver")
    bot.clock.advance(timedelta(minutes=1))
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, CARLOS) == ["tarde"]
    (row,) = await rows(bot)
    assert row.message_id is not None and row.attempts == 1


async def test_a_change_made_while_the_post_is_on_its_way_is_not_lost(bot: BotHarness) -> None:
    """The consigna's post is on its way (Telegram holds it) when the consigna changes again. Expected:
    the post goes out as it was, then an edit brings it to the newest text."""
    services = bot.services
    await bot.settle()
    held = bot.fake.hold("sendMessage", chat_id=GROUP_ID, text_contains="antes")
    record = await a_consigna(bot)
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "antes")
    delivery = asyncio.create_task(bot.run_job("telegram.deliver"))
    await bot.fake.wait_held(held)
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "después")
    held.release.set()  # type: ignore[union-attr]
    await delivery
    (post,) = delivered(bot.fake, chat_id=GROUP_ID)
    assert post.params["text"] == "antes"
    assert bot.fake.message(GROUP_ID, post.result["message_id"])["text"] == "después"  # type: ignore[index]


async def test_a_notice_telegram_keeps_refusing_is_given_up_but_an_outage_never_drops_one(bot: BotHarness) -> None:
    """Fault: ten 500s to the same notice, then the Bot API refusing connections for twelve rounds.
    Expected: the first notice is given up after MAX_REFUSALS answers (so it cannot block Carlos's chat
    for good) and the next one goes; a notice owed during the outage is delivered once it is over."""
    bot.fake.fail("sendMessage", chat_id=CARLOS, text_contains="roto", times=MAX_REFUSALS, **INTERNAL_ERROR)
    await owe(bot, (CARLOS, "roto"), (CARLOS, "siguiente"))
    for _ in range(MAX_REFUSALS):
        await bot.run_job("telegram.deliver")
    broken, following = await rows(bot)
    assert broken.failed_at is not None and broken.refusals == MAX_REFUSALS
    assert texts_to(bot.fake, CARLOS) == ["siguiente"] and following.sent_at is not None
    await owe(bot, (LUIS, "durante el corte"))
    await bot.fake.go_down()
    for _ in range(12):
        await bot.run_job("telegram.deliver")
    await bot.fake.come_back()
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS) == ["durante el corte"]
    assert (await rows(bot))[-1].refusals == 0, "an outage delays a notice, it never counts against it"


async def owe_album(bot: BotHarness, chat_id: int, label: str, pictures: int) -> list[Evidence]:
    """Queue `pictures` kept pictures under one label (as an anomaly's are, after its alert)."""
    await bot.settle()
    kept = [
        await keep(
            bot.services, png_bytes(40 + n, 30), kind=EvidenceKind.PHOTO, captured_at=bot.services.now(), requester=None
        )
        for n in range(pictures)
    ]
    async with bot.services.db.write() as session:
        person = await person_by_telegram_id(session, chat_id)
        assert person is not None
        for evidence in kept:
            key = f"test:{label}:photo:{evidence.id}"
            await notices.hand(
                session, bot.services, person, evidence.id, key=key, kind=NoticeKind.PHOTO, bundle_label=label
            )  # type: ignore[arg-type]
    return kept


async def test_a_picture_purged_before_its_album_went_is_given_up_alone(bot: BotHarness) -> None:
    """One picture of an album owed to Luis was purged before Telegram took it (an outage longer than
    the retention). Expected: that picture is marked failed with the reason; the other goes, once."""
    kept = await owe_album(bot, LUIS, "A-1", 2)
    (bot.services.settings.data_dir / kept[0].path).unlink()
    await bot.run_job("telegram.deliver")
    purged, other = await rows(bot)
    assert purged.failed_at is not None and "EvidenceMissing: missing" in (purged.last_error or "")
    assert other.sent_at is not None and [c.method for c in delivered(bot.fake, chat_id=LUIS)] == ["sendPhoto"]


async def test_an_album_telegram_keeps_refusing_is_given_up_whole_and_the_chat_goes_on(bot: BotHarness) -> None:
    """Fault: 500s to an album of two pictures owed to Luis. Expected: after MAX_REFUSALS rounds both
    pictures are given up together (not one by one, which would hold his chat twice as long), and his
    next notice goes."""
    bot.fake.fail("sendMediaGroup", chat_id=LUIS, times=MAX_REFUSALS, **INTERNAL_ERROR)
    await owe_album(bot, LUIS, "A-1", 2)
    await owe(bot, (LUIS, "siguiente"))
    for _ in range(MAX_REFUSALS):
        await bot.run_job("telegram.deliver")
    first, second, following = await rows(bot)
    assert [(r.failed_at is not None, r.refusals) for r in (first, second)] == [(True, MAX_REFUSALS)] * 2
    assert texts_to(bot.fake, LUIS) == ["siguiente"] and following.sent_at is not None


async def test_a_new_alert_does_not_wait_behind_an_album_telegram_refuses(bot: BotHarness) -> None:
    """Fault: 500s to the album of Luis's first case. Expected: the alert of his next case, owed after
    it, reaches him at the next round all the same; the album follows once Telegram takes it."""
    bot.fake.fail("sendMediaGroup", chat_id=LUIS, times=2, **INTERNAL_ERROR)
    await owe_album(bot, LUIS, "A-1", 2)
    await bot.run_job("telegram.deliver")
    await owe_alerts(bot, LUIS, "A-2")
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS) == ["Alerta A-2"]
    await bot.run_job("telegram.deliver")
    assert [c.method for c in delivered(bot.fake, chat_id=LUIS)] == ["sendMessage", "sendMediaGroup"]


def test_an_upload_too_slow_for_its_link_counts_against_its_notice_and_an_outage_never_does() -> None:
    """Pure: how PTB reports each failure (the httpx error is the cause). A slow office link times out
    the same upload every round; counted, it cannot hold the chat for good. An outage never counts."""
    request = httpx.Request("POST", "http://telegram.test/sendMediaGroup")

    def caused(error: NetworkError, cause: Exception | None) -> NetworkError:
        error.__cause__ = cause
        return error

    slow_upload = caused(TimedOut(), httpx.WriteTimeout("", request=request))
    assert not is_outage(slow_upload, upload=True)
    assert is_outage(slow_upload, upload=False), "a text's write that times out: the link, not the text"
    assert not is_outage(caused(NetworkError("Bad Gateway"), None), upload=False), "a 5xx is Telegram's answer"
    for outage in (
        caused(TimedOut(), httpx.ConnectTimeout("", request=request)),
        caused(TimedOut(), httpx.ReadTimeout("", request=request)),
        caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused", request=request)),
    ):
        assert is_outage(outage, upload=True), outage.__cause__


async def test_a_post_refused_for_good_is_not_retried_by_a_job_that_redraws_it(bot: BotHarness) -> None:
    """Fault: Telegram refuses a case's post for good (400: HTML it cannot parse). Expected: owing its
    message again, with the same text or a newer one (the health monitor redraws its faults every
    round, and their elapsed time changes every minute), sends nothing more: the refusal waits in
    `vigia outbox`."""
    services, record = bot.services, await a_consigna(bot)
    await bot.settle()
    bot.fake.fail("sendMessage", chat_id=GROUP_ID, error_code=400, description="Bad Request: can't parse entities")
    mark = bot.fake.mark()
    for text in ("<b>roto", "<b>roto", "<b>roto, un minuto después"):
        async with services.db.write() as session:
            await notices.show(session, services, record, "consignas", text)
        await bot.run_job("telegram.deliver")
    tries = [c for c in bot.fake.calls[mark:] if c.method == "sendMessage" and c.params.get("chat_id") == GROUP_ID]
    assert [c.params["text"] for c in tries] == ["<b>roto"] and tries[0].ok is False


async def test_a_case_whose_message_was_deleted_is_posted_again_and_edited_there(bot: BotHarness) -> None:
    """Fault: someone deletes a case's message in the group; Telegram then refuses its edits ("message to
    edit not found"). Expected: the next change posts it again, in its topic, and the changes after
    that edit the new message: the case neither vanishes from the group nor freezes."""
    services, record = bot.services, await a_consigna(bot)
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "Consigna 1: abierta")
    await bot.run_job("telegram.deliver")
    first = await bot.fake.wait_for("sendMessage", chat_id=GROUP_ID, text_contains="Consigna 1")
    bot.fake.delete_message(GROUP_ID, first.result["message_id"])
    mark = bot.fake.mark()
    for text in ("Consigna 1: tomada por Ana", "Consigna 1: cumplida"):
        async with services.db.write() as session:
            await notices.show(session, services, record, "consignas", text)
        await bot.run_job("telegram.deliver")
    again = await bot.fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="tomada por Ana")
    assert (
        again.params.get("message_thread_id")
        == first.params.get("message_thread_id")
        == services.unit.group.topics.consignas
    )
    edited = await bot.fake.wait_for("editMessageText", after=again.index, text_contains="cumplida")
    assert edited.ok and edited.params["message_id"] == again.result["message_id"]
    assert bot.fake.message(GROUP_ID, again.result["message_id"])["text"] == "Consigna 1: cumplida"


async def test_notices_done_for_ninety_days_are_emptied_and_their_keys_stay_owed(bot: BotHarness) -> None:
    """The table does not grow for ever: a day's prune empties the text of what was sent or refused more
    than 90 days ago, and keeps what is recent or still owed, however old. The key of an emptied notice
    is still owed: a case open for months is not reminded twice."""
    await owe(bot, (CARLOS, "viejo"))
    await bot.run_job("telegram.deliver")
    services = bot.services
    async with services.db.write() as session:  # owed, not delivered: no round runs before the prune
        await notices.queue(session, services, key="test:pendiente", chat_id=LUIS, text="pendiente")
    bot.clock.advance(timedelta(days=91))
    async with services.db.write() as session:
        await notices.queue(session, services, key="test:reciente", chat_id=CARLOS, text="reciente")
    await bot.run_job("telegram.prune")
    assert [row.text for row in await rows(bot)] == ["", "pendiente", "reciente"]
    (old,) = [row for row in await rows(bot) if not row.text]
    async with services.db.write() as session:
        assert not await notices.queue(session, services, key=old.key, chat_id=CARLOS, text="viejo otra vez")


async def owe_alerts(bot: BotHarness, chat_id: int, *labels: str, length: int = 0, meanwhile: bool = False) -> None:
    """Queue one labelled notice per label (as an anomaly's alerts are), with a button each, its text
    padded to `length`; once what is owed so far is delivered, or `meanwhile`, while it goes."""
    if not meanwhile:
        await bot.settle()
    async with bot.services.db.write() as session:
        for label in labels:
            button = InlineKeyboardButton("Recibido", callback_data=f"test:{label}")
            await notices.queue(
                session,
                bot.services,
                key=f"test:{label}",
                chat_id=chat_id,
                text=f"Alerta {label}".ljust(length, "."),
                markup=InlineKeyboardMarkup([[button]]),
                bundle_label=label,
            )


async def test_a_backlog_of_alerts_to_one_person_goes_as_one_message_with_every_button(bot: BotHarness) -> None:
    """Three alerts owed to Luis at once (a burst), a plain notice among them. Expected: the first two in
    one message, each button labelled with its case; the plain notice on its own; the third alone, as
    queued; every row sent once, the first two with the same message."""
    await owe_alerts(bot, LUIS, "A-1", "A-2")
    await owe(bot, (LUIS, "Recordatorio"))
    await owe_alerts(bot, LUIS, "A-3")
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS) == ["Alerta A-1\n\n────────────\n\nAlerta A-2", "Recordatorio", "Alerta A-3"]
    first, _, third = delivered(bot.fake, chat_id=LUIS)
    assert [row[0]["text"] for row in first.params["reply_markup"]["inline_keyboard"]] == [
        "Recibido · A-1",
        "Recibido · A-2",
    ]
    assert third.params["reply_markup"]["inline_keyboard"] == [[{"text": "Recibido", "callback_data": "test:A-3"}]]
    sent = await rows(bot)
    assert all(r.sent_at for r in sent) and sent[0].message_id == sent[1].message_id == first.result["message_id"]
    assert bot.take_errors() == []


async def test_a_shared_message_telegram_refuses_is_sent_one_by_one_so_one_bad_alert_loses_nothing(
    bot: BotHarness,
) -> None:
    """Fault: 400 Bad Request on the shared message. Expected: each alert is tried on its own at once and
    arrives; none is marked failed."""
    bot.fake.fail("sendMessage", chat_id=LUIS, error_code=400, description="Bad Request: can't parse entities")
    await owe_alerts(bot, LUIS, "A-1", "A-2")
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS) == ["Alerta A-1", "Alerta A-2"]
    assert [r.failed_at for r in await rows(bot)] == [None, None]
    assert bot.take_errors() == []


async def test_a_person_who_blocked_the_bot_has_the_whole_shared_message_given_up_in_one_round(
    bot: BotHarness,
) -> None:
    """Fault: 403, Luis blocked the bot. Expected: both alerts of the shared message marked failed with
    Telegram's words in one round, not one alert per round."""
    bot.fake.fail("sendMessage", chat_id=LUIS, error_code=403, description="Forbidden: bot was blocked by the user")
    await owe_alerts(bot, LUIS, "A-1", "A-2")
    await bot.run_job("telegram.deliver")
    assert [("blocked" in (r.last_error or ""), r.failed_at is not None) for r in await rows(bot)] == [(True, True)] * 2


async def test_a_long_backlog_fills_each_shared_message_before_starting_the_next(bot: BotHarness) -> None:
    """55 alerts owed to Luis, 15 to a message by Telegram's length limit, more than one read of the
    outbox. Expected: three messages of 15 and one of 10, not one with what was left of a read."""
    await owe_alerts(bot, LUIS, *(f"A-{n}" for n in range(1, 56)), length=250)
    await bot.run_job("telegram.deliver")
    assert [text.count("Alerta") for text in texts_to(bot.fake, LUIS)] == [15, 15, 15, 10]


async def test_a_chat_owed_more_than_telegram_allows_at_once_waits_its_turns_and_what_piles_up_shares_one(
    bot: BotHarness,
) -> None:
    """With the rate limiter on, as deployed, and the fake refusing a private chat more than a short
    burst: five notices and two alerts owed to Luis at once, a third alert owed while he waits his
    turn. Expected: the first three within the first second, then one a second; the three alerts in
    one message, the one that came while he waited included; nothing refused with 429."""
    await with_rate_limiter(bot)
    bot.fake.rate_limits = True
    mark = bot.fake.mark()
    await owe(bot, *((LUIS, f"aviso {n}") for n in range(5)))
    await owe_alerts(bot, LUIS, "A-1", "A-2")
    await start(bot.app.bot, bot.services)  # not the round's run_job, which waits for the courier
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="aviso 3", timeout=10)
    await owe_alerts(bot, LUIS, "A-3", meanwhile=True)
    shared = await bot.fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="A-1", timeout=10)
    assert [n in shared.params["text"] for n in ("A-1", "A-2", "A-3")] == [True] * 3
    assert texts_to(bot.fake, LUIS, mark)[:5] == [f"aviso {n}" for n in range(5)]
    assert len(texts_to(bot.fake, LUIS, mark)) == 6
    assert [c.error_code for c in bot.fake.calls[mark:] if not c.ok and c.method != "getUpdates"] == []
    await bot.settle()
    assert bot.take_errors() == []


async def test_a_group_that_became_a_supergroup_gets_what_it_is_owed_at_its_new_id(bot: BotHarness) -> None:
    """Fault: Telegram says the group was upgraded to a supergroup (enabling topics does it). Expected:
    both posts owed to it go to the new id, in order, none refused for good; the log says to update
    the unit file."""
    supergroup = -1009999999999
    bot.fake.group(supergroup, "UTMV")
    bot.fake.fail(
        "sendMessage",
        chat_id=GROUP_ID,
        error_code=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=supergroup,
    )
    await owe(bot, (GROUP_ID, "uno"), (GROUP_ID, "dos"))
    await bot.run_job("telegram.deliver")
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, supergroup) == ["uno", "dos"]
    assert [(r.chat_id, r.failed_at) for r in await rows(bot)] == [(supergroup, None)] * 2


async def test_a_refused_token_holds_every_notice_five_minutes_and_loses_none(bot: BotHarness) -> None:
    """Fault: 401, Telegram refuses the token (revoked in BotFather). Expected: nothing is given up; no
    round tries again for five minutes (every notice would fail alike); then both go, in order."""
    bot.fake.fail("sendMessage", chat_id=LUIS, error_code=401, description="Unauthorized")
    await owe(bot, (LUIS, "uno"), (LUIS, "dos"))
    await bot.run_job("telegram.deliver")
    mark = bot.fake.mark()
    bot.clock.advance(timedelta(minutes=4))
    await bot.run_job("telegram.deliver")
    assert [c for c in bot.fake.calls[mark:] if c.method == "sendMessage"] == [], "paused: not even tried"
    bot.clock.advance(timedelta(minutes=1, seconds=1))
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS) == ["uno", "dos"]
    assert [r.failed_at for r in await rows(bot)] == [None, None]


async def test_a_file_purged_while_telegram_was_down_is_given_up_and_the_chat_goes_on(bot: BotHarness) -> None:
    """A document owed to Luis whose kept file was purged before Telegram took it (a long outage past
    the retention). Expected: that notice is marked failed with the reason; his next notice goes."""
    evidence = await keep(
        bot.services, b"%PDF-1.4\n", kind=EvidenceKind.DOCUMENT, captured_at=bot.services.now(), requester=None
    )
    await bot.settle()
    async with bot.services.db.write() as session:
        luis = await person_by_telegram_id(session, LUIS)
        assert luis is not None
        await notices.hand(session, bot.services, luis, evidence.id, key="test:document")  # type: ignore[arg-type]
    await owe(bot, (LUIS, "después"))
    (bot.services.settings.data_dir / evidence.path).unlink()
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS) == ["después"]
    document = (await rows(bot))[0]
    assert document.failed_at is not None and "EvidenceMissing: missing" in (document.last_error or "")


async def test_a_case_edited_after_its_group_turned_supergroup_is_posted_anew_there(bot: BotHarness) -> None:
    """A consigna's message was posted before the group became a supergroup; its edit then gets
    ChatMigrated. Expected: the bot now knows the group by its new id, and the consigna is posted
    there with its new text, once; its next change edits that new message."""
    services, supergroup = bot.services, -1009999999999
    bot.fake.group(supergroup, "UTMV")
    record = await a_consigna(bot)
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "antes")
    await bot.run_job("telegram.deliver")
    bot.fake.fail(
        "editMessageText",
        error_code=400,
        description="Bad Request: group chat was upgraded",
        migrate_to_chat_id=supergroup,
    )
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "después")
    await bot.run_job("telegram.deliver")
    await bot.run_job("telegram.deliver")
    assert services.unit.group.chat_id == supergroup
    assert texts_to(bot.fake, supergroup) == ["después"]
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "más tarde")
    await bot.run_job("telegram.deliver")
    (post,) = delivered(bot.fake, chat_id=supergroup)
    edit = [c for c in bot.fake.calls if c.method == "editMessageText" and c.ok][-1]
    assert edit.params["chat_id"] == supergroup and edit.params["message_id"] == post.result["message_id"]
    assert edit.params["text"] == "más tarde" and [r.failed_at for r in await rows(bot)] == [None] * 3


async def test_an_edit_owed_when_the_group_turns_supergroup_is_posted_there_at_once(bot: BotHarness) -> None:
    """A consigna's edit is still owed when the group becomes a supergroup, and the bot hears of it
    from Telegram's service message. Expected: the next round posts the consigna in the new group,
    once, without trying the old message first."""
    services = bot.services
    record = await a_consigna(bot)
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "antes")
    await bot.run_job("telegram.deliver")
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "después")
    mark = bot.fake.mark()
    new = bot.fake.migrate_group(bot.user("coord.carlos"), bot.group, -1005555555555)
    await bot.settle()
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, new["id"], mark) == ["después"]
    assert not [c for c in bot.fake.calls[mark:] if c.method == "editMessageText"]
    assert [r.failed_at for r in await rows(bot)] == [None, None]


async def test_a_case_changed_after_the_move_is_posted_in_the_new_group_and_replies_follow_it(bot: BotHarness) -> None:
    """The bot knows of the move (Telegram's service message); then a consigna posted before it
    changes, and something answers it. Expected: the consigna is posted in the new group, with no
    try at the old message, and the answer replies to that new post."""
    services = bot.services
    record = await a_consigna(bot)
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "antes")
    await bot.run_job("telegram.deliver")
    new = bot.fake.migrate_group(bot.user("coord.carlos"), bot.group, -1005555555555)
    await bot.settle()
    mark = bot.fake.mark()
    async with services.db.write() as session:
        await notices.show(session, services, record, "consignas", "después")
        await notices.post(session, services, "consignas", "respuesta", key="test:answer", reply_to=record)
    await bot.run_job("telegram.deliver")
    post, answer = delivered(bot.fake, mark, chat_id=new["id"])
    assert (post.params["text"], answer.params["text"]) == ("después", "respuesta")
    assert answer.params["reply_parameters"]["message_id"] == post.result["message_id"]
    assert not [c for c in bot.fake.calls[mark:] if c.method == "editMessageText"]


async def test_a_shared_message_that_gets_a_500_is_sent_whole_at_the_next_round(bot: BotHarness) -> None:
    """Fault: a 500 on the shared message. Expected: the chat waits for the next round, which sends
    the two alerts together, once; the 500 is counted on the first alert only."""
    bot.fake.fail("sendMessage", chat_id=LUIS, **INTERNAL_ERROR)
    await owe_alerts(bot, LUIS, "A-1", "A-2")
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS) == []
    await bot.run_job("telegram.deliver")
    assert texts_to(bot.fake, LUIS) == ["Alerta A-1\n\n────────────\n\nAlerta A-2"]
    assert [(r.refusals, r.sent_at is not None) for r in await rows(bot)] == [(1, True), (0, True)]
