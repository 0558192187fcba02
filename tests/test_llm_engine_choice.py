"""Which engines run: `llm` says what is missing, `auto` adds the LLM only when it can run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aiap.config import AiapConfig
from aiap.engines import EngineUnavailable, engine_deadlines, plugin_manager, select_engines
from tests.conftest import run_pytest_cli
from tests.llm_project import needs_litellm, people_project


def _engines(tmp_path: Path, **settings: str) -> list[str]:
    config = AiapConfig.model_validate(settings)
    return select_engines(plugin_manager(config, tmp_path), config)


def test_auto_without_a_model_is_offline_only(tmp_path: Path) -> None:
    assert _engines(tmp_path) == ["offline"]


@needs_litellm
def test_auto_with_a_model_asks_offline_then_the_llm(tmp_path: Path) -> None:
    assert _engines(tmp_path, model="openai/fake") == ["offline", "llm"]
    assert _engines(tmp_path, model="openai/fake", engine="llm") == ["llm"]


def test_without_litellm_auto_stays_offline_and_llm_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "litellm", None)  # how Python spells "not installed"
    assert _engines(tmp_path, model="openai/fake") == ["offline"]
    with pytest.raises(EngineUnavailable, match=r"needs litellm: pip install 'aiap\[llm\]'"):
        _engines(tmp_path, model="openai/fake", engine="llm")


def test_the_offline_engine_leaves_half_the_budget_to_the_llm() -> None:
    assert engine_deadlines(["offline", "llm"], start=100.0, budget=60.0) == {"offline": 130.0}
    assert engine_deadlines(["offline"], start=100.0, budget=60.0) == {}


def test_pytest_without_litellm_says_what_to_install(tmp_path: Path) -> None:
    project = people_project(
        tmp_path / "p", {"conftest.py": "import sys\n\nsys.modules['litellm'] = None\n"}
    )
    result = run_pytest_cli(project, "--aiap-fix", "--aiap-engine=llm", "--aiap-model=openai/fake")
    assert "aiap: the LLM engine needs litellm: pip install 'aiap[llm]'" in result.stdout
