"""An isolated copy of the project where candidates are written and tested.

The copy holds tracked and untracked-but-not-ignored files when the project is in a git
repository, and every file but caches and virtual environments otherwise. The user's tree is
only ever read.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiap.edits import apply_edits
from aiap.models import CodePatch

_SKIP_DIRS = {
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".aiap", ".eggs", "build", "dist",
}  # fmt: skip


def _git_files(root: Path) -> list[str] | None:
    """Files git knows of under root (tracked + untracked not ignored), or None without git."""
    try:
        import git
    except ImportError:  # no git executable: GitPython refuses to import
        return None
    try:
        repo = git.Repo(root, search_parent_directories=True)
        top = Path(repo.working_tree_dir or root).resolve()
        out = repo.git.ls_files("--cached", "--others", "--exclude-standard", "-z", "--", str(root))
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return None
    files = []
    for name in out.split("\0"):
        if not name:
            continue
        path = top / name
        try:
            files.append(path.relative_to(root).as_posix())
        except ValueError:
            continue
    return files


def _walk_files(root: Path) -> list[str]:
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [
            d
            for d in dirnames
            if d not in _SKIP_DIRS
            and not d.endswith(".egg-info")
            and not (here / d / "pyvenv.cfg").exists()
        ]
        files.extend((here / f).relative_to(root).as_posix() for f in filenames)
    return files


def project_files(root: Path) -> tuple[list[str], bool]:
    """The files to copy, relative to root, and whether git chose them."""
    files = _git_files(root)
    if files is not None:
        return [f for f in files if "__pycache__" not in f.split("/")], True
    return _walk_files(root), False


def _no_bytecode(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__"}


class Workspace:
    """A temporary copy of ``source`` in which candidate patches are tried one at a time."""

    def __init__(self, source: Path, root: Path, used_git: bool) -> None:
        self.source = source
        self.root = root
        self.used_git = used_git
        self._writes = 0

    @classmethod
    def create(cls, source: Path) -> Workspace:
        source = source.resolve()
        tmp = Path(tempfile.mkdtemp(prefix="aiap-ws-")).resolve()
        root = tmp / source.name
        files, used_git = project_files(source)
        try:
            for rel in files:
                src = source / rel
                if not src.exists() and not src.is_symlink():
                    continue  # tracked but deleted in the working tree
                dst = root / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst, follow_symlinks=False)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        root.mkdir(exist_ok=True)
        return cls(source, root, used_git)

    def clone(self) -> Workspace:
        """Another copy of this workspace, for a second lane of validation beside this one."""
        tmp = Path(tempfile.mkdtemp(prefix="aiap-ws-")).resolve()
        root = tmp / self.root.name
        try:
            shutil.copytree(self.root, root, symlinks=True, ignore=_no_bytecode)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return Workspace(self.source, root, self.used_git)

    def map_path(self, path: str | Path) -> Path | None:
        """The workspace twin of a path in the user's tree, or None when outside it."""
        try:
            rel = Path(path).resolve().relative_to(self.source)
        except ValueError:
            return None
        return self.root / rel

    def read_text(self, rel: str) -> str:
        return (self.root / rel).read_bytes().decode("utf-8")

    @contextmanager
    def patched(self, patch: CodePatch) -> Iterator[None]:
        """Write the patch into the workspace for the duration of the block, then restore."""
        originals: dict[str, tuple[bytes, int]] = {}
        try:
            for rel in sorted({e.path for e in patch.edits}):
                path = self.root / rel
                data = path.read_bytes()
                mtime = path.stat().st_mtime_ns
                originals[rel] = (data, mtime)
                new = apply_edits(data.decode("utf-8"), [e for e in patch.edits if e.path == rel])
                path.write_bytes(new.encode("utf-8"))
                # A .pyc is trusted on (whole-second mtime, size): a same-size candidate written
                # within the second would run stale bytecode. A unique mtime per write rules it out.
                self._writes += 1
                stamp = mtime + (1000 + self._writes) * 1_000_000_000
                os.utime(path, ns=(stamp, stamp))
            yield
        finally:
            for rel, (data, mtime) in originals.items():
                (self.root / rel).write_bytes(data)
                os.utime(self.root / rel, ns=(mtime, mtime))

    def cleanup(self) -> None:
        shutil.rmtree(self.root.parent, ignore_errors=True)
