"""The CallbackContext our handlers receive: typed access to services and to the caller.

PTB builds one context per update and shares it between handler groups, so the access gate
(group -2) can attach the caller's Person for every handler after it.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Language, language_for
from bot.services import Services
from storage.people import Person

SERVICES_KEY = "services"


class VigiaContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    person: Person | None = None
    telegram_language: str | None = None

    @property
    def services(self) -> Services:
        return self.bot_data[SERVICES_KEY]

    @property
    def language(self) -> Language:
        return language_for(self.person.language if self.person else None, self.telegram_language)


VigiaApplication = Application[ExtBot[None], VigiaContext, dict, dict, dict, object]
