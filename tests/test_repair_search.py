"""How the search chooses among plausible patches, copes with many failures and with engines that
fail: specifications run through `pytest --aiap-fix` on small projects, and on the parts."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pluggy

from aiap import hookspecs
from aiap.engines import propose
from aiap.hookspecs import RepairRequest, hookimpl
from aiap.models import CodePatch, Edit, Failure, RunState
from aiap.repair.localize import FailureGroup
from aiap.repair.pipeline import SAMPLE_SIZE, failure_sample
from aiap.repair.search import _Search, rank_key
from tests.conftest import run_pytest_cli, write_project

# A fast path for sized inputs with an off-by-one, and a slow path that is right: sending every
# input down the slow path (`isinstance(n, Sized)`) passes the tests too, with a smaller edit.
WINDOW = '''\
from collections.abc import Sized


def last(iterable, n):
    """The last n items of iterable, as a list."""
    if isinstance(iterable, Sized):
        start = max(len(iterable) - n + 1, 0)
        return list(iterable)[start:]
    items = []
    for item in iterable:
        items.append(item)
        if len(items) > n:
            items.pop(0)
    return items
'''

WINDOW_TESTS = """\
from window import last


def test_last_of_a_list():
    assert last([1, 2, 3, 4], 2) == [3, 4]
    assert last([1, 2, 3], 3) == [1, 2, 3]
    assert last("abc", 1) == ["c"]


def test_last_of_a_short_list():
    assert last([1, 2], 5) == [1, 2]
    assert last([], 1) == []


def test_last_of_a_generator():
    assert last((x for x in range(5)), 3) == [2, 3, 4]


def test_more_than_there_are():
    assert last((x for x in "ab"), 5) == ["a", "b"]
"""


def test_a_patch_that_leaves_a_fast_path_unreached_ranks_below_the_real_fix(
    tmp_path: Path,
) -> None:
    project = write_project(tmp_path / "p", {"window.py": WINDOW, "test_window.py": WINDOW_TESTS})
    result = run_pytest_cli(project, "--aiap-fix", "--aiap-engine=offline", "--aiap-budget=120")
    chosen = result.stdout.split("aiap: patch 1:", 1)[-1]
    assert "+        start = max(len(iterable) - n, 0)" in chosen, result.stdout


# The bug makes the loop end at once, so the tests fail in a fraction of a second; the fix makes
# them poll for 3.5 s, longer than the timeout calibrated on that fast failure (4x + 1 s).
POLL = """\
import time


def wait_for(ready, timeout):
    \"\"\"Poll ready() until it is true or timeout seconds pass; whether it became true.\"\"\"
    deadline = time.monotonic() + timeout
    while time.monotonic() > deadline:
        if ready():
            return True
        time.sleep(0.05)
    return False
"""

POLL_TESTS = """\
import time

from poll import wait_for


def test_waits_until_ready():
    start = time.monotonic()
    assert wait_for(lambda: time.monotonic() - start > 3.0, timeout=30)


def test_gives_up_at_the_timeout():
    start = time.monotonic()
    assert not wait_for(lambda: False, timeout=0.5)
    assert time.monotonic() - start >= 0.5
"""


def test_a_fix_that_makes_a_fast_failing_test_wait_is_not_rejected_as_a_hang(
    tmp_path: Path,
) -> None:
    project = write_project(tmp_path / "p", {"poll.py": POLL, "test_poll.py": POLL_TESTS})
    result = run_pytest_cli(project, "--aiap-fix", "--aiap-engine=offline", "--aiap-budget=120")
    chosen = result.stdout.split("aiap: patch 1:", 1)[-1]
    assert "+    while time.monotonic() < deadline:" in chosen, result.stdout


def _many_failures_project(root: Path) -> Path:
    """One flipped comparison in a helper that fails 18 tests of three functions."""
    source = textwrap.dedent(
        """\
        def is_leap(year):
            return year % 4 == 0 and (year % 100 == 0 or year % 400 == 0)


        def days_in_year(year):
            return 366 if is_leap(year) else 365


        def days_in_february(year):
            return 29 if is_leap(year) else 28
        """
    )
    years = {1996: True, 2004: True, 2012: True, 2024: True, 1900: False, 2100: False}
    tests = ["from calendar_math import days_in_february, days_in_year, is_leap\n"]
    for year, leap in years.items():
        tests.append(f"def test_is_leap_{year}():\n    assert is_leap({year}) is {leap}\n")
        tests.append(
            f"def test_days_in_{year}():\n    assert days_in_year({year}) == {365 + leap}\n"
        )
        tests.append(
            f"def test_february_{year}():\n    assert days_in_february({year}) == {28 + leap}\n"
        )
    tests.append("def test_2000_is_leap():\n    assert is_leap(2000)\n")
    tests.append("def test_2023_is_not():\n    assert not is_leap(2023)\n")
    return write_project(root, {"calendar_math.py": source, "test_dates.py": "\n\n".join(tests)})


def test_one_bug_failing_many_tests_is_fixed_by_one_patch(tmp_path: Path) -> None:
    project = _many_failures_project(tmp_path / "p")
    result = run_pytest_cli(project, "--aiap-fix", "--aiap-engine=offline", "--aiap-budget=120")
    assert "searching a patch for 18 failing test(s)" in result.stdout, result.stdout
    assert "+    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)" in result.stdout
    assert "aiap: patch 2:" not in result.stdout


def _failure(nodeid: str, function: str) -> Failure:
    from aiap.models import Frame

    return Failure(nodeid=nodeid, frames=[Frame(path="m.py", line=1, function=function)])


def test_the_sample_takes_the_fastest_test_of_each_group() -> None:
    groups = [
        FailureGroup(failures=[_failure(f"t.py::a{i}", "a") for i in range(5)]),
        FailureGroup(failures=[_failure(f"t.py::b{i}", "b") for i in range(5)]),
    ]
    durations = {f"t.py::{g}{i}": 1.0 for g in "ab" for i in range(5)}
    durations.update({"t.py::a3": 0.01, "t.py::b4": 0.02})
    sample = failure_sample(groups, durations)
    assert sample[:2] == ["t.py::a3", "t.py::b4"]
    assert len(sample) <= SAMPLE_SIZE


def test_few_failing_tests_need_no_sample() -> None:
    groups = [FailureGroup(failures=[_failure(f"t.py::a{i}", "a") for i in range(SAMPLE_SIZE)])]
    assert failure_sample(groups, {}) == []


class _Breaks:
    """An engine that offers one candidate, then raises."""

    @hookimpl
    def aiap_propose_patches(self, request: RepairRequest) -> Iterator[CodePatch]:
        yield CodePatch(
            engine="breaks",
            operator="x",
            description="first",
            edits=[Edit(path="m.py", start_line=1, end_line=1, new_text="x = 1\n")],
        )
        raise RecursionError("maximum recursion depth exceeded\nwhile rendering")


def _candidate(line: int, size: int, score: float, new_text: str = "x\n") -> CodePatch:
    edit = Edit(path="m.py", start_line=line, end_line=line, new_text=new_text)
    diff = f"--- a/m.py\n+++ b/m.py\n@@ -{line} +{line} @@\n-old\n+{new_text}"
    return CodePatch(
        engine="t", operator="t", description="", edits=[edit], diff=diff, size=size, score=score
    )


def test_after_the_first_find_only_candidates_that_would_rank_above_it_are_checked() -> None:
    search = _Search(None, None, RunState(), print, 0.0)  # type: ignore[arg-type]
    found = _candidate(line=16, size=2, score=1.0)
    search.first_line, search.best, search.look_until = ("m.py", 16), rank_key(found), 1e12
    assert search._admit(_candidate(line=20, size=1, score=0.5)) is True  # smaller: may win
    assert search._admit(_candidate(line=16, size=1, score=1.0)) is True
    assert search._admit(_candidate(line=20, size=2, score=0.5)) is False  # would rank below
    assert search._admit(_candidate(line=16, size=3, score=1.0)) is False


def test_an_engine_that_raises_ends_its_own_stream_with_one_line() -> None:
    pm = pluggy.PluginManager("aiap")
    pm.add_hookspecs(hookspecs)
    pm.register(_Breaks(), name="breaks")
    heard: list[str] = []
    request = RepairRequest(root=".", failures=[], locations=[])
    offered = list(propose(pm, "breaks", request, failed=heard.append))
    assert [p.description for p in offered] == ["first"]
    assert heard == ["engine breaks failed: RecursionError: maximum recursion depth exceeded"]
