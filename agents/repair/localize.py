"""Where the failures come from: suspicious source lines (per-test coverage scored with Ochiai,
plus traceback frames), and the failures grouped by the function they surface in.

Test files are never suspects: aiap repairs code, not the tests that judge it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from aiap.models import Failure, Location
from aiap.repair.linecoverage import LineCoverage
from aiap.testfiles import is_test_file

# A traceback line is the likeliest spot among lines that score the same.
FRAME_BONUS = 0.05


def ochiai(failed_covering: int, passed_covering: int, total_failed: int) -> float:
    if failed_covering == 0 or total_failed == 0:
        return 0.0
    return failed_covering / math.sqrt(total_failed * (failed_covering + passed_covering))


def rank_locations(
    failures: Iterable[Failure],
    coverage: LineCoverage,
    passed: set[str],
    test_files: Iterable[str] = (),
) -> list[Location]:
    """Suspicious lines, most suspicious first; ties broken by traceback depth (innermost first)."""
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
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], depth.get(kv[0], 99), kv[0]))
    return [
        Location(path=path, start_line=line, end_line=line, score=round(score, 6))
        for (path, line), score in ordered
        if score > 0
    ]


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
