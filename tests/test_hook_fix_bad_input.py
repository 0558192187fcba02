"""``aiap-fix`` on bad input: one clear line, and the user's files as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from precommit_hooks.fix import main
from tests.conftest import git, snapshot
from tests.precommit_project import enter, shop_project, stage


@pytest.fixture
def repo(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shop_project(git_repo)
    return enter(git_repo, monkeypatch)


def test_a_syntax_error_is_named_and_not_repaired(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = stage(repo, {"shop/pricing.py": "def price(unit, qty:\n    return unit * qty\n"})
    before = snapshot(repo)
    assert main(["--budget", "10", *files]) == 1
    out = capsys.readouterr().out
    assert "shop/pricing.py: ruff format: Failed to parse shop/pricing.py:2:5" in out
    assert "shop/pricing.py:1: SyntaxError: '(' was never closed; aiap does not repair" in out
    assert snapshot(repo) == before


def test_a_file_that_is_not_utf8_is_left_alone(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "shop" / "names.py").write_bytes("CAFE = 'café'\nimport os\n".encode("latin-1"))
    git(repo, "add", "shop/names.py")
    before = snapshot(repo)
    assert main(["--no-tests", "shop/names.py"]) == 0
    assert "shop/names.py: not UTF-8; ruff leaves it alone" in capsys.readouterr().out
    assert snapshot(repo) == before


def test_a_hanging_test_is_stopped_at_the_test_timeout(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = stage(
        repo,
        {"tests/test_wait.py": "def test_wait():\n    while True:\n        pass\n"},
    )
    before = snapshot(repo)
    assert main(["--test-timeout", "3", *files]) == 1
    assert "the tests did not finish within 3 s" in capsys.readouterr().out
    assert snapshot(repo) == before


def test_a_configured_interpreter_that_does_not_exist_is_named(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = (repo / "pyproject.toml").read_text() + "\n[tool.aiap]\npython = 'env/bin/py'\n"
    files = stage(repo, {"pyproject.toml": pyproject, "shop/pricing.py": "RATE = 2\n"})
    assert main(files) == 1
    assert "[tool.aiap] python = 'env/bin/py': no executable interpreter" in capsys.readouterr().out


def test_a_broken_pyproject_is_named(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "pyproject.toml").write_text("[tool.aiap\n")
    before = snapshot(repo)
    assert main(["shop/pricing.py"]) == 1
    assert "aiap-fix: pyproject.toml: cannot be read as TOML" in capsys.readouterr().out
    assert snapshot(repo) == before
