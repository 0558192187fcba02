"""Line edits: computed from two texts, applied to a text, shown as a unified diff."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from aiap.models import Edit


def edits_between(path: str, old: str, new: str) -> list[Edit]:
    """The line-range replacements that turn ``old`` into ``new``."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            Edit(path=path, start_line=i1 + 1, end_line=i2, new_text="".join(new_lines[j1:j2]))
        )
    return edits


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply edits of one file; they must not overlap. Bottom-up so line numbers hold."""
    lines = text.splitlines(keepends=True)
    for edit in sorted(edits, key=lambda e: e.start_line, reverse=True):
        if not (1 <= edit.start_line <= len(lines) + 1 and edit.end_line <= len(lines)):
            raise ValueError(
                f"{edit.path}: edit at lines {edit.start_line}-{edit.end_line} is out of range"
            )
        lines[edit.start_line - 1 : edit.end_line] = edit.new_text.splitlines(keepends=True)
    return "".join(lines)


def unified_diff(path: str, old: str, new: str) -> str:
    """A git-style diff (a/ and b/ prefixes) that `git apply` and `patch -p1` accept."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(old_lines, new_lines, f"a/{path}", f"b/{path}"):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    if not out:
        return ""
    return f"diff --git a/{path} b/{path}\n" + "".join(out)


# Python's multi-character operators are one token each: `%` -> `//` is as small as `%` -> `/`.
_TOKEN = re.compile(r"\w+|\*\*=?|//=?|<<=?|>>=?|[<>=!]=|->|:=|[-+*/%@&|^]=|[^\w\s]")


def change_size(old: str, new: str) -> int:
    """Tokens replaced, inserted or deleted: the smaller, the more minimal the patch.

    Only the lines that differ are tokenized, so this stays cheap on large files.
    """
    old_lines = old.splitlines()
    new_lines = new.splitlines()
    size = 0
    lines = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in lines.get_opcodes():
        if tag == "equal":
            continue
        a = _TOKEN.findall("\n".join(old_lines[i1:i2]))
        b = _TOKEN.findall("\n".join(new_lines[j1:j2]))
        tokens = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        size += sum(
            max(t2 - t1, u2 - u1)
            for tag2, t1, t2, u1, u2 in tokens.get_opcodes()
            if tag2 != "equal"
        )
    return size


def net_tokens(diff: str) -> int:
    """How many tokens a unified diff adds or removes in all: 0 for a pure substitution."""
    balance = 0
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            continue
        if line.startswith(("+", "-")):
            count = len(_TOKEN.findall(line[1:]))
            balance += count if line[0] == "+" else -count
    return abs(balance)
