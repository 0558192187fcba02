"""Where the failures come from: suspicious source lines (per-test coverage scored with Ochiai,
plus traceback frames), and the failures grouped by the function they surface in.

Test files are never suspects: aiap repairs code, not the tests that judge it.
"""

from __future__ import annotations

import ast
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel

from aiap.models import Failure, Location
from aiap.repair.linecoverage import LineCoverage
from aiap.testfiles import is_test_file

# A traceback line is the likeliest spot among lines that score the same.
FRAME_BONUS = 0.05
# The condition that decides whether a suspicious block runs is suspect too, just below it:
# `if size > limit: raise ...` runs for every test, its body only for the failing ones.
GUARD_SHARE = 0.98


def ochiai(failed_covering: int, passed_covering: int, total_failed: int) -> float:
    if failed_covering == 0 or total_failed == 0:
        return 0.0
    return failed_covering / math.sqrt(total_failed * (failed_covering + passed_covering))


def guards(source: str) -> dict[int, int]:
    """Each line of an ``if``/``while`` block (``else`` included) -> the line of the condition
    that decides whether it runs, the innermost one."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    out: dict[int, int] = {}
    for node in ast.walk(tree):  # outer blocks first: inner conditions overwrite them
        if isinstance(node, (ast.If, ast.While)):
            for block in (node.body, node.orelse):
                if block:
                    end = block[-1].end_lineno or block[-1].lineno
                    out.update(dict.fromkeys(range(block[0].lineno, end + 1), node.lineno))
    return out


def rank_locations(
    failures: Iterable[Failure],
    coverage: LineCoverage,
    passed: set[str],
    test_files: Iterable[str] = (),
    source_of: Callable[[str], str | None] = lambda path: None,
) -> list[Location]:
    """Suspicious lines, most suspicious first; ties broken by traceback depth (innermost first).

    ``source_of``: a file's text, for the conditions guarding suspicious lines."""
    failures = list(failures)
    failing = {f.nodeid for f in failures}
    test_files = set(test_files)
    scores: dict[tuple[str, int], float] = defaultdict(float)
    for path, lines in coverage.items():
        if is_test_file(path, test_files):
            continue
        for line, tests in lines.items():
            ef = len(tests & failing)
            if ef:
                scores[(path, line)] = ochiai(ef, len(tests & passed), len(failing))
    # Frames: the innermost project frame is where the failure surfaced.
    depth: dict[tuple[str, int], int] = {}
    for failure in failures:
        frames = [f for f in failure.frames if not is_test_file(f.path, test_files)]
        for distance, frame in enumerate(reversed(frames)):
            key = (frame.path, frame.line)
            depth[key] = min(depth.get(key, distance), distance)
    for key in depth:
        scores[key] = max(scores.get(key, 0.0), 1.0 / math.sqrt(len(failing))) + FRAME_BONUS
    _lift_guards(scores, source_of)
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], depth.get(kv[0], 99), kv[0]))
    return [
        Location(path=path, start_line=line, end_line=line, score=round(score, 6))
        for (path, line), score in ordered
        if score > 0
    ]


def _lift_guards(
    scores: dict[tuple[str, int], float], source_of: Callable[[str], str | None]
) -> None:
    by_path: dict[str, dict[int, int]] = {}
    # Last lines first: a condition comes before the lines it guards, so it is lifted before it
    # lifts the condition around it in turn (nested ifs).
    for path, line in sorted(scores, key=lambda key: (key[0], -key[1])):
        if path not in by_path:
            by_path[path] = guards(source_of(path) or "")
        guard = by_path[path].get(line)
        if guard is not None and guard < line:
            lifted = GUARD_SHARE * scores[(path, line)]
            scores[(path, guard)] = max(scores.get((path, guard), 0.0), lifted)


class FailureGroup(BaseModel):
    failures: list[Failure]


def group_failures(failures: Sequence[Failure], test_files: set[str]) -> list[FailureGroup]:
    """One group per innermost code frame: failures that surface in the same function."""
    groups: dict[str, list[Failure]] = {}
    for failure in failures:
        code = [f for f in failure.frames if not is_test_file(f.path, test_files)]
        key = f"{code[-1].path}::{code[-1].function}" if code else ""
        groups.setdefault(key, []).append(failure)
    return [FailureGroup(failures=fs) for _, fs in sorted(groups.items())]
