"""The registration form's `solicitante` line, as a table: the address kept is one the mail outbox
accepts (its own rule), so no later step can fail on it; one it would refuse is sent back to be typed
again, named, before anything is registered."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.mail.compose import addresses
from bot.solicitudes_form import Form, Problem, parse_form
from bot.unit_config import load_unit_config
from tests.conftest import TEST_ENV

FORM = "tipo: interna\nunidad: UGR\ncanal: memorándum\nsolicitante: {requester}\npide: Video del carril de entrada"


def parsed(unit_file: Path, requester: str) -> Form | list[Problem]:
    unit = load_unit_config(unit_file, env=TEST_ENV)
    return parse_form(FORM.format(requester=requester), unit, date(2026, 12, 4), ZoneInfo("America/El_Salvador"))


@pytest.mark.parametrize(
    ("requester", "name", "email"),
    [
        ("Ana Pérez <ana.perez@mh.test>", "Ana Pérez", "ana.perez@mh.test"),
        ("Ana Pérez, ana.perez@mh.test", "Ana Pérez", "ana.perez@mh.test"),
        ("Ana Pérez, ana.perez@mh.test.", "Ana Pérez", "ana.perez@mh.test"),  # the sentence's dot
        ("Fiscal Ruiz (ruiz@fgr.test)", "Fiscal Ruiz", "ruiz@fgr.test"),
        ("<ruiz@fgr.test> Fiscal Ruiz", "Fiscal Ruiz", "ruiz@fgr.test"),
        ("Lic. Ana Pérez ana.perez@mh.gob.sv", "Lic. Ana Pérez", "ana.perez@mh.gob.sv"),
        ("Ana Pérez", "Ana Pérez", None),
    ],
)
def test_it_keeps_a_name_and_an_address_the_outbox_accepts(
    unit_file: Path, requester: str, name: str, email: str | None
) -> None:
    form = parsed(unit_file, requester)
    assert isinstance(form, Form), form
    assert (form.requester, form.requester_email) == (name, email)
    if email is not None:
        assert addresses(email, "to") == [email]


@pytest.mark.parametrize(
    ("requester", "problems"),
    [
        ("Ana Pérez <josé@mh.test>", [("bad_email", "josé@mh.test")]),
        ("Ana Peña, ana.peña@mh.test.", [("bad_email", "ana.peña@mh.test")]),
        ("Ana Pérez <ana.perez@mh>", [("bad_email", "ana.perez@mh")]),
        ("Ana Pérez ana.perez@", [("bad_email", "ana.perez@")]),
        ("Ana Pérez <ana@mh.test>, Luis <luis@mh.test>", [("two_emails", "luis@mh.test")]),
        ("ana.perez@mh.test", [("bad_requester", "ana.perez@mh.test")]),
    ],
)
def test_it_sends_back_an_address_the_outbox_would_refuse(
    unit_file: Path, requester: str, problems: list[tuple[str, str]]
) -> None:
    found = parsed(unit_file, requester)
    assert isinstance(found, list)
    assert [(p.key, p.value) for p in found] == problems
    assert {p.line for p in found} == {4}, "the solicitante line"
