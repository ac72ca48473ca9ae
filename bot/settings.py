"""Process settings from the environment and `.env`: secrets and where things live.

Everything about the unit itself (people, sites, cameras) is in the YAML file named by
VIGIA_CONFIG; this module holds only what differs between deployments and what must never be
committed (tokens, passwords).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

ENV_FILE = ".env"


class Settings(BaseSettings):
    """Validated environment; field aliases are the variable names documented in .env.example."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr = Field(alias="TELEGRAM_BOT_TOKEN")
    telegram_base_url: str | None = Field(default=None, alias="TELEGRAM_BASE_URL")
    telegram_base_file_url: str | None = Field(default=None, alias="TELEGRAM_BASE_FILE_URL")
    telegram_rate_limit: bool = Field(default=True, alias="TELEGRAM_RATE_LIMIT")
    flood_burst: int = Field(default=20, ge=1, alias="FLOOD_BURST")  # updates one person may send at once
    # `vigia run --webhook`: Telegram posts updates to WEBHOOK_URL (a reverse proxy in front of
    # WEBHOOK_LISTEN:WEBHOOK_PORT) with WEBHOOK_SECRET in a header; anything else gets 403.
    webhook_url: str | None = Field(default=None, alias="WEBHOOK_URL", pattern=r"^https?://")
    webhook_secret: SecretStr | None = Field(default=None, alias="WEBHOOK_SECRET")
    webhook_listen: str = Field(default="127.0.0.1", alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8443, ge=1, le=65535, alias="WEBHOOK_PORT")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    config_path: Path = Field(default=Path("vigia.yaml"), alias="VIGIA_CONFIG")
    data_dir: Path = Field(default=Path("data"), alias="VIGIA_DATA_DIR")
    timezone: str = Field(default="America/El_Salvador", alias="VIGIA_TIMEZONE")
    log_level: str = Field(default="INFO", alias="VIGIA_LOG_LEVEL")

    smtp_host: str | None = Field(default=None, alias="SMTP_HOST")
    smtp_port: int = Field(default=587, alias="SMTP_PORT")
    smtp_username: str | None = Field(default=None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, alias="SMTP_PASSWORD")
    smtp_from: str | None = Field(default=None, alias="SMTP_FROM")
    smtp_security: str = Field(default="starttls", alias="SMTP_SECURITY")

    imap_host: str | None = Field(default=None, alias="IMAP_HOST")
    imap_port: int = Field(default=993, alias="IMAP_PORT")
    imap_username: str | None = Field(default=None, alias="IMAP_USERNAME")
    imap_password: SecretStr | None = Field(default=None, alias="IMAP_PASSWORD")
    imap_folder: str = Field(default="INBOX", alias="IMAP_FOLDER")
    imap_security: str = Field(default="tls", alias="IMAP_SECURITY")

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        if not token:
            raise ValueError("is empty: put the token @BotFather gave you (shaped like 123456789:AAE...)")
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or len(secret) < 20:
            raise ValueError("is not a bot token; @BotFather gives one shaped like 123456789:AAE...")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (expected e.g. America/El_Salvador)") from None
        return value

    @field_validator("smtp_security")
    @classmethod
    def _smtp_security(cls, value: str) -> str:
        return _one_of(value, ("starttls", "tls", "none"))

    @field_validator("imap_security")
    @classmethod
    def _imap_security(cls, value: str) -> str:
        return _one_of(value, ("tls", "starttls", "none"))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database_url_or_default(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'vigia.db'}"

    @property
    def secrets(self) -> list[str]:
        """Values that must never appear in logs or messages."""
        values = [self.telegram_bot_token, self.smtp_password, self.imap_password, self.webhook_secret]
        return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]


WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")  # Telegram's alphabet; 16+ so it is not guessable


def webhook_problems(settings: Settings) -> list[str]:
    """What `vigia run --webhook` still needs, one line each (empty: ready)."""
    problems = []
    if not settings.webhook_url:
        problems.append("WEBHOOK_URL is required with --webhook (the public https URL Telegram posts to)")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not WEBHOOK_SECRET.match(secret):
        problems.append("WEBHOOK_SECRET is required with --webhook: 16 to 256 of A-Z, a-z, 0-9, _ and -")
    return problems


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    lowered = value.strip().lower()
    if lowered not in allowed:
        raise ValueError(f"must be one of {', '.join(allowed)}")
    return lowered


def load_settings(env_file: str | Path | None = ENV_FILE) -> Settings:
    """Read settings, turning pydantic's errors into ones that name the variable and its line."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(_describe(exc, Path(env_file) if env_file else None)) from None


def _describe(exc: ValidationError, env_file: Path | None) -> list[str]:
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required but not set"
        problems.append(f"{_where(name, env_file)}: {name} {message}")
    return problems


def _where(name: str, env_file: Path | None) -> str:
    """Point at the .env line that set a variable, unless the process environment overrides it."""
    if name in os.environ or env_file is None or not env_file.is_file():
        return "environment"
    for number, line in enumerate(env_file.read_text(encoding="utf-8").splitlines(), start=1):
        key = line.split("=", 1)[0].strip().removeprefix("export ").strip()
        if key == name:
            return f"{env_file}:{number}"
    return "environment"
