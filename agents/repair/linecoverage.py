"""Per-test line coverage of the reproduction run: read from the probe's coverage.py data, and
summed up per file for the pre-commit hook's test selection."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aiap.testfiles import is_test_file

# Line -> node ids of the tests that ran it, per file (relative to the workspace root). A line
# with an empty set ran outside any test: at import, during collection.
LineCoverage = Mapping[str, Mapping[int, set[str]]]


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


def covered_by(coverage: LineCoverage) -> dict[str, list[str]]:
    """Source file -> the test files whose tests ran at least one of its lines."""
    result: dict[str, list[str]] = {}
    for path, lines in coverage.items():
        if is_test_file(path):
            continue
        tests = {ctx.split("::")[0] for ctxs in lines.values() for ctx in ctxs}
        if tests:
            result[path] = sorted(tests)
    return result
