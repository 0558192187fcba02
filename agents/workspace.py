"""An isolated copy of the project where candidates are written and tested.

In a git repository the copy holds the tracked and the untracked-but-not-ignored files, and
the git-ignored files the tests may import: those inside the project's packages and test
directories, such as a ``_version.py`` written at install time by hatch-vcs or setuptools-scm,
compiled message catalogues (``.mo``), data files and extension modules built in place. An
ignored path counts as inside when a directory above it, below the project root, holds a
Python file git knows of (tracked or untracked), or when it lies under ``src/``, ``tests/`` or
``test/``. Ignored files at the top of the project (``.env``, ``.coverage``) stay out, and so
do caches, virtual environments and build output wherever they are (``_SKIP_IGNORED_DIRS``,
any directory holding a ``pyvenv.cfg``, ``*.egg-info``, ``.coverage*``, bytecode). Git lists
the ignored paths with each wholly ignored directory as one line, and only the directories
inside the packages are walked, so a large ignored ``.venv`` costs one line. The ignored files
copied are bounded: none over 50 MiB, at most 200 MiB and 20,000 of them in all, Python
sources and extension modules first; the listing stops after 100,000. What is left out is
named in ``Workspace.messages``. Symbolic links are copied as links.

Outside git the copy holds every file but caches and virtual environments. The user's tree is
only ever read.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from aiap import tempdirs
from aiap.edits import apply_edits
from aiap.models import CodePatch

_SKIP_DIRS = {
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".aiap", ".eggs", "build", "dist",
}  # fmt: skip
# Ignored directories that are never copied beside those: caches and generated reports.
_SKIP_IGNORED_DIRS = _SKIP_DIRS | {
    "htmlcov", ".hypothesis", ".benchmarks", ".cache", ".ipynb_checkpoints", "_build",
}  # fmt: skip
_SKIP_IGNORED_SUFFIXES = (".pyc", ".pyo")
# Directories whose ignored contents count as the project's even without a known .py file.
_CODE_TOPS = {"src", "tests", "test"}
# Ignored files that imports need come first when the caps leave some out.
_CODE_SUFFIXES = (".py", ".pyi", ".so", ".pyd", ".dylib", ".dll")

MAX_IGNORED_FILE_BYTES = 50 * 2**20
MAX_IGNORED_TOTAL_BYTES = 200 * 2**20
MAX_IGNORED_FILES = 20_000


def _git_ls(root: Path, *args: str) -> list[str] | None:
    """`git ls-files ARGS -z` under root, as paths relative to root (a directory keeps its
    trailing slash), or None without git."""
    try:
        import git
    except ImportError:  # no git executable: GitPython refuses to import
        return None
    try:
        repo = git.Repo(root, search_parent_directories=True)
        top = Path(repo.working_tree_dir or root).resolve()
        out = repo.git.ls_files(*args, "-z", "--", str(root))
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return None
    files = []
    for name in out.split("\0"):
        if not name:
            continue
        try:
            rel = (top / name).relative_to(root).as_posix()
        except ValueError:
            continue
        files.append(rel + "/" if name.endswith("/") and rel != "." else rel)
    return files


def _git_files(root: Path) -> list[str] | None:
    """Files git knows of under root (tracked + untracked not ignored), or None without git."""
    return _git_ls(root, "--cached", "--others", "--exclude-standard")


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
    """The files to copy, relative to root, and whether git chose them.

    With git: the tracked and untracked-not-ignored ones; see ``ignored_files`` for the rest.
    """
    files = _git_files(root)
    if files is not None:
        return [f for f in files if "__pycache__" not in f.split("/")], True
    return _walk_files(root), False


@dataclass
class IgnoredFiles:
    """The git-ignored files to copy, those the caps left out (path, size in bytes), and what
    the user should be told of them."""

    copied: list[str] = field(default_factory=list)
    left_out: list[tuple[str, int]] = field(default_factory=list)
    message: str | None = None


def _skipped_name(name: str) -> bool:
    return (
        name in _SKIP_IGNORED_DIRS
        or name.endswith((".egg-info", *_SKIP_IGNORED_SUFFIXES))
        or name == ".coverage"
        or name.startswith(".coverage.")
    )


def _is_inside(rel: str, package_dirs: set[str]) -> bool:
    """Whether an ignored path lies in the project's packages or test directories."""
    parts = PurePosixPath(rel.rstrip("/")).parts
    if len(parts) < 2:
        return False  # at the top of the project
    if parts[0] in _CODE_TOPS:
        return True
    return any("/".join(parts[:i]) in package_dirs for i in range(1, len(parts)))


def ignored_files(
    root: Path,
    known: list[str],
    max_file_bytes: int = MAX_IGNORED_FILE_BYTES,
    max_total_bytes: int = MAX_IGNORED_TOTAL_BYTES,
    max_files: int = MAX_IGNORED_FILES,
) -> IgnoredFiles:
    """The git-ignored files under root that the copy holds beside ``known`` (git's tracked and
    untracked files): those inside the project's packages and test directories that are not
    caches, virtual environments or build output, within the caps."""
    listed = _git_ls(root, "--others", "--ignored", "--exclude-standard", "--directory")
    if not listed:
        return IgnoredFiles()
    package_dirs = {str(PurePosixPath(f).parent) for f in known if f.endswith(".py") and "/" in f}
    venvs: dict[Path, bool] = {}

    def in_venv(rel: str) -> bool:
        # A virtualenv of any name: a directory between the root and the file with pyvenv.cfg.
        parts = PurePosixPath(rel.rstrip("/")).parts
        for i in range(1, len(parts) + (1 if rel.endswith("/") else 0)):
            d = root.joinpath(*parts[:i])
            if d not in venvs:
                venvs[d] = (d / "pyvenv.cfg").is_file()
            if venvs[d]:
                return True
        return False

    found: dict[str, int] = {}
    walk_limit = 5 * max_files  # bounds the walk of large ignored directories

    def add(rel: str) -> None:
        try:
            st = (root / rel).lstat()
        except OSError:
            return
        if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
            found[rel] = 0 if stat.S_ISLNK(st.st_mode) else st.st_size

    for rel in listed:
        if len(found) > walk_limit:
            break
        parts = PurePosixPath(rel.rstrip("/")).parts
        if not _is_inside(rel, package_dirs) or any(_skipped_name(p) for p in parts):
            continue
        if in_venv(rel):
            continue
        if not rel.endswith("/"):
            add(rel)
            continue
        top = root / rel
        if top.is_symlink():
            add(rel.rstrip("/"))
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            here = Path(dirpath)
            keep = []
            for d in dirnames:
                if (here / d).is_symlink():
                    filenames.append(d)  # copied as a link, not followed
                elif not _skipped_name(d) and not (here / d / "pyvenv.cfg").is_file():
                    keep.append(d)
            dirnames[:] = keep
            for name in filenames:
                if not _skipped_name(name):
                    add((here / name).relative_to(root).as_posix())
            if len(found) > walk_limit:
                break
    result = IgnoredFiles()
    total = 0
    for rel in sorted(found, key=lambda r: (not r.endswith(_CODE_SUFFIXES), r)):
        size = found[rel]
        if (
            size > max_file_bytes
            or total + size > max_total_bytes
            or len(result.copied) >= max_files
        ):
            result.left_out.append((rel, size))
            continue
        total += size
        result.copied.append(rel)
    if result.left_out:
        biggest = sorted(result.left_out, key=lambda item: -item[1])[:3]
        named = ", ".join(f"{rel} ({_mib(size)})" for rel, size in biggest)
        rest = len(result.left_out) - len(biggest)
        result.message = (
            f"left {len(result.left_out)} git-ignored file(s) of the project's packages out of "
            f"the isolated copy (over {_mib(max_file_bytes)} a file, or beyond "
            f"{_mib(max_total_bytes)} or {max_files} files in all): {named}"
            + (f" and {rest} more" if rest else "")
        )
    if len(found) > walk_limit:
        result.message = (
            f"{result.message}; " if result.message else ""
        ) + f"stopped listing git-ignored files after {walk_limit}: the rest is not in the copy"
    return result


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def _no_bytecode(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__"}


class Workspace:
    """A temporary copy of ``source`` in which candidate patches are tried one at a time."""

    def __init__(
        self, source: Path, root: Path, used_git: bool, messages: list[str] | None = None
    ) -> None:
        self.source = source
        self.root = root
        self.used_git = used_git
        self.messages = messages or []  # what the user should know of the copy
        self._writes = 0

    @classmethod
    def create(cls, source: Path) -> Workspace:
        source = source.resolve()
        tmp = tempdirs.make("ws")
        root = tmp / source.name
        files, used_git = project_files(source)
        ignored = ignored_files(source, files) if used_git else IgnoredFiles()
        try:
            for rel in [*files, *ignored.copied]:
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
        return cls(source, root, used_git, [ignored.message] if ignored.message else [])

    def clone(self) -> Workspace:
        """Another copy of this workspace, for a second lane of validation beside this one."""
        tmp = tempdirs.make("ws")
        root = tmp / self.root.name
        try:
            shutil.copytree(self.root, root, symlinks=True, ignore=_no_bytecode)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return Workspace(self.source, root, self.used_git, list(self.messages))

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
