"""100 anomaly reports in one burst: how fast the administrator is alerted and e-mailed, and
whether anything is lost, doubled, or refused by Telegram's flood limits.

The bot runs as `python -m bot run` with its rate limiter on, against the tests' fake Bot API
with Telegram's limits enforced (about 20 messages a minute into one group, 30 a second overall,
and into one private chat a short burst, then one a second) and a real SMTP server (aiosmtpd).
20 technicians file 5 reports each from their private chats; no camera snapshots (their capture
time is measured by bench/snapshot.py). All 100 are for one site, so one administrator gets every
alert: the hardest case, as one message a second into his chat is then a limit of its own;
`--sites N` spreads them over N sites, each with its own administrator.

- single_alert_s / single_mail_s: one report on its own first, as a shift usually sees them;
- notify_p50_s: from the report reaching the bot to the administrator's private alert;
- mail_p50_s: from the report reaching the bot to the SMTP server accepting the alert e-mail;
- lost / duplicated: reports whose alert or e-mail never came, or came twice (must be 0);
- telegram_429: flood-limit refusals (must be 0: the bot queues instead);
- where the time goes: filed_p50_s (from the report reaching the bot to its row being stored),
  alert_messages (messages the administrators got for the 100: a backlog shares one) and
  bot_cpu_s (CPU the bot used from the burst to its last alert and e-mail);
- machine: how fast this machine was just before the burst and once everything was sent (plain
  Python, and a hand-over to a thread: bench/bot_process.py machine_speed), since every figure
  scales with it.
The group's reports drain at Telegram's pace (100 at 20 a minute: about 5 minutes); the bench waits
for them, so the 429 count covers everything. Last line: one JSON object.

Run: .venv/bin/python bench/anomaly.py [--sites N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bot_process import cpu_seconds, in_service, machine_speed, start_bot
from tests.fake_telegram import FakeTelegram
from tests.mail_servers import SmtpServer

GROUP, FIRST_ADMIN, TECHNICIANS, REPORTS = -1001000000001, 7001, 20, 100
NUMBER = re.compile(r"A-\d{4}-(\d{4})")


def unit_file(directory: Path, sites: int) -> Path:
    """20 technicians; `sites` land borders (frontera0, frontera1…), each with its own administrator."""
    technicians = [
        f"  - {{id: tec.{n}, name: Técnico {n}, role: tecnico, telegram_id: {5000 + n}}}" for n in range(TECHNICIANS)
    ]
    administrators = [
        f"  - {{id: adm.{k}, name: Administrador {k}, role: administrador, email: adm{k}@aduana.test, "
        f'phone: "+503 2420-10{k:02}", telegram_id: {FIRST_ADMIN + k}}}'
        for k in range(sites)
    ]
    places = [
        f"  - {{code: frontera{k}, name: Aduana Frontera {k}, kind: frontera_terrestre, administrators: [adm.{k}]}}"
        for k in range(sites)
    ]
    path = directory / "vigia.yaml"
    path.write_text(
        f"group: {{chat_id: {GROUP}}}\npeople:\n" + "\n".join(technicians + administrators) + "\n"
        "sites:\n" + "\n".join(places) + "\n"
        'shifts: [{name: día, start: "06:00", end: "18:00"}, {name: noche, start: "18:00", end: "06:00"}]\n',
        encoding="utf-8",
    )
    return path


async def smtp_arrivals(smtp: SmtpServer, count: int, before: int) -> dict[int, list[float]]:
    """Arrival time of each accepted mail after the first `before`, by report number, waiting on the
    server's condition."""
    arrivals: dict[int, list[float]] = {}
    for seen in range(before + 1, before + count + 1):
        try:
            received = await smtp.wait_for(seen)
        except TimeoutError:
            break
        match = NUMBER.search(str(received[seen - 1].message["Subject"]))
        if match:
            arrivals.setdefault(int(match.group(1)), []).append(time.monotonic())
    return arrivals


async def main(sites: int) -> None:
    admins = {FIRST_ADMIN + k for k in range(sites)}
    fake, smtp = FakeTelegram(rate_limits=True), SmtpServer()
    await fake.start()
    await smtp.start()
    workdir = Path(tempfile.mkdtemp(prefix="vigia-bench-anomaly-"))
    fake.group(GROUP, "UTMV")
    for admin in admins:
        fake.private_chat(fake.user(admin, f"Admin{admin}"))
    users = [fake.user(5000 + n, f"Tec{n}") for n in range(TECHNICIANS)]
    chats = [fake.private_chat(user) for user in users]
    bot = await start_bot(
        fake,
        workdir,
        unit_file(workdir, sites),
        TELEGRAM_RATE_LIMIT="true",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp.port),
        SMTP_SECURITY="none",
        SMTP_FROM="Vigía <vigia@aduana.test>",
    )
    try:
        await in_service(fake, bot)
        mark, alone = fake.mark(), time.monotonic()
        fake.send_text(users[0], chats[0], "/anomalia frontera0 Persona sola rondando el portón")
        single_alert = (await fake.wait_for("sendMessage", after=mark, chat_id=FIRST_ADMIN, timeout=60)).at - alone
        await smtp.wait_for(1)
        single_mail = time.monotonic() - alone
        mail_task = asyncio.create_task(smtp_arrivals(smtp, REPORTS, before=1))
        speed_before = machine_speed()
        mark, sent_at, cpu_before, wall_start = fake.mark(), [], cpu_seconds(bot.pid), datetime.now(UTC)
        for n in range(REPORTS):
            sent_at.append(time.monotonic())
            report = f"/anomalia frontera{n % sites} Persona {n} rondando el portón"
            fake.send_text(users[n % TECHNICIANS], chats[n % TECHNICIANS], report)
        index, seen = mark, set()
        while len(seen) < REPORTS:
            try:
                call = await fake.wait_for("sendMessage", after=index, chat_id=admins.__contains__, timeout=120)
            except AssertionError:
                break
            seen.update(NUMBER.findall(call.params["text"]))
            index = call.index + 1
        mails = await mail_task
        bot_cpu = cpu_seconds(bot.pid) - cpu_before
        index = mark
        for _ in range(REPORTS):  # the burst's group reports, at Telegram's pace
            call = await fake.wait_for("sendMessage", after=index, chat_id=GROUP, text_contains="🚨", timeout=120)
            index = call.index + 1
        # once all is sent: timed while the fake is still taking messages, it would hold them up and
        # stamp them all at once, which read as a burst past Telegram's limit of 30 a second
        speed = {"before": speed_before, "after": machine_speed()}
    finally:
        bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), timeout=60)
        await smtp.stop()
        await fake.stop()
    alerts: dict[int, list[float]] = {}
    for call in fake.calls[mark:]:  # counted once all is drained, so a late copy counts as doubled
        if call.method == "sendMessage" and call.ok and call.params.get("chat_id") in admins:
            for number in NUMBER.findall(call.params["text"]):  # a backlog's alerts share a message
                alerts.setdefault(int(number), []).append(call.at)
    numbers = range(2, REPORTS + 2)  # number 1 was the lone report
    with sqlite3.connect(workdir / "bench.db") as db:
        stored = dict(db.execute("SELECT seq, created_at FROM anomaly").fetchall())
    filed = [
        (datetime.fromisoformat(stored[k]).replace(tzinfo=UTC) - wall_start).total_seconds()
        - (sent_at[k - 2] - sent_at[0])
        for k in numbers
        if k in stored
    ]
    notify = [(alerts[k][0] - sent_at[k - 2]) for k in numbers if k in alerts]
    mail = [(mails[k][0] - sent_at[k - 2]) for k in numbers if k in mails]
    lost = sum(1 for k in numbers if k not in alerts or k not in mails)
    duplicated = sum(1 for k in numbers if len(alerts.get(k, [])) > 1 or len(mails.get(k, [])) > 1)
    refused = sum(1 for call in fake.calls if call.error_code == 429)
    result = {
        "single_alert_s": round(single_alert, 3),
        "single_mail_s": round(single_mail, 3),
        "notify_p50_s": round(statistics.median(notify), 3) if notify else None,
        "mail_p50_s": round(statistics.median(mail), 3) if mail else None,
        "lost": lost,
        "duplicated": duplicated,
        "telegram_429": refused,
        "filed_p50_s": round(statistics.median(filed), 3) if filed else None,
        "alert_messages": sum(
            1 for c in fake.calls[mark:] if c.method == "sendMessage" and c.params.get("chat_id") in admins and c.ok
        ),
        "bot_cpu_s": round(bot_cpu, 2),
        "machine": speed,
    }
    print(f"one report alone: alert {result['single_alert_s']} s, e-mail {result['single_mail_s']} s")
    print(
        f"{REPORTS} reports: alert p50 {result['notify_p50_s']} s (p95 "
        f"{round(statistics.quantiles(notify, n=20)[-1], 3) if len(notify) > 1 else None} s), e-mail p50 "
        f"{result['mail_p50_s']} s; lost {lost}, duplicated {duplicated}, 429 refusals {refused}"
    )
    print(
        f"where the time goes: stored p50 {result['filed_p50_s']} s after arriving; {result['alert_messages']} "
        f"messages to the administrators; the bot used {result['bot_cpu_s']} s of CPU for the burst "
        f"(this machine before and after it: {speed['before']}, {speed['after']})"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sites", type=int, default=1, help="spread the burst over this many sites, each with its own administrator"
    )
    asyncio.run(main(parser.parse_args().sites))
