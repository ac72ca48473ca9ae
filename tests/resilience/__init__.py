"""Resilience: what the bot does when Telegram, mail, the process, the cameras or the database fail.

Each test injects one fault into a real part (the fake Bot API over HTTP, aiosmtpd, Dovecot, the
bot as its own process, HTTP and RTSP cameras, SQLite and PostgreSQL) and checks what came out:
delivered once and in order, lost, doubled, or bounded. What the bot does not survive is marked
`xfail(strict=True)` with exactly what is lost, so it shows in every run until it is fixed.
"""
