"""Rank suspicious source lines: per-test coverage scored with Ochiai, plus traceback frames.

Test files are never suspects: aiap repairs code, not the tests that judge it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from aiap.models import Failure, Location
from aiap.testfiles import is_test_file

# Line -> names of the tests that ran it, per file (relative to the workspace root).
LineCoverage = Mapping[str, Mapping[int, set[str]]]

# A traceback line is the likeliest spot among lines that score the same.
FRAME_BONUS = 0.05


def read_line_coverage(data_file: Path, root: Path) -> dict[str, dict[int, set[str]]]:
    """Per-test line coverage from a coverage.py data file with one context per test."""
    from coverage import CoverageData

    data = CoverageData(basename=str(data_file))
    data.read()
    result: dict[str, dict[int, set[str]]] = {}
    for measured in data.measured_files():
        try:
            rel = Path(measured).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
        by_line = data.contexts_by_lineno(measured)
        result[rel] = {line: {c for c in ctxs if c} for line, ctxs in by_line.items()}
    return result


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
