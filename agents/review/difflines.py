"""The lines a staged change adds or modifies, per file, from ``git diff --cached``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")

ChangedLines = dict[str, set[int]]


def parse_unified_diff(text: str) -> ChangedLines:
    """New-side line numbers of the added lines of a ``-U0`` diff, per file."""
    changed: ChangedLines = {}
    current: set[int] | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            name = line[4:].strip()
            if name == "/dev/null":
                current = None
            else:
                current = changed.setdefault(name.removeprefix("b/"), set())
            continue
        hunk = _HUNK.match(line)
        if hunk and current is not None:
            start, count = int(hunk.group(1)), int(hunk.group(2) or "1")
            current.update(range(start, start + count))
    return changed


def staged_lines(root: Path, files: Sequence[str]) -> ChangedLines | None:
    """Changed lines of the staged ``files`` (relative to ``root``); None outside git."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
        args = ["--cached", "-U0", "--no-color", "--no-ext-diff", "--no-renames"]
        text = repo.git.diff(*args, "--", *files)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        return None
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.resolve().relative_to(top).as_posix() if root.resolve() != top else ""
    changed = parse_unified_diff(text)
    if prefix:
        changed = {
            name.removeprefix(prefix + "/"): lines
            for name, lines in changed.items()
            if name.startswith(prefix + "/")
        }
    return changed


def touches(span: range, lines: set[int], context: int = 0) -> bool:
    """Whether a finding's lines meet the changed lines (widened by ``context`` each side)."""
    return any(line + d in lines for line in span for d in range(-context, context + 1))
