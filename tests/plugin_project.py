"""Helpers for the plugin's tests: a user's project in `pytester`'s directory, run through
`pytester.runpytest_subprocess` (the repair forks workers, so never inside the test process)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

# Written by pytester itself in its directory: the run's output, and --basetemp dirs.
PYTESTER_OUTPUT = {"stdout", "stderr"}
SKIP_DIRS = {".aiap", ".git", "__pycache__", ".pytest_cache"}


def user_pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester for a user's project: no AIAP_* setting of ours leaks into the runs (but the
    one lane the suite gives each repair: tests.conftest.ONE_LANE)."""
    import os

    from tests.conftest import ONE_LANE

    for name in list(os.environ):
        if name.startswith(("AIAP_", "PYTEST_XDIST")) and name not in ONE_LANE:
            monkeypatch.delenv(name)
    return pytester


def run(pytester: pytest.Pytester, *args: str, timeout: float = 300) -> pytest.RunResult:
    """`pytest *args` in the project as a user runs it: a subprocess with the installed plugin."""
    return pytester.runpytest_subprocess(*args, timeout=timeout)


def user_files(root: Path) -> dict[str, bytes]:
    """The project's own files as bytes: not aiap's state, caches, git internals, nor pytester's
    output files and --basetemp directories."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or SKIP_DIRS & set(rel.parts):
            continue
        if rel.as_posix() in PYTESTER_OUTPUT or rel.parts[0].startswith("runpytest-"):
            continue
        out[rel.as_posix()] = path.read_bytes()
    return out


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def commit_all(root: Path) -> None:
    """Make root a git repository holding every file in it, committed; pytester's own output
    files are excluded (.git/info/exclude) so the tree stays clean around each run."""
    git(root, "init", "-q")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "dev")
    exclude = root / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    exclude.write_text("/stdout\n/stderr\n/runpytest-*/\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "init")
