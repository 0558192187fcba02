"""The reproduction split by test file over the cores, from the durations of the user's run;
the final whole-suite run split as the reproduction was."""

from __future__ import annotations

import os
from pathlib import Path

from aiap.models import CodePatch, Edit, RunResult, RunState, TestResult, Verdict
from aiap.repair.lanes import ValidatorPool
from aiap.repair.reproduce import Reproduction, reproduce
from aiap.repair.shards import split_suite
from aiap.repair.validate import Invocation, Validator
from aiap.workspace import Workspace
from tests.conftest import write_project

MOD = "def double(x):\n    return x * 3\n\n\ndef half(x):\n    return x / 2\n"
# Each test writes its process id: how many processes ran the suite is seen, not assumed.
PID = "import os\n\n\ndef _ran():\n    open('{pids}', 'a').write(f'{{os.getpid()}}\\n')\n\n\n"
TEST_A = "from mod import double\n\n\ndef test_double():\n    _ran()\n    assert double(2) == 4\n"
TEST_B = "from mod import half\n\n\ndef test_half():\n    _ran()\n    assert half(4) == 2\n"
DOUBLE, HALF = "test_a.py::test_double", "test_b.py::test_half"
SLOW = {DOUBLE: 3.0, HALF: 3.0}  # as the user's run reported them: worth two processes


def test_files_are_dealt_slowest_first_to_the_least_loaded_shard() -> None:
    durations = {"a.py::t1": 3.0, "a.py::t2": 1.0, "b.py::t": 4.0, "c.py::t": 2.0, "d.py::t": 1.0}
    assert split_suite(durations, 2) == [["a.py", "c.py"], ["b.py", "d.py"]]


def test_a_file_slower_than_a_shards_share_is_split_by_its_tests() -> None:
    # two tests that hang until a timeout plugin stops them, in one file
    durations = {"a.py::hang[1]": 10.0, "a.py::hang[2]": 10.0, "a.py::ok": 0.1, "b.py::t": 1.0}
    assert split_suite(durations, 2) == [["a.py::hang[1]", "b.py"], ["a.py::hang[2]", "a.py::ok"]]


def test_a_quick_suite_one_test_or_one_core_is_not_split() -> None:
    assert split_suite({"a.py::t": 1.0, "b.py::t": 1.0}, 2) == []
    assert split_suite({"a.py::t1": 9.0}, 2) == []
    assert split_suite({"a.py::t": 9.0, "b.py::t": 9.0}, 1) == []


def test_a_suite_of_many_quick_tests_is_split_by_the_whole_runs_time() -> None:
    # 0.2 s of tests in a 9 s run: collection and pytest's work around each test are the rest
    durations = {f"{name}.py::t{i}": 0.01 for name in "abc" for i in range(8)} | {"a.py::t": 0.0}
    assert split_suite(durations, 2) == []
    assert split_suite(durations, 2, seconds=9.0) == [["a.py"], ["b.py", "c.py"]]


def _reproduce(
    tmp_path: Path,
    tests: dict[str, str],
    failing: list[str],
    options: tuple[str, ...] = (),
    positional: tuple[str, ...] = (),
    durations: dict[str, float] = SLOW,
) -> Reproduction | None:
    pids = tmp_path / "pids"
    files = {"mod.py": MOD, **{k: PID.format(pids=pids) + v for k, v in tests.items()}}
    project = write_project(tmp_path / "p", files)
    ws = Workspace.create(project)
    try:
        inv = Invocation(
            rootdir=ws.root,
            invocation_dir=ws.root,
            options=list(options),
            positional=list(positional),
            env={**os.environ, "PYTHONPATH": str(ws.root), "COVERAGE_CORE": "ctrace"},
        )
        return reproduce(
            inv,
            ws,
            failing,
            timeout_setting=None,
            user_seconds=6.0,
            state=RunState(),
            durations=durations,
            cores=2,
        )
    finally:
        ws.cleanup()


def test_a_split_reproduction_runs_a_process_per_shard_and_merges_what_they_saw(
    tmp_path: Path,
) -> None:
    found = _reproduce(tmp_path, {"test_a.py": TEST_A, "test_b.py": TEST_B}, [DOUBLE])
    assert found is not None
    assert len(set((tmp_path / "pids").read_text().split())) == 2
    assert [f.nodeid for f in found.failures] == [DOUBLE]
    assert found.baseline.passed() == {HALF}
    assert found.coverage["mod.py"][2] == {DOUBLE}
    assert found.coverage["mod.py"][6] == {HALF}


def test_a_failure_only_the_other_files_tests_cause_is_reproduced_in_one_run(
    tmp_path: Path,
) -> None:
    # test_b fails only after test_a ran in the same process: split, it would pass
    leaky_a = TEST_A.replace("_ran()\n", "_ran()\n    os.environ['AIAP_T_LEAK'] = '1'\n")
    leaky_b = TEST_B.replace("_ran()\n", "_ran()\n    assert 'AIAP_T_LEAK' not in os.environ\n")
    found = _reproduce(tmp_path, {"test_a.py": leaky_a, "test_b.py": leaky_b}, [DOUBLE, HALF])
    assert found is not None
    assert sorted(f.nodeid for f in found.failures) == [DOUBLE, HALF]
    assert len(set((tmp_path / "pids").read_text().split())) == 3  # two shards, then one run


def test_a_run_given_node_ids_is_not_split(tmp_path: Path) -> None:
    tests = {"test_a.py": TEST_A, "test_b.py": TEST_B}
    found = _reproduce(tmp_path, tests, [DOUBLE], positional=(DOUBLE, HALF))
    assert found is not None
    assert len(set((tmp_path / "pids").read_text().split())) == 1


def test_a_run_spread_by_xdist_already_is_not_split(tmp_path: Path) -> None:
    tests = {"test_a.py": TEST_A, "test_b.py": TEST_B}
    found = _reproduce(tmp_path, tests, [DOUBLE], options=("-n", "0"))
    assert found is not None
    assert len(set((tmp_path / "pids").read_text().split())) == 1


def test_tests_of_one_slow_file_run_in_a_process_each(tmp_path: Path) -> None:
    two = TEST_A + "\n\ndef test_double_zero():\n    _ran()\n    assert double(0) == 0\n"
    zero = "test_a.py::test_double_zero"
    found = _reproduce(tmp_path, {"test_a.py": two}, [DOUBLE], durations={DOUBLE: 3.0, zero: 3.0})
    assert found is not None
    assert len(set((tmp_path / "pids").read_text().split())) == 2
    assert found.baseline.passed() == {zero}


def test_a_split_reproduction_keeps_its_shards_for_the_final_run(tmp_path: Path) -> None:
    found = _reproduce(tmp_path, {"test_a.py": TEST_A, "test_b.py": TEST_B}, [DOUBLE])
    assert found is not None
    assert sorted(found.shards) == [["test_a.py"], ["test_b.py"]]


def test_a_reproduction_that_ran_whole_keeps_no_shards(tmp_path: Path) -> None:
    leaky_a = TEST_A.replace("_ran()\n", "_ran()\n    os.environ['AIAP_T_LEAK'] = '1'\n")
    leaky_b = TEST_B.replace("_ran()\n", "_ran()\n    assert 'AIAP_T_LEAK' not in os.environ\n")
    found = _reproduce(tmp_path, {"test_a.py": leaky_a, "test_b.py": leaky_b}, [DOUBLE, HALF])
    assert found is not None
    assert found.shards == []


FIX_DOUBLE = Edit(path="mod.py", start_line=2, end_line=2, new_text="    return x * 2\n")
BREAK_HALF = Edit(path="mod.py", start_line=6, end_line=6, new_text="    return x / 3\n")


def _confirm(tmp_path: Path, tests: dict[str, str], edits: list[Edit]) -> Verdict:
    """The final run of ``edits`` on a pool of two lanes, split as test_a.py | test_b.py."""
    pids = tmp_path / "pids"
    files = {"mod.py": MOD, **{k: PID.format(pids=pids) + v for k, v in tests.items()}}
    primary = Workspace.create(write_project(tmp_path / "p", files))
    clone = primary.clone()
    try:
        baseline = RunResult(
            results=[
                TestResult(nodeid=DOUBLE, outcome="failed", duration=3.0),
                TestResult(nodeid=HALF, outcome="passed", duration=3.0),
            ]
        )
        pool = ValidatorPool(
            [Validator(ws, _inv(ws), baseline, [DOUBLE]) for ws in (primary, clone)],
            shards=[["test_a.py"], ["test_b.py"]],
        )
        try:
            patch = CodePatch(engine="test", operator="test", description="", edits=edits)
            return pool.confirm(patch)
        finally:
            pool.close()
    finally:
        clone.cleanup()
        primary.cleanup()


def _inv(ws: Workspace) -> Invocation:
    env = {**os.environ, "PYTHONPATH": str(ws.root), "COVERAGE_CORE": "ctrace"}
    return Invocation(rootdir=ws.root, invocation_dir=ws.root, options=[], positional=[], env=env)


def test_the_final_run_of_a_split_reproduction_runs_its_shards_side_by_side(
    tmp_path: Path,
) -> None:
    verdict = _confirm(tmp_path, {"test_a.py": TEST_A, "test_b.py": TEST_B}, [FIX_DOUBLE])
    assert verdict.plausible and verdict.whole_suite
    # the failing test is left out of the final run: test_b's shard ran, in its own process
    assert len((tmp_path / "pids").read_text().split()) == 1


def test_a_patch_that_breaks_a_test_of_another_shard_is_rejected_by_the_final_run(
    tmp_path: Path,
) -> None:
    verdict = _confirm(tmp_path, {"test_a.py": TEST_A, "test_b.py": TEST_B}, [BREAK_HALF])
    assert not verdict.plausible
    assert verdict.reason == "breaks 1 test(s)"


def test_a_final_run_that_fails_only_split_is_decided_by_the_whole_run(tmp_path: Path) -> None:
    # test_b passes only where test_a.py was collected too: split, it fails
    leaky_a = TEST_A + "\n\nos.environ['AIAP_T_SET'] = '1'\n"
    needy_b = TEST_B.replace("_ran()\n", "_ran()\n    assert 'AIAP_T_SET' in os.environ\n")
    verdict = _confirm(tmp_path, {"test_a.py": leaky_a, "test_b.py": needy_b}, [FIX_DOUBLE])
    assert verdict.plausible
