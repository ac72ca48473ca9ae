"""Which owed notices share a message in a burst, and what that message says (bot/notices_bundle.py)."""

from __future__ import annotations

import json

from bot.notices_bundle import MAX_ALBUM, MAX_BUTTONS, SEPARATOR, is_album, joined, leading_run
from bot.text import TELEGRAM_MAX as MAX_TEXT
from storage.notices import NoticeKind, TelegramNotice


def alert(number: str, text: str | None = None, buttons: int = 2, **fields: object) -> TelegramNotice:
    keyboard = [[{"text": f"Botón {n}", "callback_data": f"anm:{n}:{number}"} for n in range(buttons)]]
    return TelegramNotice(
        key=f"alert:{number}",
        chat_id=1005,
        text=text if text is not None else f"🚨 Anomalía {number}",
        markup=json.dumps({"inline_keyboard": keyboard}) if buttons else None,
        bundle_label=number,
        **fields,  # type: ignore[arg-type]
    )


def picture(number: str, evidence_id: int, **fields: object) -> TelegramNotice:
    return TelegramNotice(
        key=f"alert:{number}:photo:{evidence_id}",
        chat_id=1005,
        kind=NoticeKind.PHOTO,
        evidence_id=evidence_id,
        text=number,
        bundle_label=number,
        **fields,  # type: ignore[arg-type]
    )


def test_alerts_share_a_message_over_the_pictures_between_them_which_then_go_as_albums_of_ten() -> None:
    first_pictures = [picture("A-1", n) for n in range(MAX_ALBUM + 2)]
    batch = [alert("A-1"), *first_pictures, alert("A-2"), picture("A-2", 99)]
    assert leading_run(batch) == [batch[0], batch[-2]], "the alerts pass over the pictures"
    pictures = [*first_pictures, batch[-1]]  # what the next read finds
    assert leading_run(pictures) == first_pictures[:MAX_ALBUM] and is_album(first_pictures[:MAX_ALBUM])
    assert leading_run(pictures[MAX_ALBUM:]) == first_pictures[MAX_ALBUM:], "the rest of A-1's, without A-2's"
    assert leading_run(pictures[-1:]) == pictures[-1:] and not is_album(pictures[-1:]), "a lone picture is a photo"
    assert leading_run([*first_pictures[:2], batch[-2]]) == [batch[-2]], "an alert goes before an earlier album"
    plain = TelegramNotice(key="tell", chat_id=1005, text="Recordatorio")
    assert leading_run([first_pictures[0], plain, batch[-2]]) == [first_pictures[0]], "but never before anything else"
    for odd in (picture("A-1", 7, markup='{"inline_keyboard": []}'), picture("A-1", 7, thread_id=3)):
        assert leading_run([first_pictures[0], odd]) == [first_pictures[0]]
        assert len(leading_run([alert("A-1"), odd, alert("A-2")])) == 1, "only album pictures are passed over"


def test_a_backlog_of_alerts_goes_as_one_message_and_stops_at_a_notice_that_cannot_join() -> None:
    plain = TelegramNotice(key="tell", chat_id=1005, text="Recordatorio")
    batch = [alert("A-1"), alert("A-2"), plain, alert("A-3")]
    assert leading_run(batch) == batch[:2]
    assert leading_run(batch[2:]) == [plain], "a notice without a label keeps its own message"
    assert leading_run(batch[3:]) == batch[3:]


def test_a_reply_a_thread_or_a_file_keeps_its_own_message() -> None:
    for odd in (
        alert("A-2", reply_to="anomaly:1:message_id"),
        alert("A-2", quote_message_id=7),
        alert("A-2", thread_id=3),
        alert("A-2", kind=NoticeKind.PHOTO, evidence_id=1),
    ):
        assert len(leading_run([alert("A-1"), odd])) == 1
        assert len(leading_run([odd, alert("A-1")])) == 1


def test_a_message_never_passes_telegrams_limits_on_text_or_buttons() -> None:
    half = "x" * ((MAX_TEXT - len(SEPARATOR)) // 2)
    assert len(leading_run([alert("A-1", half), alert("A-2", half), alert("A-3", "y")])) == 2
    emoji = "🚨" * (MAX_TEXT // 2)  # two UTF-16 units each: the limit is already reached
    assert len(leading_run([alert("A-1", emoji), alert("A-2", "y")])) == 1
    many = [alert(f"A-{n}", buttons=2) for n in range(MAX_BUTTONS)]
    assert len(leading_run(many)) == MAX_BUTTONS // 2


def test_the_shared_message_labels_each_button_with_its_case_one_to_a_row() -> None:
    text, markup = joined([alert("A-1"), alert("A-2", buttons=1)])
    assert text == f"🚨 Anomalía A-1{SEPARATOR}🚨 Anomalía A-2"
    rows = json.loads(markup or "{}")["inline_keyboard"]
    assert [[(b["text"], b["callback_data"]) for b in row] for row in rows] == [
        [("Botón 0 · A-1", "anm:0:A-1")],
        [("Botón 1 · A-1", "anm:1:A-1")],
        [("Botón 0 · A-2", "anm:0:A-2")],
    ]


def test_a_closing_paragraph_every_alert_ends_with_is_said_once_so_more_alerts_fit() -> None:
    closing = "\n\nConfirme con «Recibido»."
    texts = [f"🚨 Anomalía A-{n}\n\nPersona {n} en el portón{closing}" for n in (1, 2)]
    text, _ = joined([alert("A-1", texts[0]), alert("A-2", texts[1])])
    assert (
        text
        == f"🚨 Anomalía A-1\n\nPersona 1 en el portón{SEPARATOR}🚨 Anomalía A-2\n\nPersona 2 en el portón{closing}"
    )
    text, _ = joined([alert("A-1", texts[0]), alert("A-3", "🚨 Anomalía A-3\n\nOtro cierre.")])
    assert text == f"{texts[0]}{SEPARATOR}🚨 Anomalía A-3\n\nOtro cierre.", "different closings: each keeps its own"
    body = "x" * ((MAX_TEXT - len(SEPARATOR) - len(closing)) // 2)
    fitting = [alert(f"A-{n}", body + closing) for n in (1, 2, 3)]
    assert len(leading_run(fitting)) == 2, "the closing counted once: two fit where, each with its own, one would"


def test_a_backlog_with_a_brief_for_each_notice_is_a_list_of_briefs_and_the_closing_once() -> None:
    closing = "\n\nConfirme con «Recibido»."
    full = [f"🚨 Anomalía A-{n}\nCategoría: Otro\nCámaras: -\n\nPersona {n} en el portón{closing}" for n in (1, 2)]
    run = [alert(f"A-{n}", full[n - 1], brief=f"🚨 A-{n} · Otro\nPersona {n} en el portón") for n in (1, 2)]
    assert joined(run)[0] == f"🚨 A-1 · Otro\nPersona 1 en el portón\n\n🚨 A-2 · Otro\nPersona 2 en el portón{closing}"
    assert joined(run[:1])[0] == full[0], "alone, an alert says everything, labels and all"
    without = alert("A-3", f"🚨 Anomalía A-3\n\nPersona 3{closing}")
    expected = f"{full[0].removesuffix(closing)}{SEPARATOR}{without.text}"
    assert joined([run[0], without])[0] == expected, "one without a brief: every alert says it all"


def test_briefs_fit_more_alerts_in_a_message_than_whole_texts() -> None:
    closing = "\n\nConfirme con «Recibido»."
    full = [alert(f"A-{n}", "x" * 200 + closing) for n in range(MAX_BUTTONS // 2)]
    briefs = [alert(f"A-{n}", "x" * 200 + closing, brief="y" * 80) for n in range(MAX_BUTTONS // 2)]
    assert len(leading_run(briefs)) >= 2 * len(leading_run(full)) > 2


def test_a_lone_notice_goes_exactly_as_it_was_queued() -> None:
    lone = alert("A-1")
    assert joined([lone]) == (lone.text, lone.markup)
