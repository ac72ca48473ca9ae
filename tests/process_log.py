"""The log of a bot started as its own process, read line by line as it comes, so a test can wait
for what the bot says it did (the webhook listening, a notice recorded as sent) instead of polling."""

from __future__ import annotations

import asyncio


class ProcessLog:
    def __init__(self, stream: asyncio.StreamReader | None) -> None:
        assert stream is not None, "start the process with stderr=asyncio.subprocess.PIPE"
        self.lines: list[str] = []
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read(stream))  # also keeps the pipe from filling up

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            async with self._changed:
                self.lines.append(line.decode(errors="replace"))
                self._changed.notify_all()

    async def wait_for(self, text: str, timeout: float) -> str:  # noqa: ASYNC109 - an assertion deadline
        """The first line containing `text`, once the process has written it."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: any(text in line for line in self.lines))
        except TimeoutError:
            tail = "".join(self.lines[-20:])
            raise AssertionError(f"the bot did not log {text!r} within {timeout}s; its last lines:\n{tail}") from None
        return next(line for line in self.lines if text in line)
