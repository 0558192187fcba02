"""Which tests ``aiap-fix`` runs: the coverage map of the last repair run comes first."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiap.aiapdir import AiapDir
from precommit_hooks.fix import main
from tests.conftest import git
from tests.precommit_project import enter, shop_project, stage

DYNAMIC_TEST = """\
import importlib


def test_labels_are_upper_case():
    labels = importlib.import_module("shop." + "labels")
    assert labels.label("tea") == "TEA"
"""


@pytest.fixture
def repo(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shop_project(git_repo)
    stage(
        git_repo,
        {
            "shop/labels.py": "def label(name):\n    return name.upper()\n",
            "tests/test_catalogue.py": DYNAMIC_TEST,
        },
    )
    git(git_repo, "commit", "-qm", "labels")
    return enter(git_repo, monkeypatch)


def test_a_module_only_the_coverage_map_links_to_its_test_gets_that_test_run(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    AiapDir(repo).write_coverage_map({"shop/labels.py": ["tests/test_catalogue.py"]})
    files = stage(repo, {"shop/labels.py": "def label(name):\n    return name.lower()\n"})
    assert main(["--budget", "20", *files]) == 1
    out = capsys.readouterr().out
    assert "1 test file(s) to run (1 by coverage map)" in out
    assert "shop/labels.py: patched:" in out
    assert (
        repo / "shop" / "labels.py"
    ).read_text() == "def label(name):\n    return name.upper()\n"


def test_without_a_map_the_same_module_reaches_no_test(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = stage(repo, {"shop/labels.py": "def label(name):\n    return name.lower()\n"})
    assert main(["--budget", "20", *files]) == 0
    assert "no test exercises the staged files" in capsys.readouterr().out
