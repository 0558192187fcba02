"""Localization: Ochiai over per-test coverage, traceback frames, never a test file."""

from __future__ import annotations

import pytest

from aiap.models import Failure, Frame
from aiap.repair.localize import GUARD_SHARE, guards, ochiai, rank_locations


def test_ochiai_is_one_for_a_line_only_failing_tests_run() -> None:
    assert ochiai(failed_covering=2, passed_covering=0, total_failed=2) == 1.0


def test_ochiai_is_zero_for_a_line_no_failing_test_runs() -> None:
    assert ochiai(failed_covering=0, passed_covering=5, total_failed=1) == 0.0


def test_lines_run_by_failing_tests_only_rank_first() -> None:
    coverage = {
        "pkg/mod.py": {
            3: {"t.py::test_fail", "t.py::test_pass"},
            4: {"t.py::test_fail"},
            5: {"t.py::test_pass"},
        }
    }
    ranked = rank_locations([Failure(nodeid="t.py::test_fail")], coverage, {"t.py::test_pass"})
    assert [(loc.path, loc.start_line) for loc in ranked] == [("pkg/mod.py", 4), ("pkg/mod.py", 3)]


def test_test_files_are_never_suspects() -> None:
    coverage = {
        "tests/test_mod.py": {7: {"tests/test_mod.py::test_fail"}},
        "conftest.py": {2: {"tests/test_mod.py::test_fail"}},
        "mod.py": {1: {"tests/test_mod.py::test_fail"}},
    }
    failure = Failure(
        nodeid="tests/test_mod.py::test_fail",
        frames=[Frame(path="tests/test_mod.py", line=7, function="test_fail")],
    )
    ranked = rank_locations([failure], coverage, set(), test_files={"tests/test_mod.py"})
    assert [loc.path for loc in ranked] == ["mod.py"]


def test_the_innermost_frame_wins_a_tie() -> None:
    coverage = {"m.py": {2: {"t.py::test_x"}, 9: {"t.py::test_x"}}}
    failure = Failure(
        nodeid="t.py::test_x",
        frames=[
            Frame(path="m.py", line=2, function="outer"),
            Frame(path="m.py", line=9, function="inner"),
        ],
    )
    ranked = rank_locations([failure], coverage, set())
    assert [loc.start_line for loc in ranked] == [9, 2]


def test_helpers_in_a_test_directory_are_never_suspects() -> None:
    """A mixin of test methods in tests/__init__.py judges the code like a test module."""
    coverage = {
        "tests/__init__.py": {9: {"tests/test_lru.py::test_size"}},
        "src/pkg/cache.py": {3: {"tests/test_lru.py::test_size"}},
    }
    ranked = rank_locations([Failure(nodeid="tests/test_lru.py::test_size")], coverage, set())
    assert [loc.path for loc in ranked] == ["src/pkg/cache.py"]


GUARDED = """\
def put(self, key, value):
    size = self.getsizeof(value)
    if size >= self.maxsize:
        raise ValueError("value too large")
    self.data[key] = value
"""


def test_the_condition_guarding_a_suspicious_block_ranks_just_below_it() -> None:
    fail, ok = "t.py::test_fits", {"t.py::test_small", "t.py::test_other"}
    coverage = {"cache.py": {2: {fail, *ok}, 3: {fail, *ok}, 4: {fail}, 5: ok}}
    ranked = rank_locations(
        [Failure(nodeid=fail)], coverage, ok, source_of={"cache.py": GUARDED}.get
    )
    assert [loc.start_line for loc in ranked] == [4, 3, 2]
    assert ranked[1].score == pytest.approx(GUARD_SHARE * ranked[0].score)


NESTED = """\
def from_yearday(self, yday):
    for idx, ydays in enumerate(DAYS):
        if yday <= ydays:
            self.month = idx + 1
            if idx == 0:
                self.day = yday
"""


def test_an_outer_condition_is_lifted_through_the_inner_one() -> None:
    fail, ok = "t.py::test_day", {"t.py::test_other", "t.py::test_more"}
    coverage = {"r.py": {3: {fail, *ok}, 4: {fail, *ok}, 5: {fail, "t.py::test_other"}, 6: {fail}}}
    ranked = rank_locations([Failure(nodeid=fail)], coverage, ok, source_of={"r.py": NESTED}.get)
    assert [loc.start_line for loc in ranked][:3] == [6, 5, 3]
    assert ranked[2].score == pytest.approx(GUARD_SHARE * GUARD_SHARE * ranked[0].score)


def test_guards_map_else_and_elif_blocks_to_their_innermost_condition() -> None:
    source = "if a:\n    x()\nelif b:\n    y()\nelse:\n    while c:\n        z()\n"
    found = guards(source)
    assert [found[line] for line in (2, 3, 4, 6, 7)] == [1, 1, 3, 3, 6]


def test_unparsable_source_has_no_guards() -> None:
    assert guards("if (:\n") == {}
