"""What a plausible patch does to the code the suite reaches: the tie-breaker between patches.

A patch that passes every test by steering the tests away from code they ran before (a fast
path made dead, a branch never taken again) is rarely the maintainer's fix. With the patch
applied, the tests that passed before and ran the changed lines run once more under per-test
coverage, with the failing tests; the lines of the changed functions the passing ones reached
before and no longer reach, plus a changed line no test runs any more, are the patch's
``lost`` lines. Only the changed functions: elsewhere, what a suite reaches can vary from run to
run (threads, timing), which would rank two equivalent patches apart at random.
"""

from __future__ import annotations

import ast
from pathlib import Path

from aiap import tempdirs
from aiap.models import CodePatch, Edit
from aiap.repair.linecoverage import read_line_coverage
from aiap.repair.probe_records import COVERAGE_ENV
from aiap.repair.validate import Validator

# Above this many covering tests the coverage run costs more than the ranking is worth.
MAX_TESTS = 400


def _shift(edits: list[Edit], line: int) -> int | None:
    """Where an original line is after the edits; None when an edit replaced it."""
    offset = 0
    for edit in sorted(edits, key=lambda e: e.start_line):
        if line < edit.start_line:
            break
        if line <= edit.end_line:
            return None
        old = edit.end_line - edit.start_line + 1
        offset += len(edit.new_text.splitlines()) - old
    return line + offset


def _new_lines(edits: list[Edit]) -> set[int]:
    """The lines the edits wrote, numbered as in the patched file."""
    lines: set[int] = set()
    offset = 0
    for edit in sorted(edits, key=lambda e: e.start_line):
        count = len(edit.new_text.splitlines())
        first = edit.start_line + offset
        lines.update(range(first, first + count))
        offset += count - (edit.end_line - edit.start_line + 1)
    return lines


def _functions_around(source: str, lines: set[int]) -> set[int] | None:
    """The lines of the innermost functions holding ``lines``; None: all of the file (an edit
    outside any function, or a file that does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    spans: set[int] = set()
    for line in lines:
        around = [
            (node.end_lineno - node.lineno, node.lineno, node.end_lineno)
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno is not None
            and node.lineno <= line <= node.end_lineno
        ]
        if not around:
            return None
        _, first, last = min(around)
        spans.update(range(first, last + 1))
    return spans


def lost_lines(validator: Validator, patch: CodePatch) -> int | None:
    """How many lines the suite reached before and does not with the patch; None: not known."""
    if validator.coverage is None:
        return None
    tests = validator.covering_tests(patch)
    if not tests or len(tests) > MAX_TESTS:
        return None
    inv = validator.invocation
    with tempdirs.temporary("reach") as tmp:
        data = Path(tmp) / "coverage"
        with validator.workspace.patched(patch):
            run = validator.run(  # the lane's warm worker: coverage starts in the fork
                inv.rootdir,
                # A few failing tests too: they run the changed line, if anything does (all of
                # them, hundreds for some bugs, cost seconds and tell no more).
                [
                    *inv.options,
                    *sorted(tests | set(validator.sample or validator.targets)),
                    "-p",
                    "aiap.repair.probe",
                ],
                timeout=validator.limit(validator.targets_timeout + 30),
                memory_mb=inv.memory_mb,
                env={COVERAGE_ENV: str(data)},
            )
        if run.timed_out or run.failed() or not data.exists():
            return None
        after = read_line_coverage(data, validator.workspace.root)
    lost = 0
    for path in sorted({e.path for e in patch.edits}):
        edits = [e for e in patch.edits if e.path == path]
        before = validator.coverage.get(path, {})
        original = (validator.workspace.root / path).read_text(encoding="utf-8")
        inside = _functions_around(original, {e.start_line for e in edits})
        if inside is not None:
            before = {line: ids for line, ids in before.items() if line in inside}
        reached = {line for line, ids in after.get(path, {}).items() if ids & tests}
        for line, ids in before.items():
            moved = _shift(edits, line)
            if moved is not None and ids & tests and moved not in reached:
                lost += 1
        changed = _new_lines(edits)
        if changed and not changed & set(after.get(path, {})):
            lost += 1  # the changed line itself runs no more
    return lost
