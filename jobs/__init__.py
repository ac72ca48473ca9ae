"""Scheduled work on PTB's JobQueue: each workflow adds its module to JOBS with a `schedule(app)`.

Jobs call services in bot/, keep their state in the database, and catch up after downtime.
"""

from __future__ import annotations

from telegram.ext import Application

JOBS: tuple = ()


def register(app: Application) -> None:
    for module in JOBS:
        module.schedule(app)
