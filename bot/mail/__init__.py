"""E-mail for every workflow: a database outbox delivered by SMTP, an inbox of replies read over IMAP.

What other workflows use:

- `await enqueue(session, ref=..., to=..., subject=..., text=..., now=...)` inside their own unit of
  work (`services.db.write()`), so the mail commits with the state change that caused it;
- `register_reply_handler("A-", handler, find)`: `handler(services, ref, reply)` gets the replies
  about cases whose number starts with "A-"; `find(session, year, sequence)` looks up the case a
  number named in a subject is (None: mistyped);
- `storage.mail.mails_for_ref(session, ref)` / `replies_for_ref`: what was sent and received for a case.

The jobs in jobs/mail.py deliver (every 30 s) and read the inbox (every 60 s); bot/mail/alarms.py
tells people about mail given up or stuck.
"""

from bot.mail.compose import Attachment, MailError, domain_of
from bot.mail.inbox import IncomingReply, ReplyHandler, register_reply_handler
from bot.mail.outbox import enqueue

__all__ = ["Attachment", "IncomingReply", "MailError", "ReplyHandler", "domain_of", "enqueue", "register_reply_handler"]
