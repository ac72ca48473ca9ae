"""The SMTP transport (aiosmtplib): one connection per delivery run, errors sorted at the edge.

Every failure becomes a `SendError` that says two things the outbox needs:
- `permanent`: the server refused this mail for good (5xx): trying again cannot help;
- `reached`: the server answered about this mail. When it could not be reached at all (refused
  connection, timeout, login refused, TLS missing) the mail is not to blame: it waits for the next
  run, however long the outage lasts, and the run stops instead of hammering a dead server.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

import aiosmtplib

from bot.settings import Settings

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10
COMMAND_TIMEOUT_S = 60  # per SMTP command, DATA included


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, reached: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.reached = reached


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.smtp_from)


class SmtpTransport:
    """`async with SmtpTransport(settings) as smtp: await smtp.send(...)`; connects on the first send."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> SmtpTransport:
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def where(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    async def _connect(self) -> aiosmtplib.SMTP:
        settings = self.settings
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            timeout=COMMAND_TIMEOUT_S,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",  # required when asked for: never falls back to plain
        )
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                await client.connect()
            if settings.smtp_username:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                await client.login(settings.smtp_username, password)
        except aiosmtplib.SMTPAuthenticationError as exc:
            client.close()
            raise SendError(
                f"{self.where} refused the login of {settings.smtp_username} ({exc.code} {exc.message})", reached=False
            ) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            client.close()
            raise SendError(f"cannot reach {self.where}: {_describe(exc)}", reached=False) from None
        return client

    async def send(self, message: bytes, sender: str, recipients: list[str]) -> dict[str, str]:
        """Send one message; returns the recipients the server refused while accepting the others."""
        if self._client is None or not self._client.is_connected:
            self._client = await self._connect()
        try:
            refused, _ = await self._client.sendmail(sender, recipients, message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            permanent = all(r.code >= 500 for r in exc.recipients)
            raise SendError(f"every recipient refused: {detail}", permanent=permanent) from None
        except aiosmtplib.SMTPSenderRefused as exc:
            # SMTP_FROM is not allowed: the configuration's fault, not this mail's; it waits for a fix.
            raise SendError(f"sender {exc.sender} refused: {exc.code} {exc.message}", reached=False) from None
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == 421 or isinstance(exc, aiosmtplib.SMTPConnectError):  # the server is going away
                self._drop()
                raise SendError(f"{self.where}: {exc.code} {exc.message}", reached=False) from None
            raise SendError(f"{exc.code} {exc.message}", permanent=exc.code >= 500) from None
        except aiosmtplib.SMTPNotSupported as exc:
            raise SendError(str(exc), permanent=True) from None
        except ValueError as exc:  # an address aiosmtplib cannot put on the wire
            raise SendError(f"invalid address: {exc}", permanent=True) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            self._drop()
            raise SendError(f"{self.where}: {_describe(exc)}", reached=False) from None
        return {address: f"{response.code} {response.message}" for address, response in refused.items()}

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def close(self) -> None:
        if self._client is None:
            return
        client, self._client = self._client, None
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
