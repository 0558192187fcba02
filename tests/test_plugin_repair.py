"""`pytest --aiap-fix` end to end on the shipped example, as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import git, run_pytest_cli, snapshot, write_project

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shop"


def _example_repo(git_repo: Path) -> Path:
    shutil.copytree(
        EXAMPLE,
        git_repo,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".aiap", "__pycache__", ".pytest_cache"),
    )
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "shop")
    return git_repo


def test_fix_shows_a_validated_diff_and_writes_nothing(git_repo: Path) -> None:
    project = _example_repo(git_repo)
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-fix")
    assert result.returncode == 1
    assert "-    if quantity > BULK_THRESHOLD:" in result.stdout
    assert "+    if quantity >= BULK_THRESHOLD:" in result.stdout
    assert "rerun with --aiap-apply" in result.stdout
    assert snapshot(project) == before
    patches = list((project / ".aiap" / "patches").glob("*.patch"))
    assert len(patches) == 1
    git(project, "apply", "--check", str(patches[0]))


def test_apply_makes_the_suite_pass_and_undo_restores_byte_identical(git_repo: Path) -> None:
    project = _example_repo(git_repo)
    before = snapshot(project)
    result = run_pytest_cli(project, "--aiap-apply")
    assert "aiap: applied to shop/pricing.py" in result.stdout, result.stdout
    assert run_pytest_cli(project).returncode == 0
    undo = subprocess.run(
        [sys.executable, "-m", "aiap.cli", "undo"], cwd=project, capture_output=True, text=True
    )
    assert undo.returncode == 0, undo.stderr
    assert snapshot(project) == before


def test_a_green_run_does_no_repair_work(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "p",
        {
            "mod.py": "def one():\n    return 1\n",
            "test_mod.py": "from mod import one\n\ndef test_one():\n    assert one() == 1\n",
        },
    )
    result = run_pytest_cli(project, "--aiap-fix")
    assert result.returncode == 0
    assert "aiap:" not in result.stdout
    assert not (project / ".aiap").exists()


def test_the_users_own_options_reach_the_validation_runs(tmp_path: Path) -> None:
    conftest = (
        "import pytest\n\n"
        "def pytest_addoption(parser):\n    parser.addoption('--rate', type=int, default=0)\n\n"
        "@pytest.fixture\ndef rate(request):\n    return request.config.getoption('--rate')\n"
    )
    source = "def tax(amount, rate):\n    return amount + rate / 100\n"
    tests = "from mod import tax\n\ndef test_tax(rate):\n    assert tax(200, rate) == 20\n"
    project = write_project(
        tmp_path / "p", {"conftest.py": conftest, "mod.py": source, "test_mod.py": tests}
    )
    result = run_pytest_cli(project, "--aiap-fix", "--rate=10")
    assert "+    return amount * rate / 100" in result.stdout, result.stdout


def test_xdist_runs_repair_once_on_the_controller(tmp_path: Path) -> None:
    source = "def double(x):\n    return x + x + 1\n"
    tests = (
        "from mod import double\n\n"
        "def test_double():\n    assert double(2) == 4\n\n"
        "def test_zero():\n    assert double(0) == 0\n"
    )
    project = write_project(tmp_path / "p", {"mod.py": source, "test_mod.py": tests})
    result = run_pytest_cli(project, "-n", "2", "--aiap-fix")
    assert result.stdout.count("aiap: patch 1:") == 1, result.stdout
    assert "+    return x + x" in result.stdout


def test_ini_settings_are_read(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "p",
        {
            "pytest.ini": "[pytest]\naiap_engine = llm\n",
            "mod.py": "def one():\n    return 2\n",
            "test_mod.py": "from mod import one\n\ndef test_one():\n    assert one() == 1\n",
        },
    )
    result = run_pytest_cli(project, "--aiap-fix")
    assert "aiap: the LLM engine needs a model: set --aiap-model" in result.stdout, result.stdout
