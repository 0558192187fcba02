"""Which tests check a candidate: those that ran the lines it changes, from a real coverage map."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from aiap.models import CodePatch, Edit, RunState
from aiap.repair.reproduce import Reproduction, reproduce
from aiap.repair.validate import Invocation, Validator, ran_by
from aiap.workspace import Workspace
from tests.conftest import write_project

MOD = (
    "LIMIT = 3\n"  # 1: module level, run at import
    "\n"
    "def clip(x):\n"  # 3: the def line runs at import too
    "    if x > LIMIT:\n"  # 4: the body's first line
    "        return LIMIT\n"  # 5
    "    return x\n"  # 6
    "\n"
    "def total(values):\n"  # 8
    "    return sum(\n"  # 9: a statement over two lines; coverage marks its first
    "        clip(v) for v in values)\n"  # 10
)
TESTS = (
    "from mod import clip, total\n\n"
    "def test_small():\n    assert clip(2) == 2\n\n"
    "def test_big():\n    assert clip(9) == 3\n\n"
    "def test_total():\n    assert total([1, 2]) == 3\n\n"
    "def test_wrong():\n    assert clip(9) == 9\n"  # fails: the repair's target
)
SMALL, BIG, TOTAL, WRONG = (
    f"test_mod.py::{name}" for name in ("test_small", "test_big", "test_total", "test_wrong")
)


@pytest.fixture(scope="module")
def reproduced(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Workspace, Reproduction]]:
    """One real probed run of the project, shared: the tests below only read its map."""
    project = write_project(tmp_path_factory.mktemp("p"), {"mod.py": MOD, "test_mod.py": TESTS})
    ws = Workspace.create(project)
    try:
        found = reproduce(
            _invocation(ws), ws, [WRONG], timeout_setting=None, user_seconds=1.0, state=RunState()
        )
        assert found is not None
        yield ws, found
    finally:
        ws.cleanup()


def _invocation(ws: Workspace) -> Invocation:
    return Invocation(
        rootdir=ws.root,
        invocation_dir=ws.root,
        options=[],
        positional=[],
        env={**os.environ, "PYTHONPATH": str(ws.root), "COVERAGE_CORE": "ctrace"},
    )


def _edit(start: int, end: int | None = None) -> Edit:
    end = start if end is None else end
    return Edit(path="mod.py", start_line=start, end_line=end, new_text="    pass\n")


def _running(reproduced: tuple[Workspace, Reproduction], edit: Edit) -> set[str] | None:
    return ran_by(edit, reproduced[1].coverage["mod.py"])


def test_a_replaced_line_is_checked_by_the_tests_that_ran_it(
    reproduced: tuple[Workspace, Reproduction],
) -> None:
    assert _running(reproduced, _edit(5)) == {BIG, WRONG}  # total([1, 2]) clips nothing


def test_the_first_line_of_a_body_is_not_taken_for_module_level_code(
    reproduced: tuple[Workspace, Reproduction],
) -> None:
    # its neighbour above, the def line, ran at import: no reason to run the whole suite
    assert _running(reproduced, _edit(4)) == {SMALL, BIG, TOTAL, WRONG}


def test_an_insertion_at_the_top_of_a_body_is_checked_by_the_tests_that_ran_the_body(
    reproduced: tuple[Workspace, Reproduction],
) -> None:
    assert _running(reproduced, _edit(4, 3)) == {SMALL, BIG, TOTAL, WRONG}


def test_a_continuation_line_is_checked_by_the_tests_that_ran_its_statement(
    reproduced: tuple[Workspace, Reproduction],
) -> None:
    assert _running(reproduced, _edit(10)) == {TOTAL}


def test_a_module_level_line_is_checked_by_the_whole_suite(
    reproduced: tuple[Workspace, Reproduction],
) -> None:
    assert _running(reproduced, _edit(1)) is None


def test_a_changed_def_line_is_checked_by_the_whole_suite(
    reproduced: tuple[Workspace, Reproduction],
) -> None:
    # default values and decorators run at import
    assert _running(reproduced, _edit(3)) is None


def test_the_validator_leaves_out_the_failing_tests_and_those_that_failed_before(
    reproduced: tuple[Workspace, Reproduction],
) -> None:
    ws, found = reproduced
    validator = Validator(ws, _invocation(ws), found.baseline, [WRONG], coverage=found.coverage)
    patch = CodePatch(engine="test", operator="test", description="", edits=[_edit(4)])
    assert validator.covering_tests(patch) == {SMALL, BIG, TOTAL}
