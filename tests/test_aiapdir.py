"""The .aiap/ state directory: self-ignoring, created on first write, patches git can apply."""

from __future__ import annotations

from pathlib import Path

from aiap.aiapdir import AiapDir
from aiap.models import RunState
from tests.conftest import git
from tests.test_apply import patch_for


def test_ensure_creates_a_gitignore_that_ignores_everything(tmp_path: Path) -> None:
    AiapDir(tmp_path).ensure()
    gitignore = tmp_path / ".aiap" / ".gitignore"
    assert gitignore.read_text() == "# Created by aiap automatically.\n*\n"
    assert "aiap" in (tmp_path / ".aiap" / "README.md").read_text()


def test_ensure_keeps_files_the_user_changed(tmp_path: Path) -> None:
    store = AiapDir(tmp_path)
    store.ensure()
    (store.path / "README.md").write_text("mine\n")
    store.ensure()
    assert (store.path / "README.md").read_text() == "mine\n"


def test_nothing_is_created_before_the_first_write(tmp_path: Path) -> None:
    store = AiapDir(tmp_path)
    assert store.read_state() is None
    assert not store.path.exists()


def test_git_does_not_see_the_directory(git_repo: Path) -> None:
    (git_repo / "mod.py").write_text("X = 1\n")
    AiapDir(git_repo).write_state(RunState())
    assert git(git_repo, "status", "--porcelain", "--untracked-files=all") == "?? mod.py\n"


def test_a_saved_patch_is_accepted_by_git_apply(git_repo: Path) -> None:
    (git_repo / "pkg").mkdir()
    (git_repo / "pkg" / "mod.py").write_bytes(b"def double(x):\n    return x + x + 1\n")
    patch = patch_for(git_repo, {"pkg/mod.py": "def double(x):\n    return x + x\n"})
    saved = AiapDir(git_repo).write_patch(patch, "20240101-120000-1")
    assert saved == git_repo / ".aiap" / "patches" / "20240101-120000-1.patch"
    git(git_repo, "apply", "--check", str(saved))
    git(git_repo, "apply", str(saved))
    assert (git_repo / "pkg" / "mod.py").read_bytes() == b"def double(x):\n    return x + x\n"


def test_a_saved_patch_of_a_crlf_file_without_final_newline_is_accepted_by_git_apply(
    git_repo: Path,
) -> None:
    (git_repo / "mod.py").write_bytes(b"A = 1\r\nB = 1")
    patch = patch_for(git_repo, {"mod.py": "A = 2\r\nB = 2"})
    saved = AiapDir(git_repo).write_patch(patch, "crlf")
    git(git_repo, "apply", "--check", str(saved))
    git(git_repo, "apply", str(saved))
    assert (git_repo / "mod.py").read_bytes() == b"A = 2\r\nB = 2"


def test_the_last_run_reads_back_as_written(tmp_path: Path) -> None:
    store = AiapDir(tmp_path)
    state = RunState(status="no-patch", candidates_tried=7, messages=["mod.py: not UTF-8"])
    assert store.write_state(state) == tmp_path / ".aiap" / "last-run.json"
    assert store.read_state() == state


def test_an_unreadable_last_run_reads_as_none(tmp_path: Path) -> None:
    store = AiapDir(tmp_path)
    store.ensure()
    store.state_file.write_text('{"status": "from a future version"}')
    assert store.read_state() is None


def test_find_walks_up_to_the_nearest_aiap_dir(tmp_path: Path) -> None:
    AiapDir(tmp_path).ensure()
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    found = AiapDir.find(deep)
    assert found is not None and found.root == tmp_path.resolve()
