"""The unit file and the environment: a wrong line is named, and nothing starts half-configured."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.errors import ConfigError
from bot.settings import load_settings
from bot.unit_config import Anomalias, Category, load_unit_config
from tests.conftest import TEST_ENV, UNIT_YAML

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:TEST-TOKEN-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


def problems_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    path = tmp_path / "unit.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_unit_config(path, env=TEST_ENV if env is None else env)
    return caught.value.problems


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_it_accepts_the_shipped_example() -> None:
    config = load_unit_config(ROOT / "examples" / "vigia.yaml", env={"CAMARAS_PASSWORD": "x"})
    assert {site.kind for site in config.sites} >= {"frontera_terrestre", "aerea"}
    assert config.person("tec.ana") is not None


def test_it_names_file_line_and_field_of_each_mistake(tmp_path: Path) -> None:
    text = UNIT_YAML.replace("role: seguridad", "role: guardia").replace("email: ana@", "email: ana.at.")
    problems = problems_of(tmp_path, text)
    path = tmp_path / "unit.yaml"
    assert (
        f"{path}:{line_of(text, 'email: ana.at')}: people[0].email: 'ana.at.example.gob.sv' is not an e-mail"
        in problems[0]
    )
    assert f"{path}:{line_of(text, 'role: guardia')}: people[5].role: " in problems[1]
    assert "'tecnico'" in problems[1]  # the allowed values are listed


def test_it_checks_references_between_sections(tmp_path: Path) -> None:
    """Once every section is well formed, the rules between them are checked, all at once."""
    text = UNIT_YAML.replace("site: hachadura, rtsp_url", "site: nowhere, rtsp_url").replace(
        'end: "14:00", technicians', 'end: "13:00", technicians'
    )
    text = text.replace("{id: tec.nuevo,", "{id: tec.ana,") + "relevo: {check_in_before_start: 240}\n"
    problems = problems_of(tmp_path, text)
    path = tmp_path / "unit.yaml"
    assert f"{path}:{line_of(text, 'id: tec.ana, name: Nuevo')}: people[7].id: 'tec.ana' appears twice" in problems
    assert any(
        p.startswith(f"{path}:{line_of(text, 'site: nowhere')}: cameras[0].site: 'nowhere' is not in sites")
        for p in problems
    )
    assert any("shifts[0].end: ends at 13:00 but the next shift (tarde) starts at 14:00" in p for p in problems)
    assert any("relevo.check_in_before_start: must be at most half the shortest shift (420 min)" in p for p in problems)


def test_it_refuses_a_misspelt_key(tmp_path: Path) -> None:
    text = UNIT_YAML.replace("kind: frontera_terrestre, administrators", "kind: frontera_terrestre, administradores")
    (problem,) = problems_of(tmp_path, text)
    assert problem.endswith("sites[0].administradores: Extra inputs are not permitted")


def test_it_keeps_passwords_out_of_the_file(tmp_path: Path) -> None:
    text = UNIT_YAML.replace('password: "${CAM_PASSWORD}"', "password: hunter2").replace(
        "rtsp://127.0.0.1", "rtsp://admin:hunter2@127.0.0.1"
    )
    problems = "\n".join(problems_of(tmp_path, text))
    assert "cameras[0].password: write it as ${ENV_VAR}" in problems
    assert "cameras[0].rtsp_url: carries a password" in problems
    assert "hunter2" not in problems


def test_it_names_an_unset_environment_reference(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, UNIT_YAML, env={})
    assert problems == [
        f"{tmp_path / 'unit.yaml'}:{line_of(UNIT_YAML, 'CAM_PASSWORD')}: cameras[0].password: "
        "refers to ${CAM_PASSWORD}, which is not set in the environment or .env"
    ]


def test_it_reports_a_role_mismatch_between_sections(tmp_path: Path) -> None:
    text = UNIT_YAML.replace("administrators: [adm.luis,", "administrators: [tec.ana,")
    assert any(
        "sites[0].administrators[0]: 'tec.ana' has role tecnico, expected administrador" in p
        for p in problems_of(tmp_path, text)
    )


def test_it_points_at_broken_yaml(tmp_path: Path) -> None:
    text = UNIT_YAML.replace("topics: {consignas: 11, fallas: 12}", "topics: {consignas: 11, fallas: 12")
    (problem,) = problems_of(tmp_path, text)
    assert problem.startswith(f"{tmp_path / 'unit.yaml'}:") and "not valid YAML" in problem


def test_it_explains_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_unit_config(tmp_path / "absent.yaml", env={})


def test_it_names_the_env_file_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "VIGIA_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nTELEGRAM_BOT_TOKEN=not-a-token\nVIGIA_TIMEZONE=Mars/Olympus\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(env_file)
    assert caught.value.problems[0].startswith(f"{env_file}:2: TELEGRAM_BOT_TOKEN is not a bot token")
    assert (
        caught.value.problems[1]
        == f"{env_file}:3: VIGIA_TIMEZONE unknown time zone 'Mars/Olympus' (expected e.g. America/El_Salvador)"
    )


def test_it_blames_the_environment_when_it_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    with pytest.raises(ConfigError, match="environment: TELEGRAM_BOT_TOKEN is empty"):
        load_settings(tmp_path / "missing.env")


def test_cli_exits_2_and_lists_every_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    unit = tmp_path / "unit.yaml"
    unit.write_text(UNIT_YAML.replace("chat_id: -1001000000001", "chat_id: 42"), encoding="utf-8")
    assert main(["--env-file", str(tmp_path / "none.env"), "--config", str(unit), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "Vigía cannot start" in err and f"{unit}:3: group.chat_id: Input should be less than 0" in err


def test_cli_check_config_summarises_a_good_file(
    unit_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("VIGIA_DATA_DIR", str(tmp_path / "data"))
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    assert main(["--env-file", str(tmp_path / "none.env"), "--config", str(unit_file), "check-config"]) == 0
    assert "OK: 9 people, 1 sites, 1 cameras, 3 shifts" in capsys.readouterr().out


def test_a_report_naming_no_category_gets_otro_or_the_last_one_a_unit_lists() -> None:
    """The urgent one-line form names no category: it must get one the unit has."""
    assert Anomalias().default_category == "otro"
    own = Anomalias(categories=[Category(code="intrusion", name="Intrusión"), Category(code="varios", name="Varios")])
    assert own.default_category == "varios"


def test_times_written_without_quotes_mean_what_they_say(tmp_path: Path) -> None:
    """YAML 1.1 reads 22:00 as the number 1320 (base 60), which a time field took as 00:22: a
    maintenance window then muted alerts at the wrong hour, and 6:00 broke every health probe."""
    text = UNIT_YAML + "salud:\n  day_starts: 6:00\n  night_starts: 18:30\n"
    text = text.replace('start: "22:00", end: "06:00"', "start: 22:00, end: 06:00")
    assert "start: 22:00, end: 06:00" in text
    path = tmp_path / "unit.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_unit_config(path, env=TEST_ENV)
    assert (config.salud.day_starts, config.salud.night_starts) == (time(6, 0), time(18, 30))
    assert [(shift.start, shift.end) for shift in config.shifts][-1] == (time(22, 0), time(6, 0))
