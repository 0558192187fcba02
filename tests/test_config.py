"""Configuration: [tool.aiap], then AIAP_* variables, then flags; bad values named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiap.config import ConfigError, load_config


def test_defaults_without_any_configuration(tmp_path: Path) -> None:
    config = load_config(tmp_path, environ={})
    assert (config.engine, config.budget) == ("auto", 120.0)


def test_later_sources_win(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.aiap]\nbudget = 30\nengine = 'offline'\n")
    assert load_config(tmp_path, environ={}).budget == 30
    assert load_config(tmp_path, environ={"AIAP_BUDGET": "40"}).budget == 40
    config = load_config(tmp_path, environ={"AIAP_BUDGET": "40"}, overrides={"budget": 50})
    assert (config.budget, config.engine) == (50, "offline")


def test_a_bad_value_names_its_source(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.aiap]\nengine = 'magic'\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml \[tool.aiap\]: engine"):
        load_config(tmp_path, environ={})


@pytest.mark.parametrize(
    ("name", "value"),
    [("budget", "nan"), ("budget", "-5"), ("budget", "inf"), ("timeout", "0"), ("workers", "0"),
     ("memory_mb", "-1"), ("llm_rounds", "0"), ("llm_timeout", "nan"), ("llm_max_cost", "-1")],
)  # fmt: skip
def test_a_time_or_count_that_would_end_a_run_at_once_or_never_is_refused(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=rf"^AIAP_\* environment: {name}: "):
        load_config(tmp_path, environ={f"AIAP_{name.upper()}": value})


def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.aiap]\nbudgte = 3\n")
    with pytest.raises(ConfigError, match="budgte"):
        load_config(tmp_path, environ={})


def test_a_broken_pyproject_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.aiap\n")
    with pytest.raises(ConfigError, match="cannot be read as TOML"):
        load_config(tmp_path, environ={})


def test_llm_settings_come_from_pyproject_env_and_flags(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.aiap]\nmodel = 'openai/local'\napi-base = 'http://127.0.0.1:8000/v1'\n"
        "llm_rounds = 5\n"
    )
    config = load_config(
        tmp_path,
        environ={"AIAP_LLM_MAX_COST": "0.1", "AIAP_CACHE": "false"},
        overrides={"model": "gpt-4.1-mini"},
    )
    assert config.model == "gpt-4.1-mini"
    assert config.api_base == "http://127.0.0.1:8000/v1"
    assert (config.llm_rounds, config.llm_max_cost, config.cache) == (5, 0.1, False)


def test_the_plugins_sandbox_choices_are_the_settings() -> None:
    # Spelled out in the plugin, which imports nothing of aiap until --aiap-fix is given.
    from aiap.sandbox import SETTINGS
    from pytest_aiap.plugin import SANDBOXES

    assert SANDBOXES == SETTINGS
