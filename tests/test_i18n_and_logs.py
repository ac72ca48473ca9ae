"""Catalogues that match across languages, escaping by default, and logs without secrets."""

from __future__ import annotations

import logging
import string

import pytest

from bot.i18n import CATALOGS, Html, language_for, t
from bot.logs import RedactingFilter, redact

TOKEN = "123456789:TEST-TOKEN-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_exists_in_both_languages_with_the_same_placeholders() -> None:
    assert CATALOGS["es"].keys() == CATALOGS["en"].keys()
    for key, spanish in CATALOGS["es"].items():
        assert placeholders(spanish) == placeholders(CATALOGS["en"][key]), key


def test_it_escapes_user_text_but_not_our_markup() -> None:
    rendered = t("es", "access.unknown_in_group", name="<b>Eve</b> & co")
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; co" in rendered
    assert "<code>X</code>" in t("en", "error.internal", ref=Html("X")).replace("&lt;", "")


@pytest.mark.parametrize(
    ("configured", "telegram", "expected"),
    [("en", "es", "en"), ("es", "en-US", "es"), (None, "en-GB", "en"), (None, "pt-BR", "es"), (None, None, "es")],
)
def test_it_picks_the_language(configured: str | None, telegram: str | None, expected: str) -> None:
    assert language_for(configured, telegram) == expected


def test_it_redacts_tokens_and_url_passwords() -> None:
    line = f"POST https://api.telegram.org/bot{TOKEN}/getMe rtsp://admin:hunter2@10.0.0.1/stream smtp-pass"
    cleaned = redact(line, ["smtp-pass"])
    assert TOKEN not in cleaned and "hunter2" not in cleaned and "smtp-pass" not in cleaned
    assert "rtsp://admin:***@10.0.0.1/stream" in cleaned


def test_the_filter_cleans_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redaction")
    caplog.handler.addFilter(RedactingFilter(["camera-secret"]))
    try:
        raise RuntimeError(f"failed with camera-secret and {TOKEN}")
    except RuntimeError:
        logger.exception("while calling %s", f"https://api.telegram.org/bot{TOKEN}/sendMessage")
    assert TOKEN not in caplog.text and "camera-secret" not in caplog.text
    assert "RuntimeError: failed with *** and ***" in caplog.text
