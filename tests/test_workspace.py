"""The workspace: an isolated copy; the user's tree is never written."""

from __future__ import annotations

from pathlib import Path

from aiap.edits import edits_between
from aiap.models import CodePatch
from aiap.workspace import Workspace
from tests.conftest import git


def test_git_project_copies_tracked_and_untracked_but_not_ignored(git_repo: Path) -> None:
    (git_repo / ".gitignore").write_text("secret.txt\n")
    (git_repo / "tracked.py").write_text("x = 1\n")
    git(git_repo, "add", ".")
    (git_repo / "untracked.py").write_text("y = 2\n")
    (git_repo / "secret.txt").write_text("no\n")
    ws = Workspace.create(git_repo)
    try:
        copied = sorted(p.name for p in ws.root.iterdir())
        assert copied == [".gitignore", "tracked.py", "untracked.py"]
        assert ws.used_git
    finally:
        ws.cleanup()


def test_a_directory_that_is_not_a_git_repo_is_copied_without_venvs_and_caches(
    tmp_path: Path,
) -> None:
    project = tmp_path / "proj"
    (project / "pkg" / "__pycache__").mkdir(parents=True)
    (project / "pkg" / "mod.py").write_text("x = 1\n")
    (project / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (project / "env").mkdir()
    (project / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    ws = Workspace.create(project)
    try:
        files = sorted(p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*") if p.is_file())
        assert files == ["pkg/mod.py"]
        assert not ws.used_git
    finally:
        ws.cleanup()


def test_a_patched_block_changes_only_the_copy_and_is_restored(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "m.py").write_text("a = 1\n")
    ws = Workspace.create(project)
    try:
        patch = CodePatch(
            engine="t", operator="t", description="t",
            edits=edits_between("m.py", "a = 1\n", "a = 2\n"),
        )  # fmt: skip
        with ws.patched(patch):
            assert (ws.root / "m.py").read_text() == "a = 2\n"
            assert (project / "m.py").read_text() == "a = 1\n"
        assert (ws.root / "m.py").read_text() == "a = 1\n"
    finally:
        ws.cleanup()
    assert not ws.root.exists()


def test_same_size_candidates_never_run_stale_bytecode(tmp_path: Path) -> None:
    import subprocess
    import sys

    project = tmp_path / "proj"
    project.mkdir()
    (project / "m.py").write_text("x = 1\n")
    ws = Workspace.create(project)
    seen = []
    try:
        for value in ("2", "3", "1"):
            edits = edits_between("m.py", "x = 1\n", f"x = {value}\n")
            patch = CodePatch(engine="t", operator="t", description="t", edits=edits)
            with ws.patched(patch):
                out = subprocess.run(
                    [sys.executable, "-c", "import m; print(m.x)"],
                    cwd=ws.root, capture_output=True, text=True, check=True,
                )  # fmt: skip
                seen.append(out.stdout.strip())
    finally:
        ws.cleanup()
    assert seen == ["2", "3", "1"]
