"""The bot process killed with SIGKILL in the middle of a workflow, then started again.

Each scenario runs `python -m bot run` (as bench/bot_process.py does) on an SQLite file against
`FlakyTelegram`, holds one Bot API request the workflow makes right after its database commit,
kills the process while it waits on it, changes nothing but the clock-dependent columns (as if the
bot had been down for a while) and starts it again. The tests of each scenario read its outcome:
the database, every call Telegram saw, every mail the SMTP server accepted.

SMTP is configured only for the second run, so each mail's one delivery is after the crash (a kill
during an SMTP session is the outbox's documented at-least-once case: tests/resilience/test_mail.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import GROUP_ID, PERSONAS
from tests.resilience.process import BotProcess, Outcome, run_scenario

# One worker runs the module, so each scenario (two starts of a process) runs once, not on every worker.
pytestmark = pytest.mark.xdist_group("kill")

LUIS, SONIA, CARLOS, MARTA = 1005, 1009, 1003, 1004
WAIT_S = 30  # deadlines, not sleeps: a loaded 2-core machine may take a while


def buttons(message: dict | None) -> list[str]:
    rows = (message or {}).get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


# ------------------------------------------------------------------------------ an anomaly just filed


@pytest.fixture(scope="module")
def anomaly(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """Ana files an urgent anomaly; the bot is killed while the group's report is on its way to Telegram
    (after the private alert and the call list). While it is down, the 10-minute "Recibido" delay
    passes. Then it starts again."""

    async def scenario(bot: BotProcess) -> dict[str, Any]:
        fake = bot.fake
        await bot.start(mail=False)
        report = fake.hold("sendMessage", chat_id=GROUP_ID, text_contains="🚨 <b>A-")
        mark = bot.send("tec.ana", "/anomalia hachadura Persona merodeando el portón norte")
        await fake.wait_for("sendMessage", after=mark, chat_id=LUIS, text_contains="Anomalía A-", timeout=WAIT_S)
        await fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Llame primero", timeout=WAIT_S)
        await fake.wait_held(report, timeout=WAIT_S)
        await bot.recorded("anomalia:1:alert:", timeout=WAIT_S)  # chats are delivered side by side
        await bot.kill()
        bot.shift_back("anomaly", "created_at", 11)
        restart = fake.mark()
        await bot.start(mail=True)
        await fake.wait_for("sendMessage", after=restart, chat_id=SONIA, text_contains="Anomalía A-", timeout=WAIT_S)
        await fake.wait_for("sendMessage", after=restart, chat_id=CARLOS, text_contains="suplente", timeout=WAIT_S)
        await bot.mails(1, timeout=WAIT_S)
        listing = await bot_reply(bot, "coord.carlos", "/anomalias")
        return {"restart": restart, "listing": listing}

    return run_scenario(tmp_path_factory.mktemp("kill-anomaly"), scenario)


async def bot_reply(bot: BotProcess, who: str, text: str) -> str:
    """A command in private and its answer: also proves every earlier update has been handled."""
    mark = bot.send(who, text, "private")
    call = await bot.fake.wait_for("sendMessage", after=mark, chat_id=PERSONAS[who][0], timeout=WAIT_S)
    return str(call.params["text"])


def test_it_keeps_the_filed_anomaly_and_its_notices(anomaly: Outcome) -> None:
    """Fault: SIGKILL right after the anomaly's commit, alert and call list. Expected: the case is in
    the database, open, with Luis's notice marked as alerted and Sonia's as the backup."""
    (case,) = anomaly.rows("SELECT 'A-' || year || '-' || printf('%04d', seq), status FROM anomaly")
    assert case[0].endswith("-0001") and case[1] == "abierta" and case[0] in anomaly.notes["listing"]
    notices = anomaly.rows(
        "SELECT p.key, n.backup, n.notified_at IS NOT NULL, n.ack_escalated_at IS NOT NULL"
        " FROM anomaly_notice n JOIN person p ON p.id = n.person_id ORDER BY n.id"
    )
    assert notices == [("adm.luis", 0, 1, 1), ("adm.sonia", 1, 1, 0)]


def test_it_sends_nothing_twice_after_the_kill(anomaly: Outcome) -> None:
    """Expected: Luis's alert and the call list were sent before the kill and are not sent again; his
    e-mail goes once, after the restart."""
    assert len(anomaly.sent(chat_id=LUIS, text_contains="Anomalía A-")) == 1
    assert len(anomaly.sent(chat_id=GROUP_ID, text_contains="Llame primero")) == 1
    (mail,) = anomaly.mails_to("luis@aduana.test")
    assert "[A-" in str(mail.message["Subject"]) and len(anomaly.mails) == 1


def test_it_catches_up_the_escalation_that_fell_due_while_down_once(anomaly: Outcome) -> None:
    """Expected: no "Recibido" while the bot was down: at start-up the backup administrator is alerted
    and the coordinator told, each once."""
    after = anomaly.notes["restart"]
    assert len([c for c in anomaly.sent(chat_id=SONIA, text_contains="Anomalía A-") if c.index >= after]) == 1
    to_carlos = [str(c.params["text"]) for c in anomaly.sent(chat_id=CARLOS) if c.index >= after]
    assert sum("Nadie ha confirmado" in t for t in to_carlos) == 1 and sum("suplente" in t for t in to_carlos) == 1


def test_it_posts_the_group_report_the_crash_cut_off(anomaly: Outcome) -> None:
    """Expected: the report the kill cut off is posted in the anomalies topic after the restart, once."""
    assert len(anomaly.sent(chat_id=GROUP_ID, text_contains="🚨 <b>A-")) == 1


# ------------------------------------------------------------------------------ a fault's triage step


@pytest.fixture(scope="module")
def triage(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """Ana opens a fault, answers step 1 ("todo normal en aduana") and presses "Enlace correcto"; the
    bot is killed after that step's commit, while it answers the button. Then it starts again, and
    Ana presses "Enlace correcto" again while the message still offers it (the restarted bot's edit
    of the message is held until she has her answer)."""

    async def scenario(bot: BotProcess) -> dict[str, Any]:
        fake = bot.fake
        await bot.start(mail=False)
        mark = bot.send("tec.ana", "/falla hachadura-1 Sin imagen desde las nueve de la mañana")
        posted = await fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="F-", timeout=WAIT_S)
        prefix = buttons(posted.result)[0].rsplit(":", 2)[0]  # fll:<id>
        mark = bot.press("tec.ana", posted.result, f"{prefix}:ans:todo_normal")
        await fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"], timeout=WAIT_S)
        answer = fake.hold("answerCallbackQuery")
        bot.press("tec.ana", posted.result, f"{prefix}:ans:enlace_correcto")
        await fake.wait_held(answer, timeout=WAIT_S)
        await bot.kill()
        restart = fake.mark()
        edit = fake.hold("editMessageText", message_id=posted.result["message_id"])
        await bot.start(mail=True)
        await fake.wait_held(edit, timeout=WAIT_S)
        mark = bot.press("tec.ana", posted.result, f"{prefix}:ans:enlace_correcto")
        again = await fake.wait_for("answerCallbackQuery", after=mark, timeout=WAIT_S)
        edit.release.set()  # type: ignore[union-attr]
        await fake.wait_for("editMessageText", after=restart, message_id=posted.result["message_id"], timeout=WAIT_S)
        await bot.mails(1, timeout=WAIT_S)
        after = fake.message(GROUP_ID, posted.result["message_id"])
        return {"message_after_restart": after, "again": again.params.get("text", ""), "prefix": prefix}

    return run_scenario(tmp_path_factory.mktemp("kill-triage"), scenario)


def test_it_keeps_the_triage_step_and_mails_the_vendor_once(triage: Outcome) -> None:
    """Fault: SIGKILL after "Enlace correcto" was committed. Expected: the fault is at the vendor step,
    the vendor's e-mail (queued in the same transaction) goes once after the restart, with the contract
    administrators in copy, and pressing the button again changes nothing and queues nothing."""
    (fault,) = triage.rows("SELECT 'F-' || year || '-' || printf('%04d', seq), stage, finding FROM fault")
    assert fault[1:] == ("proveedor", None)
    assert triage.rows("SELECT count(*) FROM outbox_mail") == [(1,)]
    (mail,) = triage.mails
    assert sorted(mail.rcpt_tos) == ["contrato@mh.test", "soporte@proveedor.test"]
    assert fault[0] in str(mail.message["Subject"])
    assert "ya" in triage.notes["again"].lower()


def test_it_shows_the_triage_step_the_crash_cut_off(triage: Outcome) -> None:
    """Expected: after the restart the fault's message shows the vendor step, without step 2's buttons."""
    message = triage.notes["message_after_restart"]
    assert f"{triage.notes['prefix']}:ans:enlace_correcto" not in buttons(message)


# ------------------------------------------------------------------------------ a handover half accepted


@pytest.fixture(scope="module")
def handover(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """Two consignas; Ana hands over; the coordinator accepts item 1 and the bot is killed after that
    commit, while it answers the button. While it is down, the 15-minute reminder falls due. Then it
    starts again and the coordinator accepts item 2."""

    async def scenario(bot: BotProcess) -> dict[str, Any]:
        fake = bot.fake
        await bot.start(mail=False)
        for text in ("Vigilar el portón norte de La Hachadura", "Revisar audio garita"):
            mark = bot.send("coord.carlos", f"/consigna {text}")
            await fake.wait_for("sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Consigna #", timeout=WAIT_S)
        mark = bot.send("tec.ana", "/relevo")
        posted = await fake.wait_for(
            "sendMessage", after=mark, chat_id=GROUP_ID, text_contains="Relevo</b> del turno", timeout=WAIT_S
        )
        answer = fake.hold("answerCallbackQuery")
        bot.press("coord.carlos", posted.result, "rlv:1:1")
        await fake.wait_held(answer, timeout=WAIT_S)
        await bot.kill()
        bot.shift_back("handover", "created_at", 16)
        restart = fake.mark()
        await bot.start(mail=False)
        await fake.wait_for(
            "sendMessage", after=restart, chat_id=GROUP_ID, text_contains="Relevo sin aceptar", timeout=WAIT_S
        )
        half = bot.fake.message(GROUP_ID, posted.result["message_id"])
        mark = bot.press("coord.carlos", posted.result, "rlv:1:2")
        await fake.wait_for("editMessageText", after=mark, message_id=posted.result["message_id"], timeout=WAIT_S)
        await bot_reply(bot, "coord.carlos", "/consignas")
        consigna_messages = [
            fake.message(GROUP_ID, c.result["message_id"])
            for c in fake.calls
            if c.method == "sendMessage" and c.ok and str(c.params.get("text", "")).startswith("<b>Consigna #")
        ]
        return {"restart": restart, "half": half, "consignas": consigna_messages, "done": posted.result}

    return run_scenario(tmp_path_factory.mktemp("kill-handover"), scenario)


def test_it_keeps_the_half_accepted_handover_and_completes_it(handover: Outcome) -> None:
    """Fault: SIGKILL after item 1 was accepted. Expected: item 1 stays accepted by the coordinator;
    accepting item 2 after the restart completes the handover, and both consignas are his."""
    items = handover.rows("SELECT ref, accepted_by_id FROM handover_item ORDER BY id")
    (carlos,) = handover.rows("SELECT id FROM person WHERE key = 'coord.carlos'")
    assert items == [("1", carlos[0]), ("2", carlos[0])]
    assert handover.rows("SELECT accepted_at IS NOT NULL FROM handover") == [(1,)]
    assert handover.rows("SELECT holder_id FROM consigna ORDER BY id") == [carlos, carlos]


def test_it_sends_the_reminder_that_fell_due_while_down_once_and_nothing_twice(handover: Outcome) -> None:
    """Expected: the group reminder once (caught up at start-up), the handover and each consigna
    posted once."""
    assert len(handover.sent(chat_id=GROUP_ID, text_contains="Relevo sin aceptar")) == 1
    assert len(handover.sent(chat_id=GROUP_ID, text_contains="Relevo</b> del turno")) == 1
    assert len(handover.sent(chat_id=GROUP_ID, text_contains="<b>Consigna #1</b>")) == 1


def test_it_shows_the_new_holder_on_the_consigna_the_crash_cut_off(handover: Outcome) -> None:
    """Expected: after the handover completes, each consigna's message names the coordinator as holder."""
    assert all("La tiene: Carlos Rivas" in (m or {}).get("text", "") for m in handover.notes["consignas"])


# ------------------------------------------------------------------------------ a report approval


@pytest.fixture(scope="module")
def approval(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """The chief asks for the last period's report and presses "Aprobar y enviar"; the bot is killed
    after the approval's commit, while it answers the button. Then it starts again and she presses
    the button again."""

    async def scenario(bot: BotProcess) -> dict[str, Any]:
        fake = bot.fake
        await bot.start(mail=False)
        mark = bot.send("jefe.marta", "/reporte", "private")
        pdf = await fake.wait_for("sendDocument", after=mark, chat_id=MARTA, text_contains="R-", timeout=WAIT_S)
        (approve, _) = buttons(pdf.result)
        answer = fake.hold("answerCallbackQuery")
        bot.press("jefe.marta", pdf.result, approve)
        await fake.wait_held(answer, timeout=WAIT_S)
        await bot.kill()
        restart = fake.mark()
        await bot.start(mail=True)
        await bot.mails(1, timeout=WAIT_S)
        mark = bot.press("jefe.marta", pdf.result, approve)
        again = await fake.wait_for("answerCallbackQuery", after=mark, timeout=WAIT_S)
        return {"restart": restart, "again": again.params.get("text", ""), "number": pdf.params["caption"]}

    return run_scenario(tmp_path_factory.mktemp("kill-approval"), scenario)


def test_it_keeps_the_approval_and_mails_the_report_once(approval: Outcome) -> None:
    """Fault: SIGKILL after the approval was committed. Expected: the report stays approved by the
    chief, its e-mail to the Dirección General (queued in the same transaction) goes once with the PDF
    and the XLSX, and a second press says it is approved already."""
    (marta,) = approval.rows("SELECT id FROM person WHERE key = 'jefe.marta'")
    assert approval.rows("SELECT approved_by_id FROM report") == [marta]
    assert approval.rows("SELECT count(*) FROM outbox_mail") == [(1,)]
    (mail,) = approval.mails
    assert mail.rcpt_tos == ["direccion@mh.test"]
    names = sorted(part.get_filename() for part in mail.message.iter_attachments())
    assert names[0].endswith(".pdf") and names[1].endswith(".xlsx")
    assert "aprobado" in approval.notes["again"]


def test_it_confirms_the_approval_the_crash_cut_off(approval: Outcome) -> None:
    """Expected: the chief gets the approval's confirmation once."""
    assert len(approval.sent(chat_id=MARTA, text_contains="aprobado")) == 1
