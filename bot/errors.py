"""Errors that end start-up with a message for the operator instead of a traceback."""

from __future__ import annotations


class ConfigError(Exception):
    """The environment or the unit file is wrong; each problem names where, and the CLI exits 2."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
