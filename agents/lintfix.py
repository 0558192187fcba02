"""``ruff check --fix`` and ``ruff format`` on a few files, written atomically and undoably,
limited to the lines the commit changed.

ruff reads each file on stdin and prints the fixed text (``--stdin-filename`` keeps the
project's ruff settings and exclusions); aiap writes the result through ``apply_patch``, so a
kill at any instant leaves each file either as it was or fully fixed, and ``aiap undo`` puts
it back.

**Only the changed lines** (as darker does for black): ruff runs on the whole file, then the
hunks of its output (a run of consecutive lines it replaced, deleted or inserted) are kept or
dropped. A hunk is kept when it replaces or deletes at least one line the commit added or
changed (the lines that differ from HEAD; every line of a file HEAD does not have); an inserted
hunk (blank lines before a new ``def``) when the line before or after it is such a line. The
hunks of one ruff fix (an import block sorted shows as several hunks) and of one string written
over several lines (quotes changed at both ends) are kept or dropped together. Lines the commit
only deleted leave no line behind: a commit that only deletes keeps nothing. A kept hunk may
rewrite unchanged lines of its own (the import block the commit added an import to is sorted
whole). When the kept hunks do not parse, ruff's change to that file is dropped and a message
says so. ``all_lines`` keeps every hunk.
"""

from __future__ import annotations

import ast
import importlib
import io
import json
import re
import subprocess
import tokenize
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from aiap.apply import ApplyError, apply_patch
from aiap.edits import apply_edits, edits_between
from aiap.models import CodePatch, Edit, TouchedFile, sha256_bytes
from aiap.review.difflines import ChangedLines, parse_unified_diff

RUFF_TIMEOUT = 60.0
GIT_TIMEOUT = 30.0


class LintResult(BaseModel):
    """What ruff changed in the files, one line each, and what it could not do."""

    changed: dict[str, str] = {}  # path -> "ruff: fixed 2 issue(s), reformatted"
    messages: list[str] = []


def ruff_bin() -> str:
    """The ruff executable installed with aiap (the ``ruff`` package ships no type hints)."""
    return str(importlib.import_module("ruff").find_ruff_bin())


def run_ruff(root: Path, args: Sequence[str], rel: str, text: str) -> tuple[str | None, str]:
    """ruff's output for ``text`` as file ``rel``; (None, reason) when ruff refused."""
    proc = subprocess.run(
        [ruff_bin(), *args, "--no-cache", "--force-exclude", "--stdin-filename", rel, "-"],
        cwd=root,
        input=text.encode("utf-8"),
        capture_output=True,
        timeout=RUFF_TIMEOUT,
    )
    err = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        reason = next((line for line in err.splitlines() if line.strip()), "ruff failed")
        return None, reason.removeprefix("error: ")
    return proc.stdout.decode("utf-8"), err


_FIXED = re.compile(r"Fixed (\d+) error")
_DIFF_FILE = re.compile(r"^--- (.+)$", re.MULTILINE)


def _would_change(root: Path, files: Sequence[str], fix: bool, fmt: bool) -> set[str]:
    """The files ruff would change, from two ``--diff`` runs over all of them (most commits
    need nothing: two processes instead of two per file). Every file when ruff cannot say."""
    commands = []
    if fix:
        commands.append(["check", "--fix-only", "--diff", "--exit-zero"])
    if fmt:
        commands.append(["format", "--diff"])
    found: set[str] = set()
    for args in commands:
        proc = subprocess.run(
            [ruff_bin(), *args, "--no-cache", "--force-exclude", "--", *files],
            cwd=root,
            capture_output=True,
            timeout=RUFF_TIMEOUT,
        )
        if proc.returncode not in (0, 1) or proc.stderr.startswith(b"error"):
            return set(files)  # a file ruff cannot parse: the per-file runs say which
        found.update(_DIFF_FILE.findall(proc.stdout.decode("utf-8", "replace")))
    return {f for f in files if f in found}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=root,
            capture_output=True,
            timeout=GIT_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def edited_lines(root: Path, files: Sequence[str]) -> ChangedLines | None:
    """The lines of ``files`` (relative to ``root``) that differ from HEAD, numbered as git
    numbers them; every line of a file HEAD does not have. None outside a git work tree.

    The files are diffed as they are on disk, which is as they are staged while pre-commit
    runs the hooks (it stashes unstaged edits first); run by hand, the line numbers still
    describe the file ruff reads.
    """
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if head is None:
        return None
    if head.returncode != 0:  # no commit yet, or not a repository
        inside = _git(root, "rev-parse", "--is-inside-work-tree")
        if inside is None or inside.stdout.strip() != b"true":
            return None
        return {f: _all_lines(root / f) for f in files}
    diff = _git(
        root, "diff", "HEAD", "-U0", "--no-color", "--no-ext-diff", "--no-textconv",
        "--no-renames", "--relative", "--src-prefix=a/", "--dst-prefix=b/", "--", *files,
    )  # fmt: skip
    if diff is None or diff.returncode != 0:
        return None
    changed = parse_unified_diff(diff.stdout.decode("utf-8", "replace"))
    absent = [f for f in files if f not in changed]
    if absent:  # unchanged since HEAD, or untracked (a run by hand: pre-commit passes staged)
        listed = _git(root, "ls-tree", "--name-only", "-z", "HEAD", "--", *absent)
        in_head = set(listed.stdout.decode("utf-8", "replace").split("\0")) if listed else set()
        for f in absent:
            changed[f] = set() if f in in_head else _all_lines(root / f)
    return {f: changed.get(f, set()) for f in files}


def _all_lines(path: Path) -> set[int]:
    try:
        data = path.read_bytes()
    except OSError:
        return set()
    return set(range(1, data.count(b"\n") + 2))


def _git_line_numbers(text: str) -> list[int]:
    """The git line number of each of ``text.splitlines()`` (which also splits at form feeds
    and other separators git does not count)."""
    numbers, line = [], 1
    for piece in text.splitlines(keepends=True):
        numbers.append(line)
        line += piece.count("\n")
    return numbers


def _touches(edit: Edit, edited: set[int]) -> bool:
    """Whether one of ruff's hunks meets the edited lines (indices of ``splitlines``, 1-based):
    a replacement or deletion by one of its lines, an insertion by the line on either side."""
    if edit.end_line < edit.start_line:
        return bool({edit.start_line - 1, edit.start_line} & edited)
    return any(line in edited for line in range(edit.start_line, edit.end_line + 1))


def _footprint(edit: Edit) -> tuple[int, int]:
    """The lines of the original a hunk replaces, or the two it is inserted between."""
    if edit.end_line < edit.start_line:
        return edit.start_line - 1, edit.start_line
    return edit.start_line, edit.end_line


def _groups(edits: list[Edit], spans: Sequence[tuple[int, int]]) -> list[list[Edit]]:
    """The hunks, those that meet one span (git line numbers mapped to indices by the caller)
    grouped: difflib may show one fix (sorted imports) as several hunks, kept or dropped
    together."""
    parent = list(range(len(edits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for first, last in spans:
        inside = [
            i
            for i, edit in enumerate(edits)
            if _footprint(edit)[0] <= last and first <= _footprint(edit)[1]
        ]
        for i in inside[1:]:
            parent[find(i)] = find(inside[0])
    groups: dict[int, list[Edit]] = {}
    for i, edit in enumerate(edits):
        groups.setdefault(find(i), []).append(edit)
    return list(groups.values())


def keep_on_lines(
    original: str, fixed: str, lines: set[int], spans: Sequence[tuple[int, int]] = ()
) -> tuple[str, int, int]:
    """``fixed`` reduced to ruff's hunks that meet ``lines`` of ``original`` (git line
    numbers), with the count of hunks kept and of all hunks. The hunks that meet one of
    ``spans`` (git line numbers, inclusive: one fix of ruff's, one multi-line string) are
    kept or dropped together."""
    numbers = _git_line_numbers(original)
    edited = {index for index, line in enumerate(numbers, 1) if line in lines}
    by_line: dict[int, list[int]] = {}
    for index, line in enumerate(numbers, 1):
        by_line.setdefault(line, []).append(index)
    index_spans = []
    for first, last in spans:
        indices = [i for line in range(first, last + 1) for i in by_line.get(line, [])]
        if indices:
            index_spans.append((min(indices), max(indices)))
    edits = edits_between("", original, fixed)
    kept = [
        edit
        for group in _groups(edits, index_spans)
        if any(_touches(edit, edited) for edit in group)
        for edit in group
    ]
    if len(kept) == len(edits):
        return fixed, len(kept), len(edits)
    return apply_edits(original, kept), len(kept), len(edits)


def _fix_spans(root: Path, rel: str, text: str) -> list[tuple[int, int]]:
    """The lines each of ruff's fixes of ``text`` spans (all its edits), first to last."""
    out, _ = run_ruff(root, ["check", "--output-format", "json", "--exit-zero"], rel, text)
    try:
        diagnostics = json.loads(out or "[]")
    except ValueError:
        return []
    spans = []
    for diagnostic in diagnostics:
        rows = []
        for edit in (diagnostic.get("fix") or {}).get("edits") or []:
            start, end = edit["location"], edit["end_location"]
            ends_a_line = end["column"] == 1 and end["row"] > start["row"]
            rows += [start["row"], end["row"] - 1 if ends_a_line else end["row"]]
        if rows:
            spans.append((min(rows), max(rows)))
    return spans


def _string_spans(text: str) -> list[tuple[int, int]]:
    """The lines of each string written over several lines (ruff may change its quotes at
    both ends)."""
    spans, opened = [], []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            name = tokenize.tok_name[token.type]
            if name.endswith("STRING_START"):
                opened.append(token.start[0])
            elif name.endswith("STRING_END") and opened:
                spans.append((opened.pop(), token.end[0]))
            elif token.start[0] != token.end[0] and token.type == tokenize.STRING:
                spans.append((token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        pass
    return [(first, last) for first, last in spans if first != last]


def _parses(root: Path, rel: str, text: str, original: str) -> bool:
    """Whether ``text`` is still Python; ruff's parser judges when this interpreter cannot
    parse even the original (syntax newer than the hook's Python)."""
    try:
        ast.parse(text)
        return True
    except (SyntaxError, ValueError):
        pass
    try:
        ast.parse(original)
        return False
    except (SyntaxError, ValueError):
        return run_ruff(root, ["format"], rel, text)[0] is not None


def lint_fix(
    root: Path,
    files: Sequence[str],
    *,
    fix: bool = True,
    fmt: bool = True,
    all_lines: bool = False,
) -> LintResult:
    """Fix and format ``files`` (relative to ``root``) in place, on the lines that differ from
    HEAD (every line with ``all_lines``); one summary line per changed file."""
    result = LintResult()
    if not files or not (fix or fmt):
        return result
    changing = [f for f in files if f in _would_change(root, files, fix, fmt)]
    lines: ChangedLines | None = None
    if changing and not all_lines:
        lines = edited_lines(root, changing)
        if lines is None:
            result.messages.append("not a git work tree: ruff fixes every line")
    for rel in changing:
        try:
            data = (root / rel).read_bytes()
            original = data.decode("utf-8")
        except UnicodeDecodeError:
            result.messages.append(f"{rel}: not UTF-8; ruff leaves it alone")
            continue
        except OSError as e:
            result.messages.append(f"{rel}: cannot be read ({e.strerror or e})")
            continue
        text, what = original, []
        if fix:
            fixed, err = run_ruff(root, ["check", "--fix-only", "--exit-zero"], rel, text)
            if fixed is None:
                result.messages.append(f"{rel}: ruff check --fix: {err}")
            elif fixed != text:
                count = _FIXED.search(err)
                what.append(f"fixed {count.group(1) if count else 'some'} issue(s)")
                text = fixed
        if fmt:
            formatted, err = run_ruff(root, ["format"], rel, text)
            if formatted is None:
                result.messages.append(f"{rel}: ruff format: {err}")
            elif formatted != text:
                what.append("reformatted")
                text = formatted
        if text == original:
            continue
        summary = "ruff: " + ", ".join(what)
        if lines is not None:
            edited, full = lines.get(rel, set()), text
            text, kept, hunks = keep_on_lines(original, full, edited)
            if not kept:
                continue  # every change ruff made is on lines the commit did not touch
            if kept < hunks:  # one fix, one multi-line string: all its hunks or none
                spans = _string_spans(original)
                if what[0].startswith("fixed"):
                    spans += _fix_spans(root, rel, original)
                text, kept, hunks = keep_on_lines(original, full, edited, spans)
            if kept < hunks:
                if not _parses(root, rel, text, original):
                    result.messages.append(
                        f"{rel}: ruff's changes to the staged lines do not parse without its "
                        "changes to other lines; file left as it was (--all-lines fixes it all)"
                    )
                    continue
                summary += f"; kept {kept} of {hunks} change(s), those on the staged lines"
        patch = CodePatch(
            engine="ruff",
            operator="lint",
            description=f"{rel}: {summary}",
            edits=edits_between(rel, original, text),
            files=[
                TouchedFile(
                    path=rel,
                    original_sha256=sha256_bytes(data),
                    patched_sha256=sha256_bytes(text.encode("utf-8")),
                )
            ],
        )
        try:
            apply_patch(root, patch)
        except ApplyError as e:
            result.messages.append(str(e))
            continue
        result.changed[rel] = summary
    return result
