"""The fake Bot API with the faults a real network has, and helpers to read what the bot delivered.

`FlakyTelegram` is `FakeTelegram` plus:
- `fail(method, error_code=..., description=..., retry_after=..., times=..., **match)`: like `fail_next`,
  but only for the calls whose parameters match (the same matching as `wait_for`), so a test can fail
  "the alert to Luis" and not the message before it;
- `slow(method, seconds, **match)`: Telegram does the work, then answers `seconds` late (a client
  that gives up first never learns the message was delivered);
- `hold(method, **match)`: the request waits before Telegram looks at it, until released or until the
  client goes away (a process killed while it waits: that message never arrives);
- `go_down()` / `come_back()`: connections refused, then the same server on the same port again.

Everything Telegram stored is kept across an outage, as it would be: updates sent meanwhile wait.
"""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fake_telegram import ApiError, Call, FakeTelegram
from tests.fake_telegram.server import _matches
from tests.harness import BotHarness
from tests.ports import unassigned_port

_answer_late = contextvars.ContextVar[float]("answer_late", default=0.0)
SENDS = ("sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendVideo")


@dataclass
class Rule:
    method: str
    match: dict[str, Any]
    times: int
    error: ApiError | None = None
    seconds: float = 0.0
    release: asyncio.Event | None = None  # holds: set it to let the request through
    reached: asyncio.Event | None = None  # holds: set when a request is waiting on this rule
    hits: int = 0

    def applies(self, method: str, params: dict[str, Any]) -> bool:
        if self.hits >= self.times or method.lower() != self.method.lower():
            return False
        if not _matches(Call(index=-1, method=method, params=params, files={}), self.match):
            return False
        self.hits += 1
        return True


class FlakyTelegram(FakeTelegram):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.errors: list[Rule] = []
        self.delays: list[Rule] = []
        self.holds: list[Rule] = []

    # ---------------------------------------------------------------- faults

    def fail(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
        **match: Any,
    ) -> Rule:
        error = ApiError(error_code, description, retry_after=retry_after, migrate_to_chat_id=migrate_to_chat_id)
        rule = Rule(method, match, times, error=error)
        self.errors.append(rule)
        return rule

    def slow(self, method: str, seconds: float, *, times: int = 1, **match: Any) -> Rule:
        rule = Rule(method, match, times, seconds=seconds)
        self.delays.append(rule)
        return rule

    def hold(self, method: str, *, times: int = 1, **match: Any) -> Rule:
        """`await rule.reached.wait()`: the bot is waiting on Telegram; `rule.release.set()` lets it through."""
        rule = Rule(method, match, times, release=asyncio.Event(), reached=asyncio.Event())
        self.holds.append(rule)
        return rule

    async def wait_held(self, rule: Rule, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - an assertion deadline
        """Return once a request is waiting on the hold `rule`."""
        assert rule.reached is not None
        try:
            async with asyncio.timeout(timeout):
                await rule.reached.wait()
        except TimeoutError:
            raise AssertionError(f"no {rule.method} matching {rule.match} was sent within {timeout}s") from None

    async def go_down(self) -> int:
        """Stop serving: connections to the port are refused until `come_back`. Returns the port."""
        assert self._runner is not None and self._port is not None
        port, runner, self._runner = self._port, self._runner, None
        self.updates.close()  # wake the parked long poll, so the server closes at once
        await runner.cleanup()
        self.updates.closed = False
        return port

    async def come_back(self) -> None:
        """Serve again on the same port (the bot's base URL names it), with every message kept."""
        assert self._runner is None and self._port is not None
        await self._serve(self._port)

    # ---------------------------------------------------------------- plumbing

    async def start(self) -> None:
        await self._serve(unassigned_port())  # it comes back on this port after `go_down`

    async def _serve(self, port: int) -> None:
        app = web.Application(client_max_size=max(2 * self.upload_limit, 1 << 20))
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self._runner, self._port = runner, runner.addresses[0][1]

    async def _handle_api(self, request: web.Request) -> web.Response:
        _answer_late.set(0.0)
        response = await super()._handle_api(request)
        late = _answer_late.get()
        if late:
            await asyncio.sleep(late)  # the fault itself: Telegram answers late
        return response

    async def _read_request(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
        params, uploads = await super()._read_request(request)
        method = request.match_info["method"]
        for rule in self.holds:
            if rule.applies(method, params):
                assert rule.release is not None and rule.reached is not None
                rule.reached.set()
                await rule.release.wait()
        for rule in self.delays:
            if rule.applies(method, params):
                _answer_late.set(rule.seconds)
        return params, uploads

    def _check_rate_limits(self, method: str, params: dict[str, Any]) -> None:
        for rule in self.errors:
            if rule.applies(method, params):
                assert rule.error is not None
                raise rule.error
        super()._check_rate_limits(method, params)


# -------------------------------------------------------------------- reading what was delivered


def delivered(fake: FakeTelegram, after: int = 0, **match: Any) -> list[Call]:
    """Messages Telegram accepted (any send method) whose parameters match, oldest first."""
    return [c for c in fake.calls[after:] if c.method in SENDS and c.ok and _matches(c, match)]


def texts_to(fake: FakeTelegram, chat_id: int, after: int = 0) -> list[str]:
    """What one chat received, in order: each message's text or caption (the album's first caption)."""
    out = []
    for call in delivered(fake, after, chat_id=chat_id):
        media = call.params.get("media")
        first = media[0].get("caption") if isinstance(media, list) and media else None
        out.append(str(call.params.get("text") or call.params.get("caption") or first or f"<{call.method}>"))
    return out


def count(fake: FakeTelegram, phrase: str, after: int = 0, **match: Any) -> int:
    """How many delivered messages contain `phrase`."""
    return len(delivered(fake, after, text_contains=phrase, **match))


async def with_rate_limiter(bot: BotHarness) -> None:
    """As deployed: `TELEGRAM_RATE_LIMIT` is on by default (the harness turns it off for speed)."""
    bot.settings = bot.settings.model_copy(update={"telegram_rate_limit": True})
    await bot.restart()
