"""`aiap undo` as a user runs it: a real process, its output and its exit code."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from aiap.apply import apply_patch
from tests.conftest import snapshot
from tests.test_apply import patch_for, write

ORIGINALS = {
    "pkg/mod.py": b"def double(x):\r\n    return x + x + 1\r\n",
    "pkg/util.py": b"LIMIT = 10",
}


def aiap(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiap.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def applied_project(root: Path) -> Path:
    write(root, ORIGINALS)
    patch = patch_for(
        root,
        {"pkg/mod.py": "def double(x):\r\n    return x + x\r\n", "pkg/util.py": "LIMIT = 11"},
    )
    apply_patch(root, patch)
    return root


def test_undo_restores_the_applied_files_byte_identical(tmp_path: Path) -> None:
    project = applied_project(tmp_path)
    result = aiap(project, "undo")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "aiap: restored pkg/mod.py\naiap: restored pkg/util.py\n"
    assert snapshot(project) == ORIGINALS


def test_undo_from_a_subdirectory_finds_the_project(tmp_path: Path) -> None:
    project = applied_project(tmp_path)
    result = aiap(project / "pkg", "undo")
    assert result.returncode == 0, result.stderr
    assert snapshot(project) == ORIGINALS


def test_undo_root_option_names_the_project(tmp_path: Path) -> None:
    project = applied_project(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = aiap(elsewhere, "undo", "--root", str(project))
    assert result.returncode == 0, result.stderr
    assert snapshot(project) == ORIGINALS


def test_undo_of_an_edited_file_exits_1_with_the_reason_on_stderr(tmp_path: Path) -> None:
    project = applied_project(tmp_path)
    write(project, {"pkg/util.py": b"LIMIT = 12"})
    result = aiap(project, "undo")
    assert result.returncode == 1
    assert result.stderr == (
        "aiap: pkg/util.py: changed since aiap applied the patch; use --force to restore anyway\n"
    )
    assert (project / "pkg/util.py").read_bytes() == b"LIMIT = 12"


def test_undo_force_restores_an_edited_file(tmp_path: Path) -> None:
    project = applied_project(tmp_path)
    write(project, {"pkg/util.py": b"LIMIT = 12"})
    result = aiap(project, "undo", "--force")
    assert result.returncode == 0, result.stderr
    assert snapshot(project) == ORIGINALS


def test_nothing_to_undo_exits_1(tmp_path: Path) -> None:
    result = aiap(tmp_path, "undo")
    assert result.returncode == 1
    assert result.stderr == "aiap: nothing to undo\n"


def test_undo_list_shows_the_records_and_changes_nothing(tmp_path: Path) -> None:
    project = applied_project(tmp_path)
    before = snapshot(project)
    result = aiap(project, "undo", "--list")
    assert result.returncode == 0, result.stderr
    assert "fix  (pkg/mod.py, pkg/util.py)" in result.stdout
    assert snapshot(project) == before


def test_version(tmp_path: Path) -> None:
    result = aiap(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout == f"aiap {metadata.version('aiap')}\n"


def test_no_command_prints_the_help_and_exits_0(tmp_path: Path) -> None:
    result = aiap(tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: aiap")
    assert "undo" in result.stdout


def test_an_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    result = aiap(tmp_path, "undo", "--frobnicate")
    assert result.returncode == 2
    assert "unrecognized arguments: --frobnicate" in result.stderr
