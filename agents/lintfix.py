"""``ruff check --fix`` and ``ruff format`` on a few files, written atomically and undoably.

ruff reads each file on stdin and prints the fixed text (``--stdin-filename`` keeps the
project's ruff settings and exclusions); aiap writes the result through ``apply_patch``, so a
kill at any instant leaves each file either as it was or fully fixed, and ``aiap undo`` puts
it back.
"""

from __future__ import annotations

import importlib
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from aiap.apply import ApplyError, apply_patch
from aiap.edits import edits_between
from aiap.models import CodePatch, TouchedFile, sha256_bytes

RUFF_TIMEOUT = 60.0


class LintResult(BaseModel):
    """What ruff changed in the files, one line each, and what it could not do."""

    changed: dict[str, str] = {}  # path -> "ruff: fixed 2 issue(s), reformatted"
    messages: list[str] = []


def ruff_bin() -> str:
    """The ruff executable installed with aiap (the ``ruff`` package ships no type hints)."""
    return str(importlib.import_module("ruff").find_ruff_bin())


def _ruff(root: Path, args: Sequence[str], rel: str, text: str) -> tuple[str | None, str]:
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


def lint_fix(root: Path, files: Sequence[str], *, fix: bool = True, fmt: bool = True) -> LintResult:
    """Fix and format ``files`` (relative to ``root``) in place; one summary line per file."""
    result = LintResult()
    if not files or not (fix or fmt):
        return result
    changing = _would_change(root, files, fix, fmt)
    for rel in (f for f in files if f in changing):
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
            fixed, err = _ruff(root, ["check", "--fix-only", "--exit-zero"], rel, text)
            if fixed is None:
                result.messages.append(f"{rel}: ruff check --fix: {err}")
            elif fixed != text:
                count = _FIXED.search(err)
                what.append(f"fixed {count.group(1) if count else 'some'} issue(s)")
                text = fixed
        if fmt:
            formatted, err = _ruff(root, ["format"], rel, text)
            if formatted is None:
                result.messages.append(f"{rel}: ruff format: {err}")
            elif formatted != text:
                what.append("reformatted")
                text = formatted
        if text == original:
            continue
        summary = "ruff: " + ", ".join(what)
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
